-- The bytes live in object storage under object_key; a key is written once and never reused, so
-- a replace points the row at a new key and etag instead of overwriting the object.
CREATE TABLE files (
  id BIGINT NOT NULL AUTO_INCREMENT,
  owner_id BIGINT NOT NULL,
  object_key VARCHAR(100) NOT NULL,
  file_name VARCHAR(255) NOT NULL,
  content_type VARCHAR(255) NOT NULL,
  size BIGINT NOT NULL,
  etag VARCHAR(64) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY ux_files_object_key (object_key),
  KEY ix_files_owner (owner_id),
  CONSTRAINT fk_files_owner FOREIGN KEY (owner_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which files a message carries. The foreign key to messages arrives with that table; deleting a
-- file takes it out of every message.
CREATE TABLE message_attachments (
  message_id BIGINT NOT NULL,
  file_id BIGINT NOT NULL,
  PRIMARY KEY (message_id, file_id),
  KEY ix_message_attachments_file (file_id),
  CONSTRAINT fk_message_attachments_file FOREIGN KEY (file_id) REFERENCES files (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Objects no row references any more, recorded in the transaction that dropped the reference and
-- cleared once the object is removed; what storage refused stays here for the sweeper.
CREATE TABLE orphan_objects (
  object_key VARCHAR(100) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (object_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
