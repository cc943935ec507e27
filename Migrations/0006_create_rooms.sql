-- rooms.owner_id is the one record of ownership; a participant's role is derived from it.
CREATE TABLE rooms (
  id BIGINT NOT NULL AUTO_INCREMENT,
  name VARCHAR(80) NOT NULL,
  description VARCHAR(500) NOT NULL DEFAULT '',
  is_private TINYINT(1) NOT NULL,
  owner_id BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_rooms_visibility_name (is_private, name),
  CONSTRAINT fk_rooms_owner FOREIGN KEY (owner_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE room_participants (
  room_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  joined_at DATETIME(3) NOT NULL,
  PRIMARY KEY (room_id, user_id),
  KEY ix_room_participants_user (user_id),
  KEY ix_room_participants_seniority (room_id, joined_at),
  CONSTRAINT fk_room_participants_room FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT fk_room_participants_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- At most one pending invite per room and invitee: live is 1 only while pending, and NULLs
-- never collide in the unique key.
CREATE TABLE room_invites (
  id BIGINT NOT NULL AUTO_INCREMENT,
  room_id BIGINT NOT NULL,
  inviter_id BIGINT NOT NULL,
  invitee_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  responded_at DATETIME(3) NULL,
  live TINYINT GENERATED ALWAYS AS (CASE WHEN status = 'pending' THEN 1 END) STORED,
  PRIMARY KEY (id),
  UNIQUE KEY ux_room_invites_live (room_id, invitee_id, live),
  KEY ix_room_invites_invitee (invitee_id, status),
  CONSTRAINT fk_room_invites_room FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT fk_room_invites_inviter FOREIGN KEY (inviter_id) REFERENCES users (id),
  CONSTRAINT fk_room_invites_invitee FOREIGN KEY (invitee_id) REFERENCES users (id),
  CONSTRAINT ck_room_invites_status CHECK (status IN ('pending', 'accepted', 'rejected'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
