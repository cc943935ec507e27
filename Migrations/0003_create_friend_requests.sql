-- One row per request; an accepted request is the friendship itself, so "are A and B friends"
-- is one lookup on ux_friend_requests_live_pair.
-- A pair may hold at most one live (pending or accepted) relationship in either direction:
-- live is 1 for those and NULL otherwise, and NULLs never collide in a unique key, so two
-- opposite requests raced at the same moment cannot both be stored.
CREATE TABLE friend_requests (
  id BIGINT NOT NULL AUTO_INCREMENT,
  from_user_id BIGINT NOT NULL,
  to_user_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  responded_at DATETIME(3) NULL,
  user_low BIGINT GENERATED ALWAYS AS (LEAST(from_user_id, to_user_id)) STORED,
  user_high BIGINT GENERATED ALWAYS AS (GREATEST(from_user_id, to_user_id)) STORED,
  live TINYINT GENERATED ALWAYS AS (CASE WHEN status IN ('pending', 'accepted') THEN 1 END) STORED,
  PRIMARY KEY (id),
  UNIQUE KEY ux_friend_requests_live_pair (user_low, user_high, live),
  KEY ix_friend_requests_from (from_user_id, status),
  KEY ix_friend_requests_to (to_user_id, status),
  -- No ON DELETE CASCADE and no CHECK on the user columns: MySQL 8 forbids both on the base
  -- columns of stored generated columns and of foreign keys with actions.
  CONSTRAINT fk_friend_requests_from FOREIGN KEY (from_user_id) REFERENCES users (id),
  CONSTRAINT fk_friend_requests_to FOREIGN KEY (to_user_id) REFERENCES users (id),
  CONSTRAINT ck_friend_requests_status CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
