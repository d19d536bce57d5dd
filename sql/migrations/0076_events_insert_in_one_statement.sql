-- The course bot's single-row INSERT INTO events, cheaper: hsl-bot's work for it in two
-- statement triggers of one statement each.
--
-- Before, each insert ran a row trigger (hsl_users_note_insert of migration 0003: the row
-- turned into JSONB to find its timestamp column by name, then the users upsert), and the
-- statement trigger (0010/0012) packed the transition table into arrays for
-- hsl_events_apply, which called its four-argument namesake and ran three to five statements,
-- looking the zone up twice. Now:
--
--   hsl_users_insert     a statement trigger (same name, so a load can still switch it off):
--                        one upsert per user of the statement, written only when the user's
--                        window widens
--   hsl_analytics_insert feeds every rollup from new_rows in one statement of data-modifying
--                        CTEs; the per-person parts find no rows unless the statement has
--                        events of their types
--
-- Statement triggers fire by name, so the rollups now run before the users upsert (row
-- triggers used to run first). The cohort bookkeeping stays exact either way: a week that
-- turns active is counted in the cohort of the user's first appearance as the users table has
-- it; a user not there yet gets all their active weeks counted by hsl_users_rollup when the
-- upsert creates them, and a first appearance that moves earlier moves them all.
-- Updates and deletes, rarer, go the way they went (hsl_events_apply, hsl_users_note_change).
-- Bookings and registrations keep their row triggers: they carry the usernames, and they are
-- rare.
-- migrate:up
DROP TRIGGER IF EXISTS hsl_users_insert ON events;

-- 0003's hsl_users_note_insert for a whole statement of events (they carry no names).
CREATE FUNCTION hsl_users_note_new_events() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO users AS u (user_id, first_seen_at, last_seen_at)
    SELECT user_id, min(created_at), max(created_at) FROM new_rows
    WHERE created_at IS NOT NULL
    GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET
        first_seen_at = least(u.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = greatest(u.last_seen_at, EXCLUDED.last_seen_at)
    WHERE u.first_seen_at IS NULL OR u.last_seen_at IS NULL
       OR EXCLUDED.first_seen_at < u.first_seen_at OR EXCLUDED.last_seen_at > u.last_seen_at;
    RETURN NULL;
END $$;
CREATE TRIGGER hsl_users_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_users_note_new_events();

CREATE OR REPLACE FUNCTION hsl_events_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at),
            array_agg(details ->> 'course_id'), -1, TRUE)
        FROM old_rows;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at),
            array_agg(details ->> 'course_id'), 1, TRUE)
        FROM new_rows;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        RETURN NULL;
    END IF;
    -- hsl_events_apply(..., 1, FALSE) of 0010 and 0012, in one statement.
    WITH changes AS MATERIALIZED (
        SELECT user_id AS uid, event_type::text AS kind, created_at AS moment,
               created_at AT TIME ZONE (SELECT tz FROM analytics_settings) AS local_at,
               details ->> 'course_id' AS course
        FROM new_rows
        WHERE created_at IS NOT NULL
    ), per_type AS (
        INSERT INTO analytics_events AS a (event_type, day, n)
        SELECT kind, local_at::date, count(*) FROM changes
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (event_type, day) DO UPDATE SET n = a.n + EXCLUDED.n
    ), per_day AS (
        INSERT INTO analytics_user_days AS d (day, user_id, n)
        SELECT local_at::date, uid, count(*) FROM changes
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (day, user_id) DO UPDATE SET n = d.n + EXCLUDED.n
    ), steps AS (
        INSERT INTO analytics_user_steps AS s (user_id, started_at, viewed_at, booked_at, paid_at)
        SELECT uid, max(moment) FILTER (WHERE kind = 'start_command'),
               max(moment) FILTER (WHERE kind = 'view_program'),
               max(moment) FILTER (WHERE kind = 'booking_created'),
               max(moment) FILTER (WHERE kind = 'payment_proof_uploaded')
        FROM changes
        WHERE kind IN ('start_command', 'view_program', 'booking_created',
                       'payment_proof_uploaded')
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (user_id) DO UPDATE
            SET started_at = greatest(s.started_at, EXCLUDED.started_at),
                viewed_at = greatest(s.viewed_at, EXCLUDED.viewed_at),
                booked_at = greatest(s.booked_at, EXCLUDED.booked_at),
                paid_at = greatest(s.paid_at, EXCLUDED.paid_at)
    ), viewers AS (
        INSERT INTO analytics_program_viewers AS v (course_key, user_id, last_at)
        SELECT course, uid, max(moment) FROM changes
        WHERE kind = 'view_program' AND course IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (user_id, course_key) DO UPDATE
            SET last_at = greatest(v.last_at, EXCLUDED.last_at)
    ), per_week AS (
        SELECT uid, date_trunc('week', local_at)::date AS week, count(*) AS delta
        FROM changes GROUP BY 1, 2
    ), weeks AS (
        INSERT INTO analytics_user_weeks AS w (user_id, week, n)
        SELECT uid, week, delta FROM per_week ORDER BY 1, 2
        ON CONFLICT (user_id, week) DO UPDATE SET n = w.n + EXCLUDED.n
        RETURNING w.user_id, w.week, w.n
    ), flips AS (
        -- a week that had no events before this statement now counts for the user's cohort
        SELECT weeks.user_id, weeks.week
        FROM weeks JOIN per_week AS p ON p.uid = weeks.user_id AND p.week = weeks.week
        WHERE weeks.n > 0 AND weeks.n - p.delta <= 0
    )
    INSERT INTO analytics_cohorts AS c (cohort, week, users)
    SELECT date_trunc('week', u.first_seen_at AT TIME ZONE (SELECT tz FROM analytics_settings))
               ::date,
           f.week, count(*)
    FROM flips AS f JOIN users AS u ON u.user_id = f.user_id
    WHERE u.first_seen_at IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (cohort, week) DO UPDATE SET users = c.users + EXCLUDED.users;
    RETURN NULL;
END $$;

-- migrate:down
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
DROP TRIGGER IF EXISTS hsl_users_insert ON events;
DROP FUNCTION IF EXISTS hsl_users_note_new_events();
CREATE TRIGGER hsl_users_insert AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION hsl_users_note_insert('created_at');
