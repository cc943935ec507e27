-- Usernames and emails are unique ignoring case: utf8mb4_unicode_ci compares case-insensitively.
CREATE TABLE users (
  id BIGINT NOT NULL AUTO_INCREMENT,
  username VARCHAR(32) NOT NULL,
  email VARCHAR(254) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  display_name VARCHAR(64) NOT NULL,
  bio VARCHAR(500) NOT NULL DEFAULT '',
  notifications_enabled TINYINT(1) NOT NULL DEFAULT 1,
  visibility VARCHAR(16) NOT NULL DEFAULT 'public',
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY ux_users_username (username),
  UNIQUE KEY ux_users_email (email),
  KEY ix_users_display_name (display_name),
  CONSTRAINT ck_users_visibility CHECK (visibility IN ('public', 'friends'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
