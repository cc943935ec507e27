-- Message search reads its own word index instead of InnoDB FULLTEXT. FULLTEXT hands over every
-- message holding a word in no useful order, and each costs a row read to filter by conversation,
-- sort by id and keep a page: a word in a few thousand messages cost 40-150 ms over a million.
-- Here a word's postings are a range of the primary key in message order, so the newest page is a
-- short backward read that stops at the page, with no row read at all (conversation_id is in the
-- posting). term is the word as SearchMessages.Words folds it (case and accents folded by the
-- service, so compared byte for byte); signature is the same for every posting of a message:
-- 64 bits, set by the prefixes of all its words (MessageTerms.Bits), so a query's other words
-- are checked on the posting itself before any message is read.
CREATE TABLE message_terms (
  term VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  message_id BIGINT NOT NULL,
  conversation_id BIGINT NOT NULL,
  signature BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (term, message_id)
) ENGINE=InnoDB;

-- The postings are written behind the send, not in it: every message is stored unindexed (the
-- column's default, so a send's SQL does not change and pays one index entry), and MessageIndexer
-- writes the postings of the flagged messages in batches and clears the flag in the same
-- transaction. Search reads the caller's flagged messages itself (ix_messages_unindexed holds the
-- primary key after the flag, so that is one range per conversation). Messages stored before this
-- migration start flagged too, and are indexed the same way.
ALTER TABLE messages ADD COLUMN unindexed TINYINT NULL DEFAULT 1;

CREATE INDEX ix_messages_unindexed ON messages (unindexed);

-- Its upkeep cost every send, and nothing reads it any more.
DROP INDEX ft_messages_body ON messages;
