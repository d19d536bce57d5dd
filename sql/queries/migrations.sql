-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- name: applied_migrations
SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version;

-- name: record_migration
INSERT INTO schema_migrations (version, name, checksum) VALUES (:version, :name, :checksum);

-- name: forget_migration
DELETE FROM schema_migrations WHERE version = :version;

-- name: lock_migrations
SELECT pg_advisory_lock(:key);

-- name: unlock_migrations
SELECT pg_advisory_unlock(:key);

-- name: migrations_table_exists
-- Whether migrations were ever recorded here (status must not create anything).
SELECT to_regclass('schema_migrations') IS NOT NULL;
