-- Per-person derived data, so /funnel, /leads and a stream's student list read rows per
-- person active in the window instead of every raw event in it:
--
--   analytics_user_days        events per user and local day (/leads)
--   analytics_user_steps       per user: the latest moment of each funnel event type (/funnel:
--                              "had a step in the window" is "latest one is in it")
--   analytics_program_viewers  per course (details ->> 'course_id') and user: the latest
--                              view_program moment (NULL once none is left)
--
-- Kept by the same statement-level events trigger as migration 0010 (its function now calls
-- the five-argument hsl_events_apply, one statement per trigger firing). Inserts only add;
-- a latest moment cannot be subtracted, so updates and deletes recompute the viewer rows of
-- the users and (course, user) pairs they touched from the events table (per-user index). The
-- four-argument hsl_events_apply of 0010 stays for this migration's down part.
--
-- Also: an index for /lessons (free lessons by date), and trigram indexes for /user's text
-- search where the server has pg_trgm (the search works without them, by a scan).
-- migrate:up
CREATE TABLE analytics_user_days (
    day DATE NOT NULL,
    user_id BIGINT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (day, user_id)
);

CREATE TABLE analytics_user_steps (
    user_id BIGINT PRIMARY KEY,
    started_at TIMESTAMPTZ,
    viewed_at TIMESTAMPTZ,
    booked_at TIMESTAMPTZ,
    paid_at TIMESTAMPTZ
);
CREATE INDEX idx_analytics_user_steps_started
    ON analytics_user_steps (started_at) INCLUDE (viewed_at, booked_at, paid_at, user_id);

CREATE TABLE analytics_program_viewers (
    course_key TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    last_at TIMESTAMPTZ,
    PRIMARY KEY (course_key, user_id)
);
CREATE INDEX idx_analytics_program_viewers_last
    ON analytics_program_viewers (course_key, last_at) INCLUDE (user_id);

CREATE INDEX IF NOT EXISTS hsl_free_lesson_registrations_lesson_date
    ON free_lesson_registrations (lesson_date) INCLUDE (user_id, lesson_type, registered_at);

-- The school's own types are varchar; ``recount`` asks for viewer rows to be recomputed
-- (updates and deletes) rather than widened (inserts).
CREATE FUNCTION hsl_events_apply(
    uids BIGINT[], kinds TEXT[], moments TIMESTAMPTZ[], courses TEXT[], sign INTEGER,
    recount BOOLEAN
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    PERFORM hsl_events_apply(uids, kinds, moments, sign);
    INSERT INTO analytics_user_days AS d (day, user_id, n)
    SELECT (moment AT TIME ZONE zone)::date, uid, sign * count(*)
    FROM unnest(uids, moments) AS c (uid, moment)
    WHERE moment IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, user_id) DO UPDATE SET n = d.n + EXCLUDED.n;
    IF kinds && ARRAY['start_command', 'view_program', 'booking_created',
                      'payment_proof_uploaded'] THEN
        IF recount THEN
            INSERT INTO analytics_user_steps AS s (user_id, started_at, viewed_at, booked_at,
                                                    paid_at)
            SELECT p.uid, f.started_at, f.viewed_at, f.booked_at, f.paid_at
            FROM (SELECT DISTINCT uid FROM unnest(uids) AS c (uid)) AS p,
            LATERAL (
                SELECT max(e.created_at) FILTER (WHERE e.event_type = 'start_command')
                           AS started_at,
                       max(e.created_at) FILTER (WHERE e.event_type = 'view_program')
                           AS viewed_at,
                       max(e.created_at) FILTER (WHERE e.event_type = 'booking_created')
                           AS booked_at,
                       max(e.created_at) FILTER (WHERE e.event_type = 'payment_proof_uploaded')
                           AS paid_at
                FROM events AS e WHERE e.user_id = p.uid
            ) AS f
            ORDER BY 1
            ON CONFLICT (user_id) DO UPDATE
                SET started_at = EXCLUDED.started_at, viewed_at = EXCLUDED.viewed_at,
                    booked_at = EXCLUDED.booked_at, paid_at = EXCLUDED.paid_at;
        ELSE
            INSERT INTO analytics_user_steps AS s (user_id, started_at, viewed_at, booked_at,
                                                    paid_at)
            SELECT uid, max(moment) FILTER (WHERE kind = 'start_command'),
                   max(moment) FILTER (WHERE kind = 'view_program'),
                   max(moment) FILTER (WHERE kind = 'booking_created'),
                   max(moment) FILTER (WHERE kind = 'payment_proof_uploaded')
            FROM unnest(uids, kinds, moments) AS c (uid, kind, moment)
            WHERE kind IN ('start_command', 'view_program', 'booking_created',
                           'payment_proof_uploaded')
              AND moment IS NOT NULL
            GROUP BY 1 ORDER BY 1
            ON CONFLICT (user_id) DO UPDATE
                SET started_at = greatest(s.started_at, EXCLUDED.started_at),
                    viewed_at = greatest(s.viewed_at, EXCLUDED.viewed_at),
                    booked_at = greatest(s.booked_at, EXCLUDED.booked_at),
                    paid_at = greatest(s.paid_at, EXCLUDED.paid_at);
        END IF;
    END IF;
    IF 'view_program' <> ALL (kinds) THEN
        RETURN;
    END IF;
    IF recount THEN
        INSERT INTO analytics_program_viewers AS v (course_key, user_id, last_at)
        SELECT p.course, p.uid,
               (SELECT max(e.created_at) FROM events AS e
                WHERE e.user_id = p.uid AND e.event_type = 'view_program'
                  AND e.details ->> 'course_id' = p.course)
        FROM (
            SELECT DISTINCT course, uid FROM unnest(uids, kinds, courses) AS c (uid, kind, course)
            WHERE kind = 'view_program' AND course IS NOT NULL
        ) AS p
        ORDER BY 1, 2
        ON CONFLICT (course_key, user_id) DO UPDATE SET last_at = EXCLUDED.last_at;
    ELSE
        INSERT INTO analytics_program_viewers AS v (course_key, user_id, last_at)
        SELECT course, uid, max(moment)
        FROM unnest(uids, kinds, moments, courses) AS c (uid, kind, moment, course)
        WHERE kind = 'view_program' AND course IS NOT NULL AND moment IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (course_key, user_id) DO UPDATE
            SET last_at = greatest(v.last_at, EXCLUDED.last_at);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION hsl_events_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at),
            array_agg(details ->> 'course_id'), -1, TRUE)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at),
            array_agg(details ->> 'course_id'), 1, TG_OP = 'UPDATE')
        FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

-- 0010's rebuild, then the per-person tables (rows in key order: windows read them by day).
CREATE FUNCTION hsl_rebuild_analytics_people() RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    TRUNCATE analytics_user_days, analytics_user_steps, analytics_program_viewers;
    INSERT INTO analytics_user_days (day, user_id, n)
    SELECT (created_at AT TIME ZONE zone)::date, user_id, count(*)
    FROM events WHERE created_at IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2;
    INSERT INTO analytics_user_steps (user_id, started_at, viewed_at, booked_at, paid_at)
    SELECT user_id, max(created_at) FILTER (WHERE event_type = 'start_command'),
           max(created_at) FILTER (WHERE event_type = 'view_program'),
           max(created_at) FILTER (WHERE event_type = 'booking_created'),
           max(created_at) FILTER (WHERE event_type = 'payment_proof_uploaded')
    FROM events
    WHERE event_type IN ('start_command', 'view_program', 'booking_created',
                         'payment_proof_uploaded')
      AND created_at IS NOT NULL
    GROUP BY 1 ORDER BY 1;
    INSERT INTO analytics_program_viewers (course_key, user_id, last_at)
    SELECT details ->> 'course_id', user_id, max(created_at)
    FROM events
    WHERE event_type = 'view_program' AND details ->> 'course_id' IS NOT NULL
      AND created_at IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2;
END $$;

ALTER FUNCTION hsl_rebuild_analytics() RENAME TO hsl_rebuild_analytics_counts;
CREATE FUNCTION hsl_rebuild_analytics() RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hsl_rebuild_analytics_counts();
    PERFORM hsl_rebuild_analytics_people();
END $$;

SELECT hsl_rebuild_analytics_people();

-- Trigram indexes only where the extension can be had (it is trusted: a database owner may
-- create it); without them /user's text search scans the users table.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')
       AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION pg_trgm;
            -- so the down part drops only an extension hsl-bot created
            COMMENT ON EXTENSION pg_trgm IS 'created by hsl-bot migration 0012';
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_trgm not created: %', SQLERRM;
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS idx_users_username_trgm
            ON users USING gin (username gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS idx_users_first_name_trgm
            ON users USING gin (first_name gin_trgm_ops);
    END IF;
END $$;

-- migrate:down
DROP INDEX IF EXISTS idx_users_first_name_trgm;
DROP INDEX IF EXISTS idx_users_username_trgm;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension AS x
               WHERE x.extname = 'pg_trgm'
                 AND obj_description(x.oid, 'pg_extension')
                     = 'created by hsl-bot migration 0012') THEN
        DROP EXTENSION pg_trgm;
    END IF;
END $$;
DROP FUNCTION IF EXISTS hsl_rebuild_analytics();
ALTER FUNCTION hsl_rebuild_analytics_counts() RENAME TO hsl_rebuild_analytics;
DROP FUNCTION IF EXISTS hsl_rebuild_analytics_people();
CREATE OR REPLACE FUNCTION hsl_events_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at), -1)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at), 1)
        FROM new_rows;
    END IF;
    RETURN NULL;
END $$;
DROP FUNCTION IF EXISTS hsl_events_apply(BIGINT[], TEXT[], TIMESTAMPTZ[], TEXT[], INTEGER, BOOLEAN);
DROP INDEX IF EXISTS hsl_free_lesson_registrations_lesson_date;
DROP TABLE IF EXISTS analytics_program_viewers;
DROP TABLE IF EXISTS analytics_user_steps;
DROP TABLE IF EXISTS analytics_user_days;
