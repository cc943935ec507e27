-- Every change to a conversation's messages takes the next version of that conversation, under
-- the lock of its conversations row, so versions are unique and grow in commit order. A message
-- carries the version of its latest change; (conversation_id, version) finds the changes since V.
ALTER TABLE conversations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

ALTER TABLE messages ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Messages that existed before versions: numbered in id order within their conversation.
UPDATE messages m
JOIN (SELECT conversation_id, id, ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY id) AS v FROM messages) n
  ON n.conversation_id = m.conversation_id AND n.id = m.id
SET m.version = n.v;

UPDATE conversations c SET c.version = (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id);

-- Every room has its conversation from the start, so sending never has to create one.
INSERT INTO conversations (room_id)
SELECT r.id FROM rooms r WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.room_id = r.id);

-- Likewise every friendship, so sending a direct message never has to create one either.
INSERT INTO conversations (user_low, user_high)
SELECT r.user_low, r.user_high FROM friend_requests r
WHERE r.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.user_low = r.user_low AND c.user_high = r.user_high);

-- room_id and recipient_id repeat what the conversation already says (its room, its two users),
-- and fk_messages_conversation already holds each message to them. Their own keys cost every
-- insert two more index updates, and the room key a shared lock on the room row, which a leave
-- holding that row while it waits for the sender's lock on the participant would close into a
-- deadlock.
ALTER TABLE messages DROP FOREIGN KEY fk_messages_room, DROP FOREIGN KEY fk_messages_recipient;

ALTER TABLE messages DROP INDEX fk_messages_room, DROP INDEX fk_messages_recipient;

CREATE UNIQUE INDEX ux_messages_version ON messages (conversation_id, version);
