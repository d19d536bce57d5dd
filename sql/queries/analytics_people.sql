-- The analytics console's questions about one person and about the database itself:
-- /user, /schema, /export.

-- name: user_by_id
SELECT user_id, username, first_name, first_seen_at, last_seen_at
FROM users WHERE user_id = :user_id;

-- name: users_by_username
SELECT user_id, username, first_name, first_seen_at, last_seen_at
FROM users WHERE lower(username) = lower(:username)
ORDER BY last_seen_at DESC NULLS LAST
LIMIT :limit;

-- name: users_by_text
-- A fragment of a username or first name, most recently seen first. Case is folded by
-- hsl_fold (migration 0065) on both sides, not by ILIKE: under the C locale ILIKE matches
-- Latin letters only, so "иван" would miss "Иван".
SELECT user_id, username, first_name, first_seen_at, last_seen_at
FROM users
WHERE hsl_fold(username) LIKE hsl_fold(:pattern) OR hsl_fold(first_name) LIKE hsl_fold(:pattern)
ORDER BY last_seen_at DESC NULLS LAST, user_id
LIMIT :limit;

-- name: user_bookings
SELECT id, course_id, course_stream, coalesce(confirmed, 0) AS confirmed, created_at
FROM bookings WHERE user_id = :user_id
ORDER BY created_at DESC NULLS LAST, id DESC
LIMIT :limit;

-- name: user_registrations
SELECT lesson_type, lesson_date, registered_at
FROM free_lesson_registrations WHERE user_id = :user_id
ORDER BY registered_at DESC NULLS LAST, id DESC
LIMIT :limit;

-- name: user_events
-- The latest events, with the user's total.
SELECT event_type, created_at, count(*) OVER () AS total
FROM events WHERE user_id = :user_id
ORDER BY created_at DESC NULLS LAST, id DESC
LIMIT :limit;

-- name: user_broadcasts
-- Each broadcast this person was a recipient of, with why it did not reach them: a recipient
-- a cancel stopped before sending is 'failed' with the reason 'cancelled' (broadcast.sql,
-- broadcast_sweep_cancelled), not a failure.
SELECT h.id, coalesce(h.sent_at, h.created_at) AS sent_at, h.message_text, r.delivery_status,
       r.failure_reason
FROM message_recipients AS r JOIN message_history AS h ON h.id = r.message_id
WHERE r.user_id = :user_id
ORDER BY h.id DESC
LIMIT :limit;

-- name: user_unreachable
-- Which bots cannot reach this person, why and since when (bot 0: the broadcast bot, from
-- before reachability was recorded per bot).
SELECT bot_id, reason, blocked_at FROM blocked_users
WHERE user_id = :user_id
ORDER BY blocked_at DESC;

-- name: user_last_outcome
-- What the latest broadcast that tried this person found (cancelled recipients were never
-- tried): delivered ('sent', or 'deleted' afterwards) or why not.
SELECT r.delivery_status, r.failure_reason, coalesce(r.settled_at, h.sent_at) AS at
FROM message_recipients AS r JOIN message_history AS h ON h.id = r.message_id
WHERE r.user_id = :user_id AND r.delivery_status IN ('sent', 'deleted', 'failed')
  AND r.failure_reason IS DISTINCT FROM 'cancelled'
ORDER BY r.message_id DESC
LIMIT 1;

-- name: user_reachable_by_sender
-- Whether broadcasts reach this person now (see hsl_unreachable).
SELECT NOT EXISTS (
    SELECT 1 FROM hsl_unreachable(:sender, :revive) AS x WHERE x.user_id = :user_id
);

-- name: schema_tables
-- Every table of the public schema: exact row counts for small ones (by size on disk),
-- an estimate for big ones as the planner makes it: the rows per page last measured
-- (reltuples / relpages, kept by VACUUM, ANALYZE and CREATE INDEX) times the pages the table
-- has now. A big table never measured since it filled up (reltuples unknown, or 0 from an
-- index built while it was empty) is counted exactly rather than reported empty.
SELECT t.name, t.bytes, NOT t.exact AS estimated,
       CASE WHEN t.exact THEN hsl_exact_count(t.oid)
       ELSE (t.reltuples / t.relpages * t.pages)::bigint END AS row_count
FROM (
    SELECT c.oid, c.relname AS name, c.reltuples, c.relpages,
           pg_total_relation_size(c.oid) AS bytes,
           pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages,
           pg_relation_size(c.oid) < :exact_below_bytes
               OR c.reltuples <= 0 OR c.relpages <= 0 AS exact
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
) AS t
ORDER BY t.name;

-- name: schema_columns
SELECT c.relname AS table_name, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
FROM pg_attribute AS a
JOIN pg_class AS c ON c.oid = a.attrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY c.relname, a.attnum;

-- name: schema_indexes
SELECT t.relname AS table_name, i.relname AS name, x.indisunique AS is_unique,
       substring(pg_get_indexdef(x.indexrelid) FROM 'USING \w+ (.*)$') AS definition
FROM pg_index AS x
JOIN pg_class AS i ON i.oid = x.indexrelid
JOIN pg_class AS t ON t.oid = x.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
ORDER BY t.relname, i.relname;

-- name: export_users
-- Moments stay timestamptz: the exporter writes every table's in TIMEZONE, to the second.
-- blocked: why the bot broadcasts go out with cannot reach them, as broadcasts found out
-- (blocked_users.reason: 'blocked', 'never started', 'deactivated'); NULL when nothing is
-- known against it (before any broadcast, nobody knows).
SELECT u.user_id, u.username, u.first_name,
       u.first_seen_at AS first_seen,
       u.last_seen_at AS last_seen,
       x.reason AS blocked
FROM users AS u
LEFT JOIN hsl_unreachable(:sender, :revive) AS x ON x.user_id = u.user_id
WHERE u.first_seen_at IS NOT NULL AND u.first_seen_at >= :since
ORDER BY u.first_seen_at, u.user_id;

-- name: export_bookings
SELECT id, user_id, username, first_name, course_id, course_stream, confirmed,
       created_at, referral_code, discount_percent
FROM bookings
WHERE created_at >= :since
ORDER BY created_at, id;

-- name: export_registrations
SELECT id, user_id, username, first_name, email, lesson_type, lesson_date,
       registered_at, notification_sent
FROM free_lesson_registrations
WHERE registered_at >= :since
ORDER BY registered_at, id;

-- name: export_events
SELECT id, user_id, event_type, details::text AS details, created_at
FROM events
WHERE created_at >= :since
ORDER BY created_at, id;
