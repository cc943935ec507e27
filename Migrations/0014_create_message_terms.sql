-- Message search reads its own word index instead of InnoDB FULLTEXT. FULLTEXT hands over every
-- message holding a word in no useful order, and each costs a row read to filter by conversation,
-- sort by id and keep a page: a word in a few thousand messages cost 40-150 ms over a million.
-- Here a word's postings are a range of the primary key in message order, so the newest page is a
-- short backward read that stops at the page, with no row read at all (conversation_id is in the
-- posting). term is the word as SearchMessages.Words folds it (case and accents folded by the
-- service, so compared byte for byte); signature is the same for every posting of a message:
-- 64 bits, set by the prefixes of all its words (MessageTerms.Signature), so a query's other
-- words are checked on the posting itself before any message is read. Written in the same
-- transaction as the message by send, edit and delete; rows from before this migration are
-- filled in by MessageTerms.Backfill from message_terms_backfill's mark downwards.
CREATE TABLE message_terms (
  term VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  message_id BIGINT NOT NULL,
  conversation_id BIGINT NOT NULL,
  signature BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (term, message_id)
) ENGINE=InnoDB;

-- One row while older messages are still to be indexed: every message below `below` (and not
-- deleted) still needs its postings. Gone once the backfill is done.
CREATE TABLE message_terms_backfill (
  id TINYINT NOT NULL PRIMARY KEY,
  below BIGINT NOT NULL
) ENGINE=InnoDB;

INSERT INTO message_terms_backfill (id, below) SELECT 1, COALESCE(MAX(id), 0) + 1 FROM messages;

-- Its upkeep cost every send, and nothing reads it any more.
DROP INDEX ft_messages_body ON messages;
