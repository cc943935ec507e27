-- Search checks a query's other words in the index itself. It no longer reads the messages that
-- the driving word's signature lets through. With 64 bits a message set about a third of them,
-- a 3-letter word sets one, and a weak hash put one bit in every signature. So for short words
-- the signature let through one posting in eight. Over a million messages, reading and checking
-- those bodies cost up to 120 ms for three frequent words. Three changes:
--
-- * The signature is 128 bits, two for each 3-, 4- and 5-character prefix (MessageTerms.Bits).
--   A message of eight indexed words sets about a quarter of them.
-- * ix_message_terms_message answers "does message m hold a word starting with w" in one dive.
--   An edit or delete removes a message's postings through it without knowing the old body.
-- * message_words counts, for each word, the messages indexed with it. Search reads the count to
--   pick its driving word, the rarest, and to expand a prefix to the words it starts.
--
-- The postings are rebuilt: every message is flagged for MessageIndexer again. Until it has
-- worked through them, search reads the flagged ones directly, so it is correct but slower.
DROP TABLE message_terms;

CREATE TABLE message_terms (
  term VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  message_id BIGINT NOT NULL,
  conversation_id BIGINT NOT NULL,
  signature_low BIGINT UNSIGNED NOT NULL,
  signature_high BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (term, message_id),
  KEY ix_message_terms_message (message_id, term)
) ENGINE=InnoDB;

-- messages is an estimate that only grows: the indexer adds each batch's counts. An edit or delete
-- does not take it back, because that would lock these hot rows in the edit's transaction.
CREATE TABLE message_words (
  term VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  messages BIGINT NOT NULL
) ENGINE=InnoDB;

-- The flags are set by dropping the column and adding it again with its default, not by an
-- UPDATE. Both are instant, where an UPDATE would rewrite and lock every row in one transaction.
-- Deleted messages come back flagged too; the indexer only clears their flag, as after 0014.
ALTER TABLE messages DROP INDEX ix_messages_unindexed;

ALTER TABLE messages DROP COLUMN unindexed;

ALTER TABLE messages ADD COLUMN unindexed TINYINT NULL DEFAULT 1;

CREATE INDEX ix_messages_unindexed ON messages (unindexed);
