-- Keys of objects about to be written, recorded before the write and cleared in the transaction
-- that gives the object its row. A key still here after Storage:PendingGraceSeconds belongs to an
-- upload that died in between (a crash, a lost database); the sweeper removes its object. One
-- statement, safe to run again.
CREATE TABLE IF NOT EXISTS pending_objects (
  object_key VARCHAR(100) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (object_key),
  KEY ix_pending_objects_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
