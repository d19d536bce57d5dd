-- Queries of bot/privacy: erasing a person's personal data (/forget) and the nightly retention.
--
-- Erasing keeps every id, timestamp, status and course: the analytics rollups (migrations
-- 0010/0012) are keyed by those only, so an UPDATE that blanks names moves no count (the
-- statement-level triggers subtract the old rows and add the new ones, which fall on the same
-- keys), and users' first/last appearance triggers fire only on user_id and time columns.
-- Each statement changes only rows that still hold something, so a second run counts 0.

-- name: privacy_ids_by_username
-- Everyone who used this @username: the latest known one, or in a booking or registration.
SELECT user_id FROM users WHERE lower(username) = lower(:username)
UNION
SELECT user_id FROM bookings WHERE lower(username) = lower(:username)
UNION
SELECT user_id FROM free_lesson_registrations WHERE lower(username) = lower(:username)
ORDER BY user_id
LIMIT :limit;

-- name: privacy_person
-- Who the database says this is now (shown to the admin before they confirm).
SELECT username, first_name FROM users WHERE user_id = :user_id;

-- name: privacy_identifiers
-- Every name, username and e-mail stored for a person, and every value of an event's field
-- named in :keys (at any depth), lower-cased without spaces around it or a leading @.
-- ``exact``: all of them; ``contained``: the distinctive ones (usernames, e-mails, phone
-- numbers: fields in :distinctive_keys) of at least 4 characters, which a longer text must not
-- contain either (see hsl_forget_matches).
-- The person's event details are read through the per-user index first (MATERIALIZED), and
-- their fields with one path query: with jsonb_path_query + jsonb_each the planner expected a
-- million rows per person, chose a parallel scan of all events and compiled it (JIT), ~250 ms
-- at 1M events instead of ~1 ms.
WITH details AS MATERIALIZED (
    SELECT details FROM events WHERE user_id = :user_id AND details IS NOT NULL
), found (value, distinctive) AS (
    SELECT username, TRUE FROM users WHERE user_id = :user_id
    UNION ALL
    SELECT first_name, FALSE FROM users WHERE user_id = :user_id
    UNION ALL
    SELECT username, TRUE FROM bookings WHERE user_id = :user_id
    UNION ALL
    SELECT first_name, FALSE FROM bookings WHERE user_id = :user_id
    UNION ALL
    SELECT username, TRUE FROM free_lesson_registrations WHERE user_id = :user_id
    UNION ALL
    SELECT first_name, FALSE FROM free_lesson_registrations WHERE user_id = :user_id
    UNION ALL
    SELECT email, TRUE FROM free_lesson_registrations WHERE user_id = :user_id
    UNION ALL
    SELECT username, TRUE FROM message_recipients WHERE user_id = :user_id
    UNION ALL
    -- every field of every object at any depth, as {"key", "value", "id"}
    SELECT f.field -> 'value' #>> '{}', lower(f.field ->> 'key') = ANY (:distinctive_keys::text[])
    FROM details AS d
    CROSS JOIN LATERAL jsonb_path_query(
        d.details, 'strict $.** ? (@.type() == "object").keyvalue()'
    ) AS f (field)
    WHERE lower(f.field ->> 'key') = ANY (:keys::text[])
      AND jsonb_typeof(f.field -> 'value') IN ('string', 'number')
), cleaned AS (
    SELECT lower(ltrim(btrim(value), '@')) AS value, distinctive FROM found
)
SELECT coalesce(array_agg(DISTINCT value), '{}') AS exact,
       coalesce(array_agg(DISTINCT value) FILTER (WHERE distinctive AND length(value) >= 4),
                '{}') AS contained
FROM cleaned
WHERE value <> '';

-- name: privacy_forget_bookings
WITH changed AS (
    UPDATE bookings
    SET username = hsl_blank('bookings', 'username'),
        first_name = hsl_blank('bookings', 'first_name')
    WHERE user_id = :user_id
      AND (coalesce(username, '') <> '' OR coalesce(first_name, '') <> '')
    RETURNING 1
)
SELECT count(*) FROM changed;

-- name: privacy_forget_registrations
WITH changed AS (
    UPDATE free_lesson_registrations
    SET username = hsl_blank('free_lesson_registrations', 'username'),
        first_name = hsl_blank('free_lesson_registrations', 'first_name'),
        email = hsl_blank('free_lesson_registrations', 'email')
    WHERE user_id = :user_id
      AND (coalesce(username, '') <> '' OR coalesce(first_name, '') <> ''
           OR coalesce(email, '') <> '')
    RETURNING 1
)
SELECT count(*) FROM changed;

-- name: privacy_forget_events
-- Personal fields (:keys) and the person's values leave details; course_id and the rest stay.
WITH cleaned AS (
    SELECT e.id,
           hsl_forget_jsonb(e.details, :keys::text[], :exact::text[], :contained::text[])
               AS details
    FROM events AS e
    WHERE e.user_id = :user_id AND e.details IS NOT NULL
), changed AS (
    UPDATE events AS e
    SET details = c.details
    FROM cleaned AS c
    WHERE e.id = c.id AND e.user_id = :user_id AND e.details IS DISTINCT FROM c.details
    RETURNING 1
)
SELECT count(*) FROM changed;

-- name: privacy_forget_user
WITH changed AS (
    UPDATE users
    SET username = NULL, first_name = NULL
    WHERE user_id = :user_id
      AND (coalesce(username, '') <> '' OR coalesce(first_name, '') <> '')
    RETURNING 1
)
SELECT count(*) FROM changed;

-- name: privacy_forget_recipients
WITH changed AS (
    UPDATE message_recipients
    SET username = NULL
    WHERE user_id = :user_id AND coalesce(username, '') <> ''
    RETURNING 1
)
SELECT count(*) FROM changed;

-- name: privacy_forget_fsm
-- Conversation state keyed by the person goes (aiogram's key ends ...:<user id>:<destiny>);
-- anyone else's keeps its place but loses values that are the person's.
WITH gone AS (
    DELETE FROM fsm_state
    WHERE split_part(key, ':', -2) = (:user_id)::bigint::text
    RETURNING 1
), cleaned AS (
    UPDATE fsm_state AS f
    SET data = hsl_forget_jsonb(f.data, '{}', :exact::text[], :contained::text[])
    WHERE split_part(f.key, ':', -2) <> (:user_id)::bigint::text
      AND hsl_forget_jsonb(f.data, '{}', :exact::text[], :contained::text[])
          IS DISTINCT FROM f.data
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM cleaned);

-- name: privacy_forget_audit
-- Audit details that carry the person's values lose them (who did what, and when, stay). Only
-- rows whose text contains one of them (as JSON writes it) are rewritten.
WITH cleaned AS (
    SELECT a.id,
           hsl_forget_jsonb(a.details, '{}', :exact::text[], :contained::text[]) AS details
    FROM audit_log AS a
    WHERE EXISTS (
        SELECT 1
        FROM unnest(:exact::text[]) AS n (needle),
             LATERAL (SELECT to_jsonb(n.needle)::text AS quoted) AS j
        WHERE strpos(lower(a.details::text), substr(j.quoted, 2, length(j.quoted) - 2)) > 0
    )
), changed AS (
    UPDATE audit_log AS a
    SET details = c.details
    FROM cleaned AS c
    WHERE a.id = c.id AND a.details IS DISTINCT FROM c.details
    RETURNING 1
)
SELECT count(*) FROM changed;

-- name: privacy_purgeable_broadcasts
-- Broadcasts that are over (one still sending, paused or being deleted needs its rows) and
-- have recipient rows older than :cutoff. Recipients are written after their broadcast, so its
-- created_at bounds theirs; each broadcast is probed by the message_id index.
SELECT h.id
FROM message_history AS h
WHERE (h.created_at IS NULL OR h.created_at < :cutoff)
  AND h.status IN ('done', 'cancelled', 'deleted')
  AND EXISTS (
      SELECT 1 FROM message_recipients AS r
      WHERE r.message_id = h.id AND r.created_at < :cutoff AND r.delivery_status <> 'pending'
  )
ORDER BY h.id;

-- name: privacy_purge_recipients
-- Up to :batch of one broadcast's recipient rows older than :cutoff (its message_history row
-- keeps total_recipients and successful_deliveries).
WITH gone AS (
    DELETE FROM message_recipients
    WHERE id IN (
        SELECT r.id FROM message_recipients AS r
        WHERE r.message_id = :message_id AND r.created_at < :cutoff
          AND r.delivery_status <> 'pending'
        LIMIT :batch
    )
    RETURNING 1
)
SELECT count(*) FROM gone;

-- name: privacy_purge_audit
-- Up to :batch audit rows older than :cutoff.
WITH gone AS (
    DELETE FROM audit_log
    WHERE id IN (
        SELECT id FROM audit_log WHERE created_at < :cutoff ORDER BY created_at LIMIT :batch
    )
    RETURNING 1
)
SELECT count(*) FROM gone;
