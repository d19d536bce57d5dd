-- Fenced leadership. One row: the current term of leadership (``epoch``, incremented on every
-- takeover), who holds it and when it last proved alive (``heartbeat_at``, the database's
-- clock). Writes that matter — broadcast and deletion claims, scheduled starts, digest claims —
-- carry the writer's epoch and are refused unless it is still the current one, so a leader
-- that was cut off or frozen and wakes up can no longer claim anything.
-- migrate:up
CREATE TABLE leader_term (
    id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    epoch BIGINT NOT NULL DEFAULT 0,
    holder TEXT,
    backend_pid INTEGER,
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity'
);
INSERT INTO leader_term DEFAULT VALUES;
-- migrate:down
DROP TABLE IF EXISTS leader_term;
