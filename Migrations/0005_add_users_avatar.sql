-- A file is at most one user's avatar; deleting the file clears the avatar.
ALTER TABLE users
  ADD COLUMN avatar_file_id BIGINT NULL,
  ADD UNIQUE KEY ux_users_avatar_file (avatar_file_id),
  ADD CONSTRAINT fk_users_avatar_file FOREIGN KEY (avatar_file_id) REFERENCES files (id) ON DELETE SET NULL;
