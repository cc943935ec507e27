-- A reply names the message it answers, always one of its own conversation (the send checks it in
-- its locking read). No foreign key: messages are never removed (a delete leaves a tombstone), so
-- the target always exists, and a key's check would make every reply's INSERT take a shared lock
-- on the target's row while holding the conversation row, the opposite of the order in which an
-- edit, a delete or a reaction locks them (message row, then conversation row). Reads join from
-- the reply to its target through ux_messages_id and need no index on the column.
ALTER TABLE messages ADD COLUMN reply_to_id BIGINT NULL;

-- One row per user and emoji on a message; the key makes adding twice a no-op. version is the
-- conversation version the reaction was added at (unique and growing in commit order within the
-- conversation), so a message's users of one emoji come earliest first; emoji_version is the
-- version at which the emoji was first used on the message, copied to every later reaction with
-- it, so an emoji keeps its place while anyone still uses it. utf8mb4_bin keeps distinct emoji
-- distinct: the unicode_ci collation weighs every character outside the BMP the same.
CREATE TABLE message_reactions (
  message_id BIGINT NOT NULL,
  emoji VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user_id BIGINT NOT NULL,
  version BIGINT NOT NULL,
  emoji_version BIGINT NOT NULL,
  PRIMARY KEY (message_id, emoji, user_id),
  CONSTRAINT fk_message_reactions_message FOREIGN KEY (message_id) REFERENCES messages (id),
  CONSTRAINT fk_message_reactions_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
