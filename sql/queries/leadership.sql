-- Leadership: an advisory lock for the quick path (a dead session frees it at once) and a
-- term row (leader_term) whose epoch fences every leader write and whose heartbeat shows it
-- alive.

-- name: try_leader_lock
SELECT pg_try_advisory_lock(:key);

-- name: release_leader_lock
SELECT pg_advisory_unlock(:key);

-- name: leader_begin_term
-- This session holds the lock: a new term begins (the previous holder's epoch is now stale).
UPDATE leader_term
SET epoch = epoch + 1, holder = :holder, backend_pid = pg_backend_pid(), heartbeat_at = now()
RETURNING epoch;

-- name: leader_take_over_stale
-- The leader's heartbeat is older than :stale_s seconds (frozen, cut off): end its term.
-- Exactly one caller gets the new epoch, and the old holder's backend (to terminate).
WITH old AS (
    SELECT backend_pid FROM leader_term
    WHERE heartbeat_at < now() - make_interval(secs => :stale_s::float8)
      AND holder IS NOT NULL  -- nobody ever led: the lock elects the first leader
    FOR UPDATE
)
UPDATE leader_term AS t
SET epoch = t.epoch + 1, holder = :holder, backend_pid = pg_backend_pid(), heartbeat_at = now()
FROM old
RETURNING t.epoch, old.backend_pid AS stale_pid;

-- name: leader_terminate_backend
-- End a stale leader's session (its lock goes with it) where we have the right to.
SELECT pg_terminate_backend(:pid)
WHERE :pid::int IS NOT NULL AND :pid::int <> pg_backend_pid();

-- name: leader_heartbeat
-- Renew this term; nothing comes back once the term is over (someone took over).
UPDATE leader_term SET heartbeat_at = now()
WHERE epoch = :epoch
RETURNING epoch;

-- name: leader_term_state
SELECT epoch, holder, extract(epoch FROM now() - heartbeat_at)::float8 AS age_s
FROM leader_term;
