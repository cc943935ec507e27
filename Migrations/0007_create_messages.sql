-- A conversation is a room or a pair of users; messages hang off its id.
CREATE TABLE conversations (
  id BIGINT NOT NULL AUTO_INCREMENT,
  room_id BIGINT NULL,
  user_low BIGINT NULL,
  user_high BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY ux_conversations_room (room_id),
  UNIQUE KEY ux_conversations_pair (user_low, user_high),
  CONSTRAINT fk_conversations_room FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT fk_conversations_user_low FOREIGN KEY (user_low) REFERENCES users (id),
  CONSTRAINT fk_conversations_user_high FOREIGN KEY (user_high) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The clustered key (conversation_id, id) stores each conversation's messages together in id
-- order, so a history page is one short range read at any depth and every column is covered.
-- id is server-assigned and only grows: it is the order of the conversation.
-- (sender_id, client_message_id) makes sending idempotent; NULLs (no client id) never collide,
-- and the binary collation keeps "aB3x" and "Ab3x" apart.
CREATE TABLE messages (
  conversation_id BIGINT NOT NULL,
  id BIGINT NOT NULL AUTO_INCREMENT,
  room_id BIGINT NULL,
  sender_id BIGINT NOT NULL,
  recipient_id BIGINT NULL,
  body VARCHAR(4000) NOT NULL,
  client_message_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  created_at DATETIME(3) NOT NULL,
  edited_at DATETIME(3) NULL,
  deleted_at DATETIME(3) NULL,
  PRIMARY KEY (conversation_id, id),
  UNIQUE KEY ux_messages_id (id),
  UNIQUE KEY ux_messages_client_id (sender_id, client_message_id),
  CONSTRAINT fk_messages_conversation FOREIGN KEY (conversation_id) REFERENCES conversations (id),
  CONSTRAINT fk_messages_room FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT fk_messages_sender FOREIGN KEY (sender_id) REFERENCES users (id),
  CONSTRAINT fk_messages_recipient FOREIGN KEY (recipient_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE message_attachments
  ADD CONSTRAINT fk_message_attachments_message FOREIGN KEY (message_id) REFERENCES messages (id);
