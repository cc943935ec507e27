-- One row per block, blocker to blocked. "Has either blocked the other" is two primary-key
-- lookups; ix_blocks_blocked answers "who blocked me" (hidden from my user search).
CREATE TABLE blocks (
  blocker_id BIGINT NOT NULL,
  blocked_id BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (blocker_id, blocked_id),
  KEY ix_blocks_blocked (blocked_id, blocker_id),
  CONSTRAINT fk_blocks_blocker FOREIGN KEY (blocker_id) REFERENCES users (id),
  CONSTRAINT fk_blocks_blocked FOREIGN KEY (blocked_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Blocking cancels the pending invites between two users in either direction: this key lets it
-- lock exactly those (and the gap where a new one would go) instead of every pending invite of
-- the invitee.
CREATE INDEX ix_room_invites_pair ON room_invites (inviter_id, invitee_id, live);

-- Message search: InnoDB FULLTEXT, queried in boolean mode with prefix terms (+word*). The body's
-- collation (utf8mb4_unicode_ci) makes matching case- and accent-insensitive. The first FULLTEXT
-- index rebuilds the table to add InnoDB's hidden FTS_DOC_ID column.
CREATE FULLTEXT INDEX ft_messages_body ON messages (body);
