-- /funnel, /lessons and a stream's people from rollups kept exact by the triggers, so none of
-- them reads a row per person active in its window or per booker of the stream (all three grew
-- with the school: a month of a big school is tens of thousands of people and registrations).
--
--   analytics_funnel_days   per funnel step and local day: how many users reach that step
--                           (and every step before it) at that day's moment, "reach" being the
--                           earliest of their latest moments of the steps so far -- a user had
--                           every step up to k in a window exactly when that moment is in it,
--                           so /funnel sums the rows from the window's first day on
--   analytics_user_steps    gains confirmed_at: the creation of the user's latest confirmed
--                           booking (the funnel's last step)
--   analytics_lesson_regs   per user and free lesson: their registrations, how many of those
--                           count as attended (a lesson_link_clicked event on the lesson's
--                           local day) and as booked (the user's latest booking is after it)
--   analytics_lessons       the same per lesson, summed over users
--   analytics_booking_statuses  bookings per creation day and current status: /stats'
--                           breakdown, without the courses and streams of analytics_bookings
--                           (whose rows multiply with them); kept by 0010's hsl_bookings_apply
--   analytics_stream_totals  bookings per course, stream and current status over all days:
--                           /courses (the stream's last day from analytics_bookings' new
--                           index), again without a row per day
--   analytics_stream_bookers  per user and stream (course 0 / stream '' for none): the status
--                           and creation of their latest booking in it
--   analytics_viewer_days   per course key and local day: programme viewers whose latest view
--                           (analytics_program_viewers.last_at) is on that day
--   analytics_booked_viewer_days  the same for each stream, counting only its bookers (viewers
--                           "since the stream opened" who did not book it = all such viewers
--                           minus its bookers among them: two sums of days, plus the first,
--                           partial day read from the viewers' index)
--
-- Who keeps them: the course bot's INSERT INTO events adds to the one statement of migration
-- 0076 -- the funnel and viewer-day rows move by the difference between a user's old and new
-- moments (read in the same statement, before its own upserts), and a click marks the user's
-- registrations for that day attended -- so an insert that moves no day writes nothing more,
-- and one without a step, a click or a viewed course finds nothing to do.
-- Everything else (updates and deletes of events, any change to bookings or registrations)
-- is rarer and goes the simple way: take the users' contributions out of the sums, recompute
-- their per-user rows from the school's tables, put the contributions back. For bookings and
-- registrations that runs in 0010's trigger functions, so whatever switches those off (the
-- seed's bulk load) switches it off too.
--
-- Rebuilds: hsl_rebuild_analytics() recomputes all of it; the sliced rebuild (0055) slices
-- analytics_booking_statuses by days like analytics_bookings, analytics_lesson_regs and
-- analytics_stream_bookers by users with the other per-person tables (and confirmed_at with
-- analytics_user_steps), then the sums of other rollups (stream totals, funnel, lessons,
-- viewer days) by days, after the tables they are summed from (bot/analytics/rebuild.py; the
-- stream totals and the funnel's days in one slice each: any run of the funnel's days reads
-- every user's steps).
-- migrate:up
ALTER TABLE analytics_user_steps ADD COLUMN confirmed_at TIMESTAMPTZ;

CREATE TABLE analytics_funnel_days (
    day DATE NOT NULL,
    step SMALLINT NOT NULL,  -- 1..5: FUNNEL_STEPS' order
    n INTEGER NOT NULL,
    PRIMARY KEY (day, step)
);

CREATE TABLE analytics_lesson_regs (
    user_id BIGINT NOT NULL,
    lesson_type TEXT NOT NULL,  -- '' for none
    lesson_date DATE NOT NULL,
    registered INTEGER NOT NULL,
    attended INTEGER NOT NULL,  -- 0 or registered
    booked INTEGER NOT NULL,
    PRIMARY KEY (user_id, lesson_type, lesson_date)
);
CREATE INDEX idx_analytics_lesson_regs_date ON analytics_lesson_regs (lesson_date);

CREATE TABLE analytics_booking_statuses (
    day DATE NOT NULL,
    confirmed INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (day, confirmed)
);

CREATE TABLE analytics_stream_totals (
    course_id INTEGER NOT NULL,
    course_stream TEXT NOT NULL,
    confirmed INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (course_id, course_stream, confirmed)
);
CREATE INDEX idx_analytics_bookings_stream_day
    ON analytics_bookings (course_id, course_stream, day) INCLUDE (n);

-- 0010's bookings rollup, plus analytics_booking_statuses and analytics_stream_totals.
CREATE OR REPLACE FUNCTION hsl_bookings_apply(
    moments TIMESTAMPTZ[], courses INTEGER[], streams TEXT[], statuses INTEGER[], sign INTEGER
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    INSERT INTO analytics_bookings AS a (day, course_id, course_stream, confirmed, n)
    SELECT (moment AT TIME ZONE zone)::date, coalesce(course, 0), coalesce(stream, ''),
           coalesce(status, 0), sign * count(*)
    FROM unnest(moments, courses, streams, statuses) AS c (moment, course, stream, status)
    WHERE moment IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, course_id, course_stream, confirmed) DO UPDATE SET n = a.n + EXCLUDED.n;
    INSERT INTO analytics_booking_statuses AS a (day, confirmed, n)
    SELECT (moment AT TIME ZONE zone)::date, coalesce(status, 0), sign * count(*)
    FROM unnest(moments, statuses) AS c (moment, status)
    WHERE moment IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, confirmed) DO UPDATE SET n = a.n + EXCLUDED.n;
    INSERT INTO analytics_stream_totals AS a (course_id, course_stream, confirmed, n)
    SELECT coalesce(course, 0), coalesce(stream, ''), coalesce(status, 0), sign * count(*)
    FROM unnest(courses, streams, statuses, moments) AS c (course, stream, status, moment)
    WHERE moment IS NOT NULL  -- as analytics_bookings counts them
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (course_id, course_stream, confirmed) DO UPDATE SET n = a.n + EXCLUDED.n;
END $$;

CREATE TABLE analytics_stream_bookers (
    user_id BIGINT NOT NULL,
    course_id INTEGER NOT NULL,
    course_stream TEXT NOT NULL,
    status INTEGER NOT NULL,
    latest_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, course_id, course_stream)
);
CREATE INDEX idx_analytics_stream_bookers_page
    ON analytics_stream_bookers (course_id, course_stream, status DESC, user_id);
CREATE INDEX idx_analytics_stream_bookers_latest
    ON analytics_stream_bookers (course_id, course_stream, latest_at);

CREATE TABLE analytics_viewer_days (
    course_key TEXT NOT NULL,
    day DATE NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (course_key, day)
);

CREATE TABLE analytics_booked_viewer_days (
    course_id INTEGER NOT NULL,
    course_stream TEXT NOT NULL,
    day DATE NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (course_id, course_stream, day)
);

CREATE TABLE analytics_lessons (
    lesson_date DATE NOT NULL,
    lesson_type TEXT NOT NULL,
    registered INTEGER NOT NULL,
    attended INTEGER NOT NULL,
    booked INTEGER NOT NULL,
    PRIMARY KEY (lesson_date, lesson_type)
);

-- The local days on which a user with these step moments reaches each funnel step: the
-- earliest of the latest moments of the steps so far, none while one of them is missing.
CREATE FUNCTION hsl_funnel_levels(
    started TIMESTAMPTZ, viewed TIMESTAMPTZ, booked TIMESTAMPTZ, paid TIMESTAMPTZ,
    confirmed TIMESTAMPTZ, zone TEXT
) RETURNS TABLE (step SMALLINT, day DATE) LANGUAGE sql STABLE AS $$
    SELECT l.step, (l.at AT TIME ZONE zone)::date
    FROM (VALUES
        (1::smallint, started),
        (2::smallint, CASE WHEN viewed IS NOT NULL THEN least(started, viewed) END),
        (3::smallint, CASE WHEN viewed IS NOT NULL AND booked IS NOT NULL
                           THEN least(started, viewed, booked) END),
        (4::smallint, CASE WHEN viewed IS NOT NULL AND booked IS NOT NULL AND paid IS NOT NULL
                           THEN least(started, viewed, booked, paid) END),
        (5::smallint, CASE WHEN viewed IS NOT NULL AND booked IS NOT NULL AND paid IS NOT NULL
                                AND confirmed IS NOT NULL
                           THEN least(started, viewed, booked, paid, confirmed) END)
    ) AS l (step, at)
    WHERE started IS NOT NULL AND l.at IS NOT NULL
$$;

-- A user's per-lesson row as the school's tables have it now (filter by user_id).
CREATE VIEW hsl_lesson_regs_now AS
SELECT r.user_id, coalesce(r.lesson_type, '') AS lesson_type, r.lesson_date,
       count(*)::integer AS registered,
       CASE WHEN EXISTS (
           SELECT 1 FROM events AS e
           WHERE e.user_id = r.user_id AND e.event_type = 'lesson_link_clicked'
             AND e.created_at >= r.lesson_date::timestamp AT TIME ZONE hsl_analytics_tz()
             AND e.created_at < (r.lesson_date + 1)::timestamp AT TIME ZONE hsl_analytics_tz()
       ) THEN count(*)::integer ELSE 0 END AS attended,
       (count(*) FILTER (WHERE (SELECT max(b.created_at) FROM bookings AS b
                                WHERE b.user_id = r.user_id) > r.registered_at))::integer
           AS booked
FROM free_lesson_registrations AS r
WHERE r.lesson_date IS NOT NULL
GROUP BY r.user_id, coalesce(r.lesson_type, ''), r.lesson_date;

-- Each user's latest booking per stream as the bookings have it now (filter by user_id).
CREATE VIEW hsl_stream_bookers_now AS
SELECT DISTINCT ON (user_id, coalesce(course_id, 0), coalesce(course_stream, ''))
       user_id, coalesce(course_id, 0) AS course_id,
       coalesce(course_stream, '')::text AS course_stream,
       coalesce(confirmed, 0) AS status, created_at AS latest_at
FROM bookings
ORDER BY user_id, coalesce(course_id, 0), coalesce(course_stream, ''),
         created_at DESC NULLS LAST, id DESC;

-- Add (sign 1) or take out (-1) these users' contributions to the sums.
CREATE FUNCTION hsl_school_people_count(uids BIGINT[], sign INTEGER)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    INSERT INTO analytics_funnel_days AS f (day, step, n)
    SELECT l.day, l.step, sign * count(*)
    FROM analytics_user_steps AS s,
         LATERAL hsl_funnel_levels(s.started_at, s.viewed_at, s.booked_at, s.paid_at,
                                   s.confirmed_at, zone) AS l
    WHERE s.user_id = ANY (uids)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, step) DO UPDATE SET n = f.n + EXCLUDED.n;
    INSERT INTO analytics_lessons AS l (lesson_date, lesson_type, registered, attended, booked)
    SELECT lesson_date, lesson_type, sign * sum(registered), sign * sum(attended),
           sign * sum(booked)
    FROM analytics_lesson_regs WHERE user_id = ANY (uids)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (lesson_date, lesson_type) DO UPDATE
        SET registered = l.registered + EXCLUDED.registered,
            attended = l.attended + EXCLUDED.attended, booked = l.booked + EXCLUDED.booked;
    INSERT INTO analytics_viewer_days AS d (course_key, day, n)
    SELECT course_key, (last_at AT TIME ZONE zone)::date, sign * count(*)
    FROM analytics_program_viewers
    WHERE user_id = ANY (uids) AND last_at IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (course_key, day) DO UPDATE SET n = d.n + EXCLUDED.n;
    INSERT INTO analytics_booked_viewer_days AS d (course_id, course_stream, day, n)
    SELECT b.course_id, b.course_stream, (v.last_at AT TIME ZONE zone)::date, sign * count(*)
    FROM analytics_stream_bookers AS b
    JOIN analytics_program_viewers AS v
      ON v.user_id = b.user_id AND v.course_key = b.course_id::text
    WHERE b.user_id = ANY (uids) AND v.last_at IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (course_id, course_stream, day) DO UPDATE SET n = d.n + EXCLUDED.n;
END $$;

-- Recompute these users' per-user rows that come from bookings and registrations (and, for
-- attendance, events) from the school's tables. (Their viewer rows come from events alone:
-- the events trigger recomputes those.)
CREATE FUNCTION hsl_school_people_reload(uids BIGINT[]) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    WITH confirmed AS (
        SELECT p.uid,
               (SELECT max(b.created_at) FROM bookings AS b
                WHERE b.user_id = p.uid AND b.confirmed = 2) AS at
        FROM (SELECT DISTINCT uid FROM unnest(uids) AS u (uid)) AS p
    ), updated AS (
        UPDATE analytics_user_steps AS s SET confirmed_at = c.at
        FROM confirmed AS c
        WHERE s.user_id = c.uid AND s.confirmed_at IS DISTINCT FROM c.at
    )
    INSERT INTO analytics_user_steps (user_id, confirmed_at)
    SELECT uid, at FROM confirmed WHERE at IS NOT NULL ORDER BY 1
    ON CONFLICT (user_id) DO NOTHING;
    DELETE FROM analytics_lesson_regs WHERE user_id = ANY (uids);
    INSERT INTO analytics_lesson_regs
        (user_id, lesson_type, lesson_date, registered, attended, booked)
    SELECT user_id, lesson_type, lesson_date, registered, attended, booked
    FROM hsl_lesson_regs_now WHERE user_id = ANY (uids)
    ORDER BY 1, 2, 3;
    DELETE FROM analytics_stream_bookers WHERE user_id = ANY (uids);
    INSERT INTO analytics_stream_bookers (user_id, course_id, course_stream, status, latest_at)
    SELECT user_id, course_id, course_stream, status, latest_at
    FROM hsl_stream_bookers_now WHERE user_id = ANY (uids)
    ORDER BY 1, 2, 3;
END $$;

-- Bookings and registrations: 0010's trigger functions (so whatever switches those triggers
-- off, like the seed's bulk load, switches this off too), then a recount of the users they
-- touched.
CREATE FUNCTION hsl_school_people_recount(uids BIGINT[]) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    IF uids IS NULL THEN
        RETURN;
    END IF;
    PERFORM hsl_school_people_count(uids, -1);
    PERFORM hsl_school_people_reload(uids);
    PERFORM hsl_school_people_count(uids, 1);
END $$;

CREATE OR REPLACE FUNCTION hsl_bookings_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_bookings_apply(array_agg(created_at), array_agg(course_id),
                                   array_agg(course_stream::text), array_agg(confirmed), -1)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_bookings_apply(array_agg(created_at), array_agg(course_id),
                                   array_agg(course_stream::text), array_agg(confirmed), 1)
        FROM new_rows;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM hsl_school_people_recount(array_agg(DISTINCT user_id)) FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM hsl_school_people_recount(array_agg(DISTINCT user_id)) FROM old_rows;
    ELSE
        PERFORM hsl_school_people_recount(array_agg(DISTINCT user_id))
        FROM (SELECT user_id FROM old_rows UNION SELECT user_id FROM new_rows) AS c;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hsl_registrations_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_registrations_apply(array_agg(registered_at), array_agg(lesson_type::text), -1)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_registrations_apply(array_agg(registered_at), array_agg(lesson_type::text), 1)
        FROM new_rows;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM hsl_school_people_recount(array_agg(DISTINCT user_id)) FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM hsl_school_people_recount(array_agg(DISTINCT user_id)) FROM old_rows;
    ELSE
        PERFORM hsl_school_people_recount(array_agg(DISTINCT user_id))
        FROM (SELECT user_id FROM old_rows UNION SELECT user_id FROM new_rows) AS c;
    END IF;
    RETURN NULL;
END $$;

-- 0076's events trigger with the funnel, attendance and viewer parts (see the header). The
-- insert path stays one statement for what every event feeds; it also says which kinds the
-- statement has, and the parts for steps, clicks and viewed courses run only when there are
-- some (an empty data-modifying CTE still costs its executor time on every insert).
CREATE OR REPLACE FUNCTION hsl_events_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    uids BIGINT[];
    has_steps BOOLEAN;
    has_clicks BOOLEAN;
    has_views BOOLEAN;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF TG_OP = 'DELETE' THEN
            SELECT array_agg(DISTINCT user_id) INTO uids FROM old_rows;
        ELSE
            SELECT array_agg(DISTINCT user_id) INTO uids
            FROM (SELECT user_id FROM old_rows UNION SELECT user_id FROM new_rows) AS c;
        END IF;
        PERFORM hsl_school_people_count(uids, -1);
        PERFORM hsl_events_apply(
            array_agg(user_id), array_agg(event_type::text), array_agg(created_at),
            array_agg(details ->> 'course_id'), -1, TRUE)
        FROM old_rows;
        IF TG_OP = 'UPDATE' THEN
            PERFORM hsl_events_apply(
                array_agg(user_id), array_agg(event_type::text), array_agg(created_at),
                array_agg(details ->> 'course_id'), 1, TRUE)
            FROM new_rows;
        END IF;
        PERFORM hsl_school_people_reload(uids);
        PERFORM hsl_school_people_count(uids, 1);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        RETURN NULL;
    END IF;
    -- hsl_events_apply(..., 1, FALSE) of 0010 and 0012: what every event feeds.
    WITH changes AS MATERIALIZED (
        SELECT user_id AS uid, event_type::text AS kind,
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
    ), cohorts AS (
        INSERT INTO analytics_cohorts AS c (cohort, week, users)
        SELECT date_trunc('week',
                          u.first_seen_at AT TIME ZONE (SELECT tz FROM analytics_settings))::date,
               f.week, count(*)
        FROM flips AS f JOIN users AS u ON u.user_id = f.user_id
        WHERE u.first_seen_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (cohort, week) DO UPDATE SET users = c.users + EXCLUDED.users
    )
    SELECT coalesce(bool_or(kind IN ('start_command', 'view_program', 'booking_created',
                                     'payment_proof_uploaded')), FALSE),
           coalesce(bool_or(kind = 'lesson_link_clicked'), FALSE),
           coalesce(bool_or(kind = 'view_program' AND course IS NOT NULL), FALSE)
    INTO has_steps, has_clicks, has_views
    FROM changes;

    IF has_steps THEN
        -- each user's latest step moments; the funnel days move from the old ones to the new
        WITH new_steps AS (
            SELECT user_id AS uid,
                   max(created_at) FILTER (WHERE event_type = 'start_command') AS started_at,
                   max(created_at) FILTER (WHERE event_type = 'view_program') AS viewed_at,
                   max(created_at) FILTER (WHERE event_type = 'booking_created') AS booked_at,
                   max(created_at) FILTER (WHERE event_type = 'payment_proof_uploaded')
                       AS paid_at
            FROM new_rows
            WHERE event_type IN ('start_command', 'view_program', 'booking_created',
                                 'payment_proof_uploaded')
              AND created_at IS NOT NULL
            GROUP BY 1
        ), old_steps AS MATERIALIZED (
            -- the statement's snapshot: the rows as they were before its own upsert
            SELECT s.user_id, s.started_at, s.viewed_at, s.booked_at, s.paid_at, s.confirmed_at
            FROM analytics_user_steps AS s WHERE s.user_id IN (SELECT uid FROM new_steps)
        ), steps AS (
            INSERT INTO analytics_user_steps AS s
                (user_id, started_at, viewed_at, booked_at, paid_at)
            SELECT uid, started_at, viewed_at, booked_at, paid_at FROM new_steps ORDER BY 1
            ON CONFLICT (user_id) DO UPDATE
                SET started_at = greatest(s.started_at, EXCLUDED.started_at),
                    viewed_at = greatest(s.viewed_at, EXCLUDED.viewed_at),
                    booked_at = greatest(s.booked_at, EXCLUDED.booked_at),
                    paid_at = greatest(s.paid_at, EXCLUDED.paid_at)
            RETURNING s.user_id, s.started_at, s.viewed_at, s.booked_at, s.paid_at,
                      s.confirmed_at
        )
        INSERT INTO analytics_funnel_days AS f (day, step, n)
        SELECT l.day, l.step, sum(m.sign)
        FROM (SELECT 1 AS sign, * FROM steps UNION ALL SELECT -1, * FROM old_steps) AS m,
             LATERAL hsl_funnel_levels(m.started_at, m.viewed_at, m.booked_at, m.paid_at,
                                       m.confirmed_at, (SELECT tz FROM analytics_settings))
                 AS l
        GROUP BY 1, 2 HAVING sum(m.sign) <> 0 ORDER BY 1, 2
        ON CONFLICT (day, step) DO UPDATE SET n = f.n + EXCLUDED.n;
    END IF;

    IF has_clicks THEN
        -- a click marks the user's registrations for lessons on its local day attended
        WITH clicked AS (
            UPDATE analytics_lesson_regs AS r SET attended = r.registered
            FROM (
                SELECT DISTINCT user_id,
                       (created_at AT TIME ZONE (SELECT tz FROM analytics_settings))::date AS day
                FROM new_rows
                WHERE event_type = 'lesson_link_clicked' AND created_at IS NOT NULL
            ) AS c
            WHERE r.user_id = c.user_id AND r.lesson_date = c.day AND r.attended = 0
            RETURNING r.lesson_date, r.lesson_type, r.registered
        )
        UPDATE analytics_lessons AS l SET attended = l.attended + a.n
        FROM (SELECT lesson_date, lesson_type, sum(registered) AS n FROM clicked
              GROUP BY 1, 2) AS a
        WHERE l.lesson_date = a.lesson_date AND l.lesson_type = a.lesson_type;
    END IF;

    IF has_views THEN
        -- each viewer's latest view per course; its day moves from the old one to the new
        WITH new_views AS (
            SELECT details ->> 'course_id' AS course, user_id AS uid, max(created_at) AS last_at
            FROM new_rows
            WHERE event_type = 'view_program' AND details ->> 'course_id' IS NOT NULL
              AND created_at IS NOT NULL
            GROUP BY 1, 2
        ), old_views AS MATERIALIZED (
            SELECT v.user_id, v.course_key, v.last_at
            FROM analytics_program_viewers AS v
            WHERE (v.user_id, v.course_key) IN (SELECT uid, course FROM new_views)
        ), viewers AS (
            INSERT INTO analytics_program_viewers AS v (course_key, user_id, last_at)
            SELECT course, uid, last_at FROM new_views ORDER BY 1, 2
            ON CONFLICT (user_id, course_key) DO UPDATE
                SET last_at = greatest(v.last_at, EXCLUDED.last_at)
            RETURNING v.user_id, v.course_key, v.last_at
        ), view_moves AS (
            SELECT m.user_id, m.course_key,
                   (m.last_at AT TIME ZONE (SELECT tz FROM analytics_settings))::date AS day,
                   m.sign
            FROM (SELECT 1 AS sign, * FROM viewers UNION ALL SELECT -1, * FROM old_views) AS m
            WHERE m.last_at IS NOT NULL
        ), viewer_days AS (
            INSERT INTO analytics_viewer_days AS d (course_key, day, n)
            SELECT course_key, day, sum(sign) FROM view_moves
            GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
            ON CONFLICT (course_key, day) DO UPDATE SET n = d.n + EXCLUDED.n
        )
        INSERT INTO analytics_booked_viewer_days AS d (course_id, course_stream, day, n)
        SELECT b.course_id, b.course_stream, m.day, sum(m.sign)
        FROM view_moves AS m
        JOIN analytics_stream_bookers AS b
          ON b.user_id = m.user_id AND b.course_id::text = m.course_key
        GROUP BY 1, 2, 3 HAVING sum(m.sign) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (course_id, course_stream, day) DO UPDATE SET n = d.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

-- 0075's full rebuild, then this migration's tables (confirmed_at after the per-person
-- rebuild refilled analytics_user_steps).
CREATE FUNCTION hsl_rebuild_analytics_school() RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    TRUNCATE analytics_funnel_days, analytics_lesson_regs, analytics_lessons,
             analytics_stream_bookers, analytics_viewer_days, analytics_booked_viewer_days,
             analytics_booking_statuses, analytics_stream_totals;
    INSERT INTO analytics_booking_statuses (day, confirmed, n)
    SELECT (created_at AT TIME ZONE zone)::date, coalesce(confirmed, 0), count(*)
    FROM bookings WHERE created_at IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2;
    INSERT INTO analytics_stream_totals (course_id, course_stream, confirmed, n)
    SELECT coalesce(course_id, 0), coalesce(course_stream, ''), coalesce(confirmed, 0), count(*)
    FROM bookings WHERE created_at IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    WITH confirmed AS (
        SELECT user_id, max(created_at) AS at FROM bookings
        WHERE confirmed = 2 AND created_at IS NOT NULL GROUP BY 1
    ), updated AS (
        UPDATE analytics_user_steps AS s SET confirmed_at = c.at
        FROM confirmed AS c WHERE s.user_id = c.user_id
    )
    INSERT INTO analytics_user_steps (user_id, confirmed_at)
    SELECT user_id, at FROM confirmed ORDER BY 1
    ON CONFLICT (user_id) DO NOTHING;
    -- hsl_lesson_regs_now for everyone, as joins: right after a bulk load (the seed) there are
    -- no statistics yet, and a subquery per registration could scan the events each time
    INSERT INTO analytics_lesson_regs
        (user_id, lesson_type, lesson_date, registered, attended, booked)
    SELECT r.user_id, coalesce(r.lesson_type, ''), r.lesson_date, count(*),
           CASE WHEN bool_or(c.user_id IS NOT NULL) THEN count(*) ELSE 0 END,
           count(*) FILTER (WHERE b.last_at > r.registered_at)
    FROM free_lesson_registrations AS r
    LEFT JOIN (
        SELECT DISTINCT user_id, (created_at AT TIME ZONE zone)::date AS day FROM events
        WHERE event_type = 'lesson_link_clicked'
    ) AS c ON c.user_id = r.user_id AND c.day = r.lesson_date
    LEFT JOIN (
        SELECT user_id, max(created_at) AS last_at FROM bookings GROUP BY 1
    ) AS b ON b.user_id = r.user_id
    WHERE r.lesson_date IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    INSERT INTO analytics_funnel_days (day, step, n)
    SELECT l.day, l.step, count(*)
    FROM analytics_user_steps AS s,
         LATERAL hsl_funnel_levels(s.started_at, s.viewed_at, s.booked_at, s.paid_at,
                                   s.confirmed_at, zone) AS l
    GROUP BY 1, 2 ORDER BY 1, 2;
    INSERT INTO analytics_lessons (lesson_date, lesson_type, registered, attended, booked)
    SELECT lesson_date, lesson_type, sum(registered), sum(attended), sum(booked)
    FROM analytics_lesson_regs GROUP BY 1, 2 ORDER BY 1, 2;
    INSERT INTO analytics_stream_bookers (user_id, course_id, course_stream, status, latest_at)
    SELECT user_id, course_id, course_stream, status, latest_at
    FROM hsl_stream_bookers_now ORDER BY 1, 2, 3;
    INSERT INTO analytics_viewer_days (course_key, day, n)
    SELECT course_key, (last_at AT TIME ZONE zone)::date, count(*)
    FROM analytics_program_viewers WHERE last_at IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2;
    INSERT INTO analytics_booked_viewer_days (course_id, course_stream, day, n)
    SELECT b.course_id, b.course_stream, (v.last_at AT TIME ZONE zone)::date, count(*)
    FROM analytics_stream_bookers AS b
    JOIN analytics_program_viewers AS v
      ON v.user_id = b.user_id AND v.course_key = b.course_id::text
    WHERE v.last_at IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
END $$;

CREATE OR REPLACE FUNCTION hsl_rebuild_analytics() RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hsl_rebuild_analytics_counts();
    PERFORM hsl_rebuild_analytics_people();
    PERFORM hsl_rebuild_analytics_school();
    -- the snapshot's own window (none yet: nothing to recompute)
    PERFORM hsl_refresh_leads(first_day) FROM analytics_leads_state;
END $$;

SELECT hsl_rebuild_analytics_school();

-- 0055's day bounds, plus this migration's sums.
CREATE OR REPLACE FUNCTION hsl_rollup_day_bounds(
    target TEXT, OUT first_day DATE, OUT last_day DATE
)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    source_first TIMESTAMPTZ;
    source_last TIMESTAMPTZ;
    rollup_first DATE;
    rollup_last DATE;
BEGIN
    CASE target
    WHEN 'analytics_new_users' THEN
        SELECT min(first_seen_at), max(first_seen_at) INTO source_first, source_last FROM users;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_new_users;
    WHEN 'analytics_events' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM events;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_events;
    WHEN 'analytics_user_days' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM events;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_user_days;
    WHEN 'analytics_bookings' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM bookings;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_bookings;
    WHEN 'analytics_stream_totals' THEN
        -- not keyed by day: the rebuild covers all of analytics_bookings' days in one slice
        SELECT min(day)::timestamp AT TIME ZONE zone, max(day)::timestamp AT TIME ZONE zone
        INTO source_first, source_last FROM analytics_bookings;
    WHEN 'analytics_booking_statuses' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM bookings;
        SELECT min(day), max(day) INTO rollup_first, rollup_last
        FROM analytics_booking_statuses;
    WHEN 'analytics_registrations' THEN
        SELECT min(registered_at), max(registered_at) INTO source_first, source_last
        FROM free_lesson_registrations;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_registrations;
    WHEN 'analytics_cohorts' THEN
        SELECT min(first_seen_at), max(first_seen_at) INTO source_first, source_last FROM users;
        SELECT min(cohort), max(cohort) INTO rollup_first, rollup_last FROM analytics_cohorts;
        source_first := date_trunc('week', source_first AT TIME ZONE zone) AT TIME ZONE zone;
    WHEN 'analytics_funnel_days' THEN
        SELECT min(least(started_at, viewed_at, booked_at, paid_at, confirmed_at)),
               max(greatest(started_at, viewed_at, booked_at, paid_at, confirmed_at))
        INTO source_first, source_last FROM analytics_user_steps;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_funnel_days;
    WHEN 'analytics_lessons' THEN
        -- lesson dates are days already: bounds as midnights, so the conversion keeps them
        SELECT min(lesson_date)::timestamp AT TIME ZONE zone,
               max(lesson_date)::timestamp AT TIME ZONE zone
        INTO source_first, source_last FROM analytics_lesson_regs;
        SELECT min(lesson_date), max(lesson_date) INTO rollup_first, rollup_last
        FROM analytics_lessons;
    WHEN 'analytics_viewer_days' THEN
        SELECT min(last_at), max(last_at) INTO source_first, source_last
        FROM analytics_program_viewers;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_viewer_days;
    WHEN 'analytics_booked_viewer_days' THEN
        SELECT min(last_at), max(last_at) INTO source_first, source_last
        FROM analytics_program_viewers;
        SELECT min(day), max(day) INTO rollup_first, rollup_last
        FROM analytics_booked_viewer_days;
    ELSE
        RAISE EXCEPTION 'no day-keyed rollup named %', target;
    END CASE;
    first_day := least((source_first AT TIME ZONE zone)::date, rollup_first);
    last_day := greatest((source_last AT TIME ZONE zone)::date, rollup_last);
END $$;

-- 0055's day slices, plus this migration's sums.
CREATE OR REPLACE FUNCTION hsl_rebuild_days(target TEXT, first_day DATE, last_day DATE)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    since TIMESTAMPTZ := first_day::timestamp AT TIME ZONE zone;
    until TIMESTAMPTZ := (last_day + 1)::timestamp AT TIME ZONE zone;
BEGIN
    CASE target
    WHEN 'analytics_new_users' THEN
        LOCK TABLE analytics_new_users IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_new_users WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_new_users (day, n)
        SELECT (first_seen_at AT TIME ZONE zone)::date, count(*) FROM users
        WHERE first_seen_at >= since AND first_seen_at < until GROUP BY 1;
    WHEN 'analytics_events' THEN
        LOCK TABLE analytics_events IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_events WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_events (event_type, day, n)
        SELECT event_type, (created_at AT TIME ZONE zone)::date, count(*) FROM events
        WHERE created_at >= since AND created_at < until GROUP BY 1, 2;
    WHEN 'analytics_user_days' THEN
        LOCK TABLE analytics_user_days IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_days WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_user_days (day, user_id, n)
        SELECT (created_at AT TIME ZONE zone)::date, user_id, count(*) FROM events
        WHERE created_at >= since AND created_at < until
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_bookings' THEN
        LOCK TABLE analytics_bookings IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_bookings WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_bookings (day, course_id, course_stream, confirmed, n)
        SELECT (created_at AT TIME ZONE zone)::date, coalesce(course_id, 0),
               coalesce(course_stream, ''), coalesce(confirmed, 0), count(*)
        FROM bookings WHERE created_at >= since AND created_at < until GROUP BY 1, 2, 3, 4;
    WHEN 'analytics_stream_totals' THEN
        -- sums of analytics_bookings over all days (first_day..last_day covers them all), so
        -- it runs after that table's slices
        LOCK TABLE analytics_stream_totals IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_stream_totals;
        INSERT INTO analytics_stream_totals (course_id, course_stream, confirmed, n)
        SELECT course_id, course_stream, confirmed, sum(n) FROM analytics_bookings
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    WHEN 'analytics_booking_statuses' THEN
        LOCK TABLE analytics_booking_statuses IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_booking_statuses WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_booking_statuses (day, confirmed, n)
        SELECT (created_at AT TIME ZONE zone)::date, coalesce(confirmed, 0), count(*)
        FROM bookings WHERE created_at >= since AND created_at < until GROUP BY 1, 2;
    WHEN 'analytics_registrations' THEN
        LOCK TABLE analytics_registrations IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_registrations WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_registrations (day, lesson_type, n)
        SELECT (registered_at AT TIME ZONE zone)::date, coalesce(lesson_type, ''), count(*)
        FROM free_lesson_registrations
        WHERE registered_at >= since AND registered_at < until GROUP BY 1, 2;
    WHEN 'analytics_cohorts' THEN
        -- reads analytics_user_weeks, so it runs after that table's slices
        LOCK TABLE analytics_cohorts IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_cohorts WHERE cohort BETWEEN first_day AND last_day;
        INSERT INTO analytics_cohorts (cohort, week, users)
        SELECT date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date, w.week, count(*)
        FROM users AS u JOIN analytics_user_weeks AS w ON w.user_id = u.user_id
        WHERE u.first_seen_at >= date_trunc('week', first_day::timestamp) AT TIME ZONE zone
          AND u.first_seen_at < (last_day + 7)::timestamp AT TIME ZONE zone
          AND date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date
              BETWEEN first_day AND last_day
          AND w.n > 0
        GROUP BY 1, 2;
    WHEN 'analytics_funnel_days' THEN
        -- sums of analytics_user_steps, so it runs after that table's slices
        LOCK TABLE analytics_funnel_days IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_funnel_days WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_funnel_days (day, step, n)
        SELECT l.day, l.step, count(*)
        FROM analytics_user_steps AS s,
             LATERAL hsl_funnel_levels(s.started_at, s.viewed_at, s.booked_at, s.paid_at,
                                       s.confirmed_at, zone) AS l
        WHERE s.started_at >= since AND l.day BETWEEN first_day AND last_day
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_lessons' THEN
        -- sums of analytics_lesson_regs, so it runs after that table's slices
        LOCK TABLE analytics_lessons IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_lessons WHERE lesson_date BETWEEN first_day AND last_day;
        INSERT INTO analytics_lessons (lesson_date, lesson_type, registered, attended, booked)
        SELECT lesson_date, lesson_type, sum(registered), sum(attended), sum(booked)
        FROM analytics_lesson_regs WHERE lesson_date BETWEEN first_day AND last_day
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_viewer_days' THEN
        -- sums of analytics_program_viewers, so it runs after that table's slices
        LOCK TABLE analytics_viewer_days IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_viewer_days WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_viewer_days (course_key, day, n)
        SELECT course_key, (last_at AT TIME ZONE zone)::date, count(*)
        FROM analytics_program_viewers WHERE last_at >= since AND last_at < until
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_booked_viewer_days' THEN
        -- and of analytics_stream_bookers
        LOCK TABLE analytics_booked_viewer_days IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_booked_viewer_days WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_booked_viewer_days (course_id, course_stream, day, n)
        SELECT b.course_id, b.course_stream, (v.last_at AT TIME ZONE zone)::date, count(*)
        FROM analytics_stream_bookers AS b
        JOIN analytics_program_viewers AS v
          ON v.user_id = b.user_id AND v.course_key = b.course_id::text
        WHERE v.last_at >= since AND v.last_at < until
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    ELSE
        RAISE EXCEPTION 'no day-keyed rollup named %', target;
    END CASE;
END $$;

-- 0075's per-person slices, plus analytics_lesson_regs and analytics_stream_bookers, and
-- confirmed_at with analytics_user_steps.
CREATE OR REPLACE FUNCTION hsl_rebuild_people(target TEXT, first_user BIGINT, last_user BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    since DATE;
BEGIN
    CASE target
    WHEN 'analytics_user_weeks' THEN
        LOCK TABLE analytics_user_weeks IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_weeks WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_user_weeks (user_id, week, n)
        SELECT user_id, date_trunc('week', created_at AT TIME ZONE zone)::date, count(*)
        FROM events
        WHERE user_id BETWEEN first_user AND last_user AND created_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_user_steps' THEN
        LOCK TABLE analytics_user_steps IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_steps WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_user_steps (user_id, started_at, viewed_at, booked_at, paid_at,
                                          confirmed_at)
        SELECT user_id, max(at) FILTER (WHERE kind = 'start_command'),
               max(at) FILTER (WHERE kind = 'view_program'),
               max(at) FILTER (WHERE kind = 'booking_created'),
               max(at) FILTER (WHERE kind = 'payment_proof_uploaded'),
               max(at) FILTER (WHERE kind IS NULL)
        FROM (
            SELECT user_id, event_type::text AS kind, created_at AS at FROM events
            WHERE user_id BETWEEN first_user AND last_user
              AND event_type IN ('start_command', 'view_program', 'booking_created',
                                 'payment_proof_uploaded')
              AND created_at IS NOT NULL
            UNION ALL
            -- confirmed bookings (kind NULL: no event type)
            SELECT user_id, NULL, created_at FROM bookings
            WHERE user_id BETWEEN first_user AND last_user AND confirmed = 2
              AND created_at IS NOT NULL
        ) AS moments
        GROUP BY 1 ORDER BY 1;
    WHEN 'analytics_program_viewers' THEN
        LOCK TABLE analytics_program_viewers IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_program_viewers WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_program_viewers (course_key, user_id, last_at)
        SELECT details ->> 'course_id', user_id, max(created_at)
        FROM events
        WHERE user_id BETWEEN first_user AND last_user
          AND event_type = 'view_program' AND details ->> 'course_id' IS NOT NULL
          AND created_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_leads' THEN
        LOCK TABLE analytics_leads IN SHARE ROW EXCLUSIVE MODE;
        SELECT first_day INTO since FROM analytics_leads_state;
        IF NOT FOUND THEN
            RETURN;  -- no snapshot yet: the first /leads computes one
        END IF;
        DELETE FROM analytics_leads WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_leads (user_id, tier, events, days)
        SELECT * FROM hsl_score_leads(since, first_user, last_user) ORDER BY 1;
        PERFORM hsl_count_leads(since);
    WHEN 'analytics_lesson_regs' THEN
        LOCK TABLE analytics_lesson_regs IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_lesson_regs WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_lesson_regs
            (user_id, lesson_type, lesson_date, registered, attended, booked)
        SELECT user_id, lesson_type, lesson_date, registered, attended, booked
        FROM hsl_lesson_regs_now WHERE user_id BETWEEN first_user AND last_user
        ORDER BY 1, 2, 3;
    WHEN 'analytics_stream_bookers' THEN
        LOCK TABLE analytics_stream_bookers IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_stream_bookers WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_stream_bookers
            (user_id, course_id, course_stream, status, latest_at)
        SELECT user_id, course_id, course_stream, status, latest_at
        FROM hsl_stream_bookers_now WHERE user_id BETWEEN first_user AND last_user
        ORDER BY 1, 2, 3;
    ELSE
        RAISE EXCEPTION 'no per-person rollup named %', target;
    END CASE;
END $$;

-- migrate:down
CREATE OR REPLACE FUNCTION hsl_bookings_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_bookings_apply(array_agg(created_at), array_agg(course_id),
                                   array_agg(course_stream::text), array_agg(confirmed), -1)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_bookings_apply(array_agg(created_at), array_agg(course_id),
                                   array_agg(course_stream::text), array_agg(confirmed), 1)
        FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hsl_registrations_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM hsl_registrations_apply(array_agg(registered_at), array_agg(lesson_type::text), -1)
        FROM old_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM hsl_registrations_apply(array_agg(registered_at), array_agg(lesson_type::text), 1)
        FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hsl_bookings_apply(
    moments TIMESTAMPTZ[], courses INTEGER[], streams TEXT[], statuses INTEGER[], sign INTEGER
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    INSERT INTO analytics_bookings AS a (day, course_id, course_stream, confirmed, n)
    SELECT (moment AT TIME ZONE zone)::date, coalesce(course, 0), coalesce(stream, ''),
           coalesce(status, 0), sign * count(*)
    FROM unnest(moments, courses, streams, statuses) AS c (moment, course, stream, status)
    WHERE moment IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, course_id, course_stream, confirmed) DO UPDATE SET n = a.n + EXCLUDED.n;
END $$;

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

CREATE OR REPLACE FUNCTION hsl_rebuild_analytics() RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hsl_rebuild_analytics_counts();
    PERFORM hsl_rebuild_analytics_people();
    -- the snapshot's own window (none yet: nothing to recompute)
    PERFORM hsl_refresh_leads(first_day) FROM analytics_leads_state;
END $$;

CREATE OR REPLACE FUNCTION hsl_rollup_day_bounds(
    target TEXT, OUT first_day DATE, OUT last_day DATE
)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    source_first TIMESTAMPTZ;
    source_last TIMESTAMPTZ;
    rollup_first DATE;
    rollup_last DATE;
BEGIN
    CASE target
    WHEN 'analytics_new_users' THEN
        SELECT min(first_seen_at), max(first_seen_at) INTO source_first, source_last FROM users;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_new_users;
    WHEN 'analytics_events' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM events;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_events;
    WHEN 'analytics_user_days' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM events;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_user_days;
    WHEN 'analytics_bookings' THEN
        SELECT min(created_at), max(created_at) INTO source_first, source_last FROM bookings;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_bookings;
    WHEN 'analytics_registrations' THEN
        SELECT min(registered_at), max(registered_at) INTO source_first, source_last
        FROM free_lesson_registrations;
        SELECT min(day), max(day) INTO rollup_first, rollup_last FROM analytics_registrations;
    WHEN 'analytics_cohorts' THEN
        SELECT min(first_seen_at), max(first_seen_at) INTO source_first, source_last FROM users;
        SELECT min(cohort), max(cohort) INTO rollup_first, rollup_last FROM analytics_cohorts;
        source_first := date_trunc('week', source_first AT TIME ZONE zone) AT TIME ZONE zone;
    ELSE
        RAISE EXCEPTION 'no day-keyed rollup named %', target;
    END CASE;
    first_day := least((source_first AT TIME ZONE zone)::date, rollup_first);
    last_day := greatest((source_last AT TIME ZONE zone)::date, rollup_last);
END $$;

CREATE OR REPLACE FUNCTION hsl_rebuild_days(target TEXT, first_day DATE, last_day DATE)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    since TIMESTAMPTZ := first_day::timestamp AT TIME ZONE zone;
    until TIMESTAMPTZ := (last_day + 1)::timestamp AT TIME ZONE zone;
BEGIN
    CASE target
    WHEN 'analytics_new_users' THEN
        LOCK TABLE analytics_new_users IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_new_users WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_new_users (day, n)
        SELECT (first_seen_at AT TIME ZONE zone)::date, count(*) FROM users
        WHERE first_seen_at >= since AND first_seen_at < until GROUP BY 1;
    WHEN 'analytics_events' THEN
        LOCK TABLE analytics_events IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_events WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_events (event_type, day, n)
        SELECT event_type, (created_at AT TIME ZONE zone)::date, count(*) FROM events
        WHERE created_at >= since AND created_at < until GROUP BY 1, 2;
    WHEN 'analytics_user_days' THEN
        LOCK TABLE analytics_user_days IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_days WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_user_days (day, user_id, n)
        SELECT (created_at AT TIME ZONE zone)::date, user_id, count(*) FROM events
        WHERE created_at >= since AND created_at < until
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_bookings' THEN
        LOCK TABLE analytics_bookings IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_bookings WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_bookings (day, course_id, course_stream, confirmed, n)
        SELECT (created_at AT TIME ZONE zone)::date, coalesce(course_id, 0),
               coalesce(course_stream, ''), coalesce(confirmed, 0), count(*)
        FROM bookings WHERE created_at >= since AND created_at < until GROUP BY 1, 2, 3, 4;
    WHEN 'analytics_registrations' THEN
        LOCK TABLE analytics_registrations IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_registrations WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_registrations (day, lesson_type, n)
        SELECT (registered_at AT TIME ZONE zone)::date, coalesce(lesson_type, ''), count(*)
        FROM free_lesson_registrations
        WHERE registered_at >= since AND registered_at < until GROUP BY 1, 2;
    WHEN 'analytics_cohorts' THEN
        -- reads analytics_user_weeks, so it runs after that table's slices
        LOCK TABLE analytics_cohorts IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_cohorts WHERE cohort BETWEEN first_day AND last_day;
        INSERT INTO analytics_cohorts (cohort, week, users)
        SELECT date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date, w.week, count(*)
        FROM users AS u JOIN analytics_user_weeks AS w ON w.user_id = u.user_id
        WHERE u.first_seen_at >= date_trunc('week', first_day::timestamp) AT TIME ZONE zone
          AND u.first_seen_at < (last_day + 7)::timestamp AT TIME ZONE zone
          AND date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date
              BETWEEN first_day AND last_day
          AND w.n > 0
        GROUP BY 1, 2;
    ELSE
        RAISE EXCEPTION 'no day-keyed rollup named %', target;
    END CASE;
END $$;

-- 0075's functions, as they were.
CREATE OR REPLACE FUNCTION hsl_rebuild_people(target TEXT, first_user BIGINT, last_user BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    since DATE;
BEGIN
    CASE target
    WHEN 'analytics_user_weeks' THEN
        LOCK TABLE analytics_user_weeks IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_weeks WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_user_weeks (user_id, week, n)
        SELECT user_id, date_trunc('week', created_at AT TIME ZONE zone)::date, count(*)
        FROM events
        WHERE user_id BETWEEN first_user AND last_user AND created_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_user_steps' THEN
        LOCK TABLE analytics_user_steps IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_steps WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_user_steps (user_id, started_at, viewed_at, booked_at, paid_at)
        SELECT user_id, max(created_at) FILTER (WHERE event_type = 'start_command'),
               max(created_at) FILTER (WHERE event_type = 'view_program'),
               max(created_at) FILTER (WHERE event_type = 'booking_created'),
               max(created_at) FILTER (WHERE event_type = 'payment_proof_uploaded')
        FROM events
        WHERE user_id BETWEEN first_user AND last_user
          AND event_type IN ('start_command', 'view_program', 'booking_created',
                             'payment_proof_uploaded')
          AND created_at IS NOT NULL
        GROUP BY 1 ORDER BY 1;
    WHEN 'analytics_program_viewers' THEN
        LOCK TABLE analytics_program_viewers IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_program_viewers WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_program_viewers (course_key, user_id, last_at)
        SELECT details ->> 'course_id', user_id, max(created_at)
        FROM events
        WHERE user_id BETWEEN first_user AND last_user
          AND event_type = 'view_program' AND details ->> 'course_id' IS NOT NULL
          AND created_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
    WHEN 'analytics_leads' THEN
        LOCK TABLE analytics_leads IN SHARE ROW EXCLUSIVE MODE;
        SELECT first_day INTO since FROM analytics_leads_state;
        IF NOT FOUND THEN
            RETURN;  -- no snapshot yet: the first /leads computes one
        END IF;
        DELETE FROM analytics_leads WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_leads (user_id, tier, events, days)
        SELECT * FROM hsl_score_leads(since, first_user, last_user) ORDER BY 1;
        PERFORM hsl_count_leads(since);
    ELSE
        RAISE EXCEPTION 'no per-person rollup named %', target;
    END CASE;
END $$;

DROP FUNCTION IF EXISTS hsl_rebuild_analytics_school();
DROP FUNCTION IF EXISTS hsl_school_people_recount(BIGINT[]);
DROP FUNCTION IF EXISTS hsl_school_people_reload(BIGINT[]);
DROP FUNCTION IF EXISTS hsl_school_people_count(BIGINT[], INTEGER);
DROP VIEW IF EXISTS hsl_lesson_regs_now;
DROP FUNCTION IF EXISTS hsl_funnel_levels(TIMESTAMPTZ, TIMESTAMPTZ, TIMESTAMPTZ, TIMESTAMPTZ,
                                          TIMESTAMPTZ, TEXT);
DROP VIEW IF EXISTS hsl_stream_bookers_now;
DROP TABLE IF EXISTS analytics_booked_viewer_days;
DROP TABLE IF EXISTS analytics_viewer_days;
DROP TABLE IF EXISTS analytics_stream_bookers;
DROP TABLE IF EXISTS analytics_lessons;
DROP TABLE IF EXISTS analytics_booking_statuses;
DROP TABLE IF EXISTS analytics_stream_totals;
DROP INDEX IF EXISTS idx_analytics_bookings_stream_day;
DROP TABLE IF EXISTS analytics_lesson_regs;
DROP TABLE IF EXISTS analytics_funnel_days;
ALTER TABLE analytics_user_steps DROP COLUMN IF EXISTS confirmed_at;
