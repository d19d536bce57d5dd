-- The course bot's inserts only note what changed; hsl-bot moves it into the rollups later, in
-- batches (#15: an insert with all our triggers within 1.3x of a bare one).
--
-- Before, every INSERT INTO events ran the statement of migrations 0076/0080 that keeps a dozen
-- rollups exact (130-300 us in the server, against ~10 us for the bare insert). Now the
-- triggers on the school's tables append one row per changed row to analytics_queue, and
-- hsl_apply_analytics_queue() applies what is queued:
--
--   - before every answer that reads the rollups (bot/analytics: SchoolAnalytics, and
--     hsl_refresh_leads here), so every answer is as exact as before;
--   - every second in the leader (bot/analytics/queue.py), so the queue stays short.
--
-- analytics_queue is a plain logged table, so a crash keeps the queue and the rollups in one
-- consistent state. A row is what the rollups need of one row version: +1 for a row that came
-- (or the new version of an updated one), -1 for one that went (or the old version). Updates
-- that change nothing the rollups read (the /forget of names and personal details) queue
-- nothing. There is no key and no index: an applier takes the whole queue at once.
--
-- Applying (one applier at a time: a transaction-level advisory lock): the queue is deleted
-- and returned in one statement, in the transaction that updates the rollups, so a row is
-- applied exactly once or, if the transaction fails, stays queued. Counts (per day, type,
-- stream, status, user and day, user and week with the cohorts) add the signed rows. Per-person
-- rows (funnel steps, programme viewers, lessons, streams) follow 0080's two ways: users with
-- only new events go the insert way (latest moments widen; funnel, viewer and lesson sums move
-- by the difference); users with an old row version or a booking or registration are
-- recounted from the school's tables. Taking the whole queue keeps a row's +1 and its later -1
-- in order: the -1 can only be queued once the +1 is committed, so it is never applied first.
--
-- The users table stays exact at once, in the insert's transaction: audiences, /forget, the
-- reachability rule (users.last_seen_at) and the tests read it directly. For events it is now a
-- row trigger whose common case is one UPDATE of last_seen_at (0076's upsert also locked the
-- row and ran as a statement trigger with a transition table). Its trigger on users keeps
-- analytics_new_users there too, but no longer the cohorts: a first appearance moves in the
-- course bot's transaction while a week turns active in the applier's, and two transactions
-- that each read what the other writes miss each other. The applier alone keeps the cohorts,
-- with each user's cohort in analytics_user_cohorts: every move of a first appearance queues a
-- row for that user, and the applier compares their cohort with the users table.
--
-- Rebuilds (migration 0055's slices): a slice locks its rollup and recomputes it from the
-- school's rows, which include rows whose queue entries are not applied yet. For the counts a
-- slice therefore subtracts what is queued, in the same statement (one snapshot): the rollup
-- ends as "applied so far", and the applier adds the queued rows once, whether it took them
-- before or after the slice's snapshot (an applier that already wrote the table holds it, so
-- the slice waits for its commit; one that has not is made to wait by the slice's lock). The
-- per-person rollups are recomputed as they were: applying a queued row to them again changes
-- nothing (latest moments, recounts from the school's tables). The full rebuild,
-- hsl_rebuild_analytics(), locks the queue against new rows and drops the queued ones: it
-- recomputes everything they would have changed.
--
-- The applier also copies each booker's latest appearance next to their stream
-- (analytics_stream_bookers.last_seen_at), so a stream's page, most recently active first, is
-- read in order from an index rather than sorted from the users table (~20 ms at 1M events).
--
-- Two indexes leave the insert path: hsl_events_type_created_at repeats the key of
-- idx_events_type_created_user, and idx_events_program_views (migration 0011) served the
-- /courses student list before the viewers had a rollup (0012/0080); no query reads it now.
-- migrate:up
CREATE TABLE analytics_queue (
    source "char" NOT NULL,  -- 'e' events, 'b' bookings, 'r' free_lesson_registrations
    sign SMALLINT NOT NULL,  -- 1: this row version came; -1: it went
    user_id BIGINT,
    at TIMESTAMPTZ,  -- created_at, or registered_at
    kind TEXT,  -- event_type, or lesson_type
    course_key TEXT,  -- events: details ->> 'course_id'
    course_id INTEGER,  -- bookings
    stream TEXT,  -- bookings.course_stream
    status INTEGER  -- bookings.confirmed
) WITH (
    -- emptied every second: vacuumed often, so a look at an empty queue reads a page or two
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000
);

-- The cohort (Monday of the first appearance's local week) each user's active weeks are
-- counted in: kept by the applier alone, so the course bot's transactions, which move first
-- appearances, and the applier's, which turn weeks active, never write the same rows.
CREATE TABLE analytics_user_cohorts (
    user_id BIGINT PRIMARY KEY,
    cohort DATE NOT NULL
);
CREATE INDEX idx_analytics_user_cohorts_cohort
    ON analytics_user_cohorts (cohort) INCLUDE (user_id);
INSERT INTO analytics_user_cohorts (user_id, cohort)
SELECT user_id, date_trunc('week', first_seen_at AT TIME ZONE hsl_analytics_tz())::date
FROM users WHERE first_seen_at IS NOT NULL
ORDER BY 1;

-- A stream's page lists its bookers most recently active first: their latest appearance is
-- copied next to them (by the applier, for the users it touched), so a page is read in order
-- from an index instead of sorting every booker of the stream by the users table.
ALTER TABLE analytics_stream_bookers ADD COLUMN last_seen_at TIMESTAMPTZ;
UPDATE analytics_stream_bookers AS b SET last_seen_at = u.last_seen_at
FROM users AS u WHERE u.user_id = b.user_id;
CREATE INDEX idx_analytics_stream_bookers_seen
    ON analytics_stream_bookers (course_id, course_stream, last_seen_at DESC NULLS LAST, user_id)
    INCLUDE (status);

-- 0010's users trigger keeps the new users per day only; the cohorts follow in the applier.
CREATE OR REPLACE FUNCTION hsl_users_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.first_seen_at IS NOT NULL THEN
        INSERT INTO analytics_new_users AS a (day, n)
        VALUES ((OLD.first_seen_at AT TIME ZONE zone)::date, -1)
        ON CONFLICT (day) DO UPDATE SET n = a.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.first_seen_at IS NOT NULL THEN
        INSERT INTO analytics_new_users AS a (day, n)
        VALUES ((NEW.first_seen_at AT TIME ZONE zone)::date, 1)
        ON CONFLICT (day) DO UPDATE SET n = a.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hsl_queue_event() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_queue (source, sign, user_id, at, kind, course_key)
        VALUES ('e', 1, NEW.user_id, NEW.created_at, NEW.event_type, NEW.details ->> 'course_id');
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO analytics_queue (source, sign, user_id, at, kind, course_key)
        VALUES ('e', -1, OLD.user_id, OLD.created_at, OLD.event_type, OLD.details ->> 'course_id');
    ELSE
        INSERT INTO analytics_queue (source, sign, user_id, at, kind, course_key)
        VALUES ('e', -1, OLD.user_id, OLD.created_at, OLD.event_type, OLD.details ->> 'course_id'),
               ('e', 1, NEW.user_id, NEW.created_at, NEW.event_type, NEW.details ->> 'course_id');
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hsl_queue_booking() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_queue (source, sign, user_id, at, course_id, stream, status)
        VALUES ('b', 1, NEW.user_id, NEW.created_at, NEW.course_id, NEW.course_stream,
                NEW.confirmed);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO analytics_queue (source, sign, user_id, at, course_id, stream, status)
        VALUES ('b', -1, OLD.user_id, OLD.created_at, OLD.course_id, OLD.course_stream,
                OLD.confirmed);
    ELSE
        INSERT INTO analytics_queue (source, sign, user_id, at, course_id, stream, status)
        VALUES ('b', -1, OLD.user_id, OLD.created_at, OLD.course_id, OLD.course_stream,
                OLD.confirmed),
               ('b', 1, NEW.user_id, NEW.created_at, NEW.course_id, NEW.course_stream,
                NEW.confirmed);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION hsl_queue_registration() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_queue (source, sign, user_id, at, kind)
        VALUES ('r', 1, NEW.user_id, NEW.registered_at, NEW.lesson_type);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO analytics_queue (source, sign, user_id, at, kind)
        VALUES ('r', -1, OLD.user_id, OLD.registered_at, OLD.lesson_type);
    ELSE
        INSERT INTO analytics_queue (source, sign, user_id, at, kind)
        VALUES ('r', -1, OLD.user_id, OLD.registered_at, OLD.lesson_type),
               ('r', 1, NEW.user_id, NEW.registered_at, NEW.lesson_type);
    END IF;
    RETURN NULL;
END $$;

-- 0076's users upsert for one event: the common case (a known user's newest event) is one
-- UPDATE; a new user, an earlier first appearance or an event inside the window go the way
-- they went. That UPDATE changes no indexed column, so it can stay on the row's page (a
-- heap-only update, no entry in the five indexes of users, two of them trigram GIN) while the
-- page has room; room freed by older versions comes back only once no snapshot can see them
-- (any long transaction on the server holds it), so pages written from now on keep a fifth
-- free for it.
ALTER TABLE users SET (fillfactor = 80);
CREATE FUNCTION hsl_users_note_event() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET last_seen_at = NEW.created_at
    WHERE user_id = NEW.user_id AND first_seen_at <= NEW.created_at
      AND last_seen_at < NEW.created_at;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM users
    WHERE user_id = NEW.user_id AND first_seen_at <= NEW.created_at
      AND last_seen_at >= NEW.created_at;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO users AS u (user_id, first_seen_at, last_seen_at)
    VALUES (NEW.user_id, NEW.created_at, NEW.created_at)
    ON CONFLICT (user_id) DO UPDATE SET
        first_seen_at = least(u.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = greatest(u.last_seen_at, EXCLUDED.last_seen_at);
    RETURN NULL;
END $$;

-- Same names as the triggers they replace (the seed switches them off by name for its load).
DROP TRIGGER hsl_analytics_insert ON events;
DROP TRIGGER hsl_analytics_update ON events;
DROP TRIGGER hsl_analytics_delete ON events;
DROP TRIGGER hsl_analytics_insert ON bookings;
DROP TRIGGER hsl_analytics_update ON bookings;
DROP TRIGGER hsl_analytics_delete ON bookings;
DROP TRIGGER hsl_analytics_insert ON free_lesson_registrations;
DROP TRIGGER hsl_analytics_update ON free_lesson_registrations;
DROP TRIGGER hsl_analytics_delete ON free_lesson_registrations;
DROP TRIGGER hsl_users_insert ON events;

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION hsl_queue_event();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON events
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id
                       OR OLD.event_type IS DISTINCT FROM NEW.event_type
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at
                       OR (OLD.details ->> 'course_id') IS DISTINCT FROM
                          (NEW.details ->> 'course_id'))
    EXECUTE FUNCTION hsl_queue_event();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION hsl_queue_event();
CREATE TRIGGER hsl_users_insert AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.created_at IS NOT NULL)
    EXECUTE FUNCTION hsl_users_note_event();

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION hsl_queue_booking();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON bookings
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id
                       OR OLD.created_at IS DISTINCT FROM NEW.created_at
                       OR OLD.course_id IS DISTINCT FROM NEW.course_id
                       OR OLD.course_stream IS DISTINCT FROM NEW.course_stream
                       OR OLD.confirmed IS DISTINCT FROM NEW.confirmed)
    EXECUTE FUNCTION hsl_queue_booking();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON bookings
    FOR EACH ROW EXECUTE FUNCTION hsl_queue_booking();

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON free_lesson_registrations
    FOR EACH ROW EXECUTE FUNCTION hsl_queue_registration();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON free_lesson_registrations
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id
                       OR OLD.registered_at IS DISTINCT FROM NEW.registered_at
                       OR OLD.lesson_type IS DISTINCT FROM NEW.lesson_type
                       OR OLD.lesson_date IS DISTINCT FROM NEW.lesson_date)
    EXECUTE FUNCTION hsl_queue_registration();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON free_lesson_registrations
    FOR EACH ROW EXECUTE FUNCTION hsl_queue_registration();

-- Move everything queued into the rollups; returns how many queue rows it applied. ``wait``:
-- wait for an applier at work (an answer must see its rows) rather than leave it the queue.
CREATE FUNCTION hsl_apply_analytics_queue(wait BOOLEAN DEFAULT TRUE)
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT;
    claimed analytics_queue[];
    simple analytics_queue[];  -- new events of users with nothing else queued
    recount BIGINT[];  -- users to recount from the school's tables
    has_events BOOLEAN;
    has_bookings BOOLEAN;
    has_registrations BOOLEAN;
    has_steps BOOLEAN;
    has_clicks BOOLEAN;
    has_views BOOLEAN;
    touched BIGINT[];  -- every user with a queued row
    flip_users BIGINT[];  -- weeks that turned active (1) or inactive (-1) for their user
    flip_weeks DATE[];
    flip_signs INTEGER[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM analytics_queue) THEN
        RETURN 0;
    END IF;
    IF wait THEN
        PERFORM pg_advisory_xact_lock(hashtext('hsl-bot analytics queue'));
    ELSIF NOT pg_try_advisory_xact_lock(hashtext('hsl-bot analytics queue')) THEN
        RETURN 0;
    END IF;
    WITH taken AS (DELETE FROM analytics_queue RETURNING *)
    SELECT array_agg(taken::analytics_queue) INTO claimed FROM taken;
    IF claimed IS NULL THEN
        RETURN 0;
    END IF;
    zone := hsl_analytics_tz();
    SELECT bool_or(source = 'e'), bool_or(source = 'b'), bool_or(source = 'r'),
           array_agg(DISTINCT user_id) FILTER (WHERE user_id IS NOT NULL),
           array_agg(DISTINCT user_id) FILTER (WHERE (source <> 'e' OR sign < 0)
                                               AND user_id IS NOT NULL)
    INTO has_events, has_bookings, has_registrations, touched, recount
    FROM unnest(claimed);

    IF has_events THEN
        -- 0010's per type and day, 0012's per user and day, per user and week with the
        -- cohorts (a week that turns active or inactive moves its user's cohort)
        WITH changes AS MATERIALIZED (
            SELECT user_id AS uid, kind, sign, at AT TIME ZONE zone AS local_at
            FROM unnest(claimed)
            WHERE source = 'e' AND at IS NOT NULL
        ), per_type AS (
            INSERT INTO analytics_events AS a (event_type, day, n)
            SELECT kind, local_at::date, sum(sign) FROM changes
            GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
            ON CONFLICT (event_type, day) DO UPDATE SET n = a.n + EXCLUDED.n
        ), per_day AS (
            INSERT INTO analytics_user_days AS d (day, user_id, n)
            SELECT local_at::date, uid, sum(sign) FROM changes
            GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
            ON CONFLICT (day, user_id) DO UPDATE SET n = d.n + EXCLUDED.n
        ), per_week AS (
            SELECT uid, date_trunc('week', local_at)::date AS week, sum(sign) AS delta
            FROM changes GROUP BY 1, 2 HAVING sum(sign) <> 0
        ), weeks AS (
            INSERT INTO analytics_user_weeks AS w (user_id, week, n)
            SELECT uid, week, delta FROM per_week ORDER BY 1, 2
            ON CONFLICT (user_id, week) DO UPDATE SET n = w.n + EXCLUDED.n
            RETURNING w.user_id, w.week, w.n
        ), flips AS (
            SELECT weeks.user_id, weeks.week,
                   CASE WHEN weeks.n > 0 AND weeks.n - p.delta <= 0 THEN 1
                        WHEN weeks.n <= 0 AND weeks.n - p.delta > 0 THEN -1
                        ELSE 0 END AS flip
            FROM weeks JOIN per_week AS p ON p.uid = weeks.user_id AND p.week = weeks.week
        )
        SELECT array_agg(user_id), array_agg(week), array_agg(flip)
        INTO flip_users, flip_weeks, flip_signs
        FROM flips WHERE flip <> 0;
    END IF;

    -- Cohorts: a user's active weeks count in the cohort analytics_user_cohorts holds for
    -- them. Their first appearance moves in the course bot's transactions (users, above), and
    -- every such move queues a row for them; so each user of the batch has their cohort
    -- compared with the users table, and a changed one takes their weeks along (the weeks
    -- active before this batch out of the old one, those active now into the new one).
    WITH flips AS (
        SELECT * FROM unnest(flip_users, flip_weeks, flip_signs) AS f (user_id, week, flip)
    ), moves AS (
        SELECT t.user_id, c.cohort AS old_cohort,
               date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date AS new_cohort
        FROM unnest(touched) AS t (user_id)
        LEFT JOIN analytics_user_cohorts AS c ON c.user_id = t.user_id
        LEFT JOIN users AS u ON u.user_id = t.user_id
        WHERE c.cohort IS DISTINCT FROM date_trunc('week', u.first_seen_at AT TIME ZONE zone)::date
    ), deltas AS (
        SELECT c.cohort, f.week, f.flip AS n
        FROM flips AS f JOIN analytics_user_cohorts AS c ON c.user_id = f.user_id
        WHERE f.user_id NOT IN (SELECT user_id FROM moves)
        UNION ALL
        SELECT m.old_cohort, w.week, -1  -- active before and after this batch
        FROM moves AS m
        JOIN analytics_user_weeks AS w ON w.user_id = m.user_id AND w.n > 0
        WHERE m.old_cohort IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM flips AS f
                          WHERE f.user_id = w.user_id AND f.week = w.week)
        UNION ALL
        SELECT m.old_cohort, f.week, -1  -- active before only
        FROM moves AS m JOIN flips AS f ON f.user_id = m.user_id
        WHERE m.old_cohort IS NOT NULL AND f.flip < 0
        UNION ALL
        SELECT m.new_cohort, w.week, 1  -- active now
        FROM moves AS m
        JOIN analytics_user_weeks AS w ON w.user_id = m.user_id AND w.n > 0
        WHERE m.new_cohort IS NOT NULL
    ), mapped AS (
        INSERT INTO analytics_user_cohorts AS c (user_id, cohort)
        SELECT user_id, new_cohort FROM moves WHERE new_cohort IS NOT NULL ORDER BY 1
        ON CONFLICT (user_id) DO UPDATE SET cohort = EXCLUDED.cohort
    ), unmapped AS (
        DELETE FROM analytics_user_cohorts AS c USING moves AS m
        WHERE c.user_id = m.user_id AND m.new_cohort IS NULL
    )
    INSERT INTO analytics_cohorts AS c (cohort, week, users)
    SELECT cohort, week, sum(n) FROM deltas
    GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
    ON CONFLICT (cohort, week) DO UPDATE SET users = c.users + EXCLUDED.users;

    IF has_bookings THEN
        -- 0080's hsl_bookings_apply
        WITH changes AS MATERIALIZED (
            SELECT (at AT TIME ZONE zone)::date AS day, coalesce(course_id, 0) AS course,
                   coalesce(stream, '') AS stream, coalesce(status, 0) AS status, sign
            FROM unnest(claimed)
            WHERE source = 'b' AND at IS NOT NULL
        ), per_day AS (
            INSERT INTO analytics_bookings AS a (day, course_id, course_stream, confirmed, n)
            SELECT day, course, stream, status, sum(sign) FROM changes
            GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (day, course_id, course_stream, confirmed)
                DO UPDATE SET n = a.n + EXCLUDED.n
        ), statuses AS (
            INSERT INTO analytics_booking_statuses AS a (day, confirmed, n)
            SELECT day, status, sum(sign) FROM changes
            GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
            ON CONFLICT (day, confirmed) DO UPDATE SET n = a.n + EXCLUDED.n
        )
        INSERT INTO analytics_stream_totals AS a (course_id, course_stream, confirmed, n)
        SELECT course, stream, status, sum(sign) FROM changes
        GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (course_id, course_stream, confirmed) DO UPDATE SET n = a.n + EXCLUDED.n;
    END IF;

    IF has_registrations THEN
        INSERT INTO analytics_registrations AS a (day, lesson_type, n)
        SELECT (at AT TIME ZONE zone)::date, coalesce(kind, ''), sum(sign)
        FROM unnest(claimed)
        WHERE source = 'r' AND at IS NOT NULL
        GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
        ON CONFLICT (day, lesson_type) DO UPDATE SET n = a.n + EXCLUDED.n;
    END IF;

    -- Per person, the insert way (0080's events trigger) for users with new events only.
    SELECT array_agg(q),
           coalesce(bool_or(q.kind IN ('start_command', 'view_program', 'booking_created',
                                       'payment_proof_uploaded')), FALSE),
           coalesce(bool_or(q.kind = 'lesson_link_clicked'), FALSE),
           coalesce(bool_or(q.kind = 'view_program' AND q.course_key IS NOT NULL), FALSE)
    INTO simple, has_steps, has_clicks, has_views
    FROM unnest(claimed) AS q
    WHERE q.source = 'e' AND q.sign > 0 AND q.at IS NOT NULL
      AND NOT q.user_id = ANY (coalesce(recount, '{}'));

    IF has_steps THEN
        -- each user's latest step moments; the funnel days move from the old ones to the new
        WITH new_steps AS (
            SELECT user_id AS uid,
                   max(at) FILTER (WHERE kind = 'start_command') AS started_at,
                   max(at) FILTER (WHERE kind = 'view_program') AS viewed_at,
                   max(at) FILTER (WHERE kind = 'booking_created') AS booked_at,
                   max(at) FILTER (WHERE kind = 'payment_proof_uploaded') AS paid_at
            FROM unnest(simple)
            WHERE kind IN ('start_command', 'view_program', 'booking_created',
                           'payment_proof_uploaded')
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
                                       m.confirmed_at, zone) AS l
        GROUP BY 1, 2 HAVING sum(m.sign) <> 0 ORDER BY 1, 2
        ON CONFLICT (day, step) DO UPDATE SET n = f.n + EXCLUDED.n;
    END IF;

    IF has_clicks THEN
        -- a click marks the user's registrations for lessons on its local day attended
        WITH clicked AS (
            UPDATE analytics_lesson_regs AS r SET attended = r.registered
            FROM (
                SELECT DISTINCT user_id, (at AT TIME ZONE zone)::date AS day
                FROM unnest(simple) WHERE kind = 'lesson_link_clicked'
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
            SELECT course_key AS course, user_id AS uid, max(at) AS last_at
            FROM unnest(simple)
            WHERE kind = 'view_program' AND course_key IS NOT NULL
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
            SELECT m.user_id, m.course_key, (m.last_at AT TIME ZONE zone)::date AS day, m.sign
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

    -- Per person, the recount way for everyone else: their contributions out of the sums,
    -- their rows recomputed from the school's tables (as the rebuild's slices do), back in.
    IF recount IS NOT NULL THEN
        PERFORM hsl_school_people_count(recount, -1);
        DELETE FROM analytics_user_steps WHERE user_id = ANY (recount);
        INSERT INTO analytics_user_steps (user_id, started_at, viewed_at, booked_at, paid_at,
                                          confirmed_at)
        SELECT user_id, max(at) FILTER (WHERE kind = 'start_command'),
               max(at) FILTER (WHERE kind = 'view_program'),
               max(at) FILTER (WHERE kind = 'booking_created'),
               max(at) FILTER (WHERE kind = 'payment_proof_uploaded'),
               max(at) FILTER (WHERE kind IS NULL)
        FROM (
            SELECT user_id, event_type::text AS kind, created_at AS at FROM events
            WHERE user_id = ANY (recount)
              AND event_type IN ('start_command', 'view_program', 'booking_created',
                                 'payment_proof_uploaded')
              AND created_at IS NOT NULL
            UNION ALL
            -- confirmed bookings (kind NULL: no event type)
            SELECT user_id, NULL, created_at FROM bookings
            WHERE user_id = ANY (recount) AND confirmed = 2 AND created_at IS NOT NULL
        ) AS moments
        GROUP BY 1 ORDER BY 1;
        DELETE FROM analytics_program_viewers WHERE user_id = ANY (recount);
        INSERT INTO analytics_program_viewers (course_key, user_id, last_at)
        SELECT details ->> 'course_id', user_id, max(created_at)
        FROM events
        WHERE user_id = ANY (recount)
          AND event_type = 'view_program' AND details ->> 'course_id' IS NOT NULL
          AND created_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
        PERFORM hsl_school_people_reload(recount);
        PERFORM hsl_school_people_count(recount, 1);
    END IF;

    -- the stream pages' order: the bookers' latest appearance (rows the recount wrote too)
    UPDATE analytics_stream_bookers AS b SET last_seen_at = u.last_seen_at
    FROM users AS u
    WHERE b.user_id = ANY (touched) AND u.user_id = b.user_id
      AND b.last_seen_at IS DISTINCT FROM u.last_seen_at;
    RETURN cardinality(claimed);
END $$;

-- 0080's slices, for the counts less what is queued (see the header); the other rollups go
-- as they went.
ALTER FUNCTION hsl_rebuild_days(TEXT, DATE, DATE) RENAME TO hsl_rebuild_days_unqueued;
CREATE FUNCTION hsl_rebuild_days(target TEXT, first_day DATE, last_day DATE)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
    since TIMESTAMPTZ := first_day::timestamp AT TIME ZONE zone;
    until TIMESTAMPTZ := (last_day + 1)::timestamp AT TIME ZONE zone;
BEGIN
    CASE target
    WHEN 'analytics_events' THEN
        LOCK TABLE analytics_events IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_events WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_events (event_type, day, n)
        SELECT kind, day, sum(n) FROM (
            SELECT event_type::text AS kind, (created_at AT TIME ZONE zone)::date AS day,
                   count(*) AS n
            FROM events WHERE created_at >= since AND created_at < until GROUP BY 1, 2
            UNION ALL
            SELECT kind, (at AT TIME ZONE zone)::date, -sum(sign) FROM analytics_queue
            WHERE source = 'e' AND at >= since AND at < until GROUP BY 1, 2
        ) AS c
        GROUP BY 1, 2 HAVING sum(n) <> 0;
    WHEN 'analytics_user_days' THEN
        LOCK TABLE analytics_user_days IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_days WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_user_days (day, user_id, n)
        SELECT day, user_id, sum(n) FROM (
            SELECT (created_at AT TIME ZONE zone)::date AS day, user_id, count(*) AS n
            FROM events WHERE created_at >= since AND created_at < until GROUP BY 1, 2
            UNION ALL
            SELECT (at AT TIME ZONE zone)::date, user_id, -sum(sign) FROM analytics_queue
            WHERE source = 'e' AND at >= since AND at < until GROUP BY 1, 2
        ) AS c
        GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2;
    WHEN 'analytics_bookings' THEN
        LOCK TABLE analytics_bookings IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_bookings WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_bookings (day, course_id, course_stream, confirmed, n)
        SELECT day, course, stream, status, sum(n) FROM (
            SELECT (created_at AT TIME ZONE zone)::date AS day, coalesce(course_id, 0) AS course,
                   coalesce(course_stream, '')::text AS stream, coalesce(confirmed, 0) AS status,
                   count(*) AS n
            FROM bookings WHERE created_at >= since AND created_at < until GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT (at AT TIME ZONE zone)::date, coalesce(course_id, 0), coalesce(stream, ''),
                   coalesce(status, 0), -sum(sign)
            FROM analytics_queue
            WHERE source = 'b' AND at >= since AND at < until GROUP BY 1, 2, 3, 4
        ) AS c
        GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0;
    WHEN 'analytics_booking_statuses' THEN
        LOCK TABLE analytics_booking_statuses IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_booking_statuses WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_booking_statuses (day, confirmed, n)
        SELECT day, status, sum(n) FROM (
            SELECT (created_at AT TIME ZONE zone)::date AS day, coalesce(confirmed, 0) AS status,
                   count(*) AS n
            FROM bookings WHERE created_at >= since AND created_at < until GROUP BY 1, 2
            UNION ALL
            SELECT (at AT TIME ZONE zone)::date, coalesce(status, 0), -sum(sign)
            FROM analytics_queue
            WHERE source = 'b' AND at >= since AND at < until GROUP BY 1, 2
        ) AS c
        GROUP BY 1, 2 HAVING sum(n) <> 0;
    WHEN 'analytics_registrations' THEN
        LOCK TABLE analytics_registrations IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_registrations WHERE day BETWEEN first_day AND last_day;
        INSERT INTO analytics_registrations (day, lesson_type, n)
        SELECT day, lesson, sum(n) FROM (
            SELECT (registered_at AT TIME ZONE zone)::date AS day,
                   coalesce(lesson_type, '')::text AS lesson, count(*) AS n
            FROM free_lesson_registrations
            WHERE registered_at >= since AND registered_at < until GROUP BY 1, 2
            UNION ALL
            SELECT (at AT TIME ZONE zone)::date, coalesce(kind, ''), -sum(sign)
            FROM analytics_queue
            WHERE source = 'r' AND at >= since AND at < until GROUP BY 1, 2
        ) AS c
        GROUP BY 1, 2 HAVING sum(n) <> 0;
    WHEN 'analytics_cohorts' THEN
        -- the users' cohorts as the applier counts them, so it runs after the slices of
        -- analytics_user_weeks and analytics_user_cohorts
        LOCK TABLE analytics_cohorts IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_cohorts WHERE cohort BETWEEN first_day AND last_day;
        INSERT INTO analytics_cohorts (cohort, week, users)
        SELECT c.cohort, w.week, count(*)
        FROM analytics_user_cohorts AS c
        JOIN analytics_user_weeks AS w ON w.user_id = c.user_id AND w.n > 0
        WHERE c.cohort BETWEEN first_day AND last_day
        GROUP BY 1, 2;
    ELSE
        PERFORM hsl_rebuild_days_unqueued(target, first_day, last_day);
    END CASE;
END $$;

ALTER FUNCTION hsl_rebuild_people(TEXT, BIGINT, BIGINT) RENAME TO hsl_rebuild_people_unqueued;
CREATE FUNCTION hsl_rebuild_people(target TEXT, first_user BIGINT, last_user BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    CASE target
    WHEN 'analytics_user_weeks' THEN
        LOCK TABLE analytics_user_weeks IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_weeks WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_user_weeks (user_id, week, n)
        SELECT user_id, week, sum(n) FROM (
            SELECT user_id, date_trunc('week', created_at AT TIME ZONE zone)::date AS week,
                   count(*) AS n
            FROM events
            WHERE user_id BETWEEN first_user AND last_user AND created_at IS NOT NULL
            GROUP BY 1, 2
            UNION ALL
            SELECT user_id, date_trunc('week', at AT TIME ZONE zone)::date, -sum(sign)
            FROM analytics_queue
            WHERE source = 'e' AND user_id BETWEEN first_user AND last_user
              AND at IS NOT NULL
            GROUP BY 1, 2
        ) AS c
        GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2;
    WHEN 'analytics_user_cohorts' THEN
        LOCK TABLE analytics_user_cohorts IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM analytics_user_cohorts WHERE user_id BETWEEN first_user AND last_user;
        INSERT INTO analytics_user_cohorts (user_id, cohort)
        SELECT user_id, date_trunc('week', first_seen_at AT TIME ZONE zone)::date FROM users
        WHERE user_id BETWEEN first_user AND last_user AND first_seen_at IS NOT NULL
        ORDER BY 1;
    WHEN 'analytics_stream_bookers' THEN
        PERFORM hsl_rebuild_people_unqueued(target, first_user, last_user);
        UPDATE analytics_stream_bookers AS b SET last_seen_at = u.last_seen_at
        FROM users AS u
        WHERE b.user_id BETWEEN first_user AND last_user AND u.user_id = b.user_id;
    WHEN 'analytics_leads' THEN
        -- scored from analytics_user_days: what is queued first (locks in the appliers' order)
        PERFORM hsl_apply_analytics_queue();
        PERFORM hsl_rebuild_people_unqueued(target, first_user, last_user);
    ELSE
        PERFORM hsl_rebuild_people_unqueued(target, first_user, last_user);
    END CASE;
END $$;

-- 0075's snapshot of the lead scores, taking in what is queued before it recomputes (and
-- before its lock on analytics_leads: every applier takes the advisory lock first).
ALTER FUNCTION hsl_refresh_leads(DATE, INTERVAL) RENAME TO hsl_refresh_leads_unqueued;
CREATE FUNCTION hsl_refresh_leads(since DATE, fresh_for INTERVAL DEFAULT '0 seconds')
RETURNS TIMESTAMPTZ LANGUAGE plpgsql AS $$
DECLARE
    computed TIMESTAMPTZ;
BEGIN
    SELECT as_of INTO computed FROM analytics_leads_state
    WHERE first_day = since AND as_of > now() - fresh_for;
    IF FOUND THEN
        RETURN computed;
    END IF;
    PERFORM hsl_apply_analytics_queue();
    RETURN hsl_refresh_leads_unqueued(since, fresh_for);
END $$;

-- 0080's full rebuild. Rows queued before it are counted by it, so they are dropped; rows
-- cannot be queued while it runs (the course bot's inserts wait, as they waited for the
-- truncated rollups before).
CREATE OR REPLACE FUNCTION hsl_rebuild_analytics() RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE analytics_queue IN EXCLUSIVE MODE;
    DELETE FROM analytics_queue;
    PERFORM hsl_rebuild_analytics_counts();
    -- the cohorts just counted, per user
    TRUNCATE analytics_user_cohorts;
    INSERT INTO analytics_user_cohorts (user_id, cohort)
    SELECT user_id, date_trunc('week', first_seen_at AT TIME ZONE hsl_analytics_tz())::date
    FROM users WHERE first_seen_at IS NOT NULL
    ORDER BY 1;
    PERFORM hsl_rebuild_analytics_people();
    PERFORM hsl_rebuild_analytics_school();
    UPDATE analytics_stream_bookers AS b SET last_seen_at = u.last_seen_at
    FROM users AS u WHERE u.user_id = b.user_id;
    -- the snapshot's own window (none yet: nothing to recompute)
    PERFORM hsl_refresh_leads(first_day) FROM analytics_leads_state;
END $$;

DROP INDEX IF EXISTS hsl_events_type_created_at;
DROP INDEX IF EXISTS idx_events_program_views;

-- migrate:down
-- What is queued goes into the rollups first: the triggers of 0080 keep them exact from here.
SELECT hsl_apply_analytics_queue();

CREATE INDEX IF NOT EXISTS idx_events_program_views
    ON events ((details ->> 'course_id'), created_at) INCLUDE (user_id)
    WHERE event_type = 'view_program';
CREATE INDEX IF NOT EXISTS hsl_events_type_created_at ON events (event_type, created_at);

CREATE OR REPLACE FUNCTION hsl_rebuild_analytics() RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hsl_rebuild_analytics_counts();
    PERFORM hsl_rebuild_analytics_people();
    PERFORM hsl_rebuild_analytics_school();
    -- the snapshot's own window (none yet: nothing to recompute)
    PERFORM hsl_refresh_leads(first_day) FROM analytics_leads_state;
END $$;

DROP FUNCTION hsl_refresh_leads(DATE, INTERVAL);
ALTER FUNCTION hsl_refresh_leads_unqueued(DATE, INTERVAL) RENAME TO hsl_refresh_leads;
DROP FUNCTION hsl_rebuild_people(TEXT, BIGINT, BIGINT);
ALTER FUNCTION hsl_rebuild_people_unqueued(TEXT, BIGINT, BIGINT) RENAME TO hsl_rebuild_people;
DROP FUNCTION hsl_rebuild_days(TEXT, DATE, DATE);
ALTER FUNCTION hsl_rebuild_days_unqueued(TEXT, DATE, DATE) RENAME TO hsl_rebuild_days;

DROP TRIGGER IF EXISTS hsl_analytics_insert ON events;
DROP TRIGGER IF EXISTS hsl_analytics_update ON events;
DROP TRIGGER IF EXISTS hsl_analytics_delete ON events;
DROP TRIGGER IF EXISTS hsl_users_insert ON events;
DROP TRIGGER IF EXISTS hsl_analytics_insert ON bookings;
DROP TRIGGER IF EXISTS hsl_analytics_update ON bookings;
DROP TRIGGER IF EXISTS hsl_analytics_delete ON bookings;
DROP TRIGGER IF EXISTS hsl_analytics_insert ON free_lesson_registrations;
DROP TRIGGER IF EXISTS hsl_analytics_update ON free_lesson_registrations;
DROP TRIGGER IF EXISTS hsl_analytics_delete ON free_lesson_registrations;

-- 0010's statement triggers and 0076's users trigger for events.
CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_events_rollup();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_events_rollup();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_events_rollup();
CREATE TRIGGER hsl_users_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_users_note_new_events();

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON bookings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_bookings_rollup();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON bookings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_bookings_rollup();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON bookings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_bookings_rollup();

CREATE TRIGGER hsl_analytics_insert AFTER INSERT ON free_lesson_registrations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_registrations_rollup();
CREATE TRIGGER hsl_analytics_update AFTER UPDATE ON free_lesson_registrations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_registrations_rollup();
CREATE TRIGGER hsl_analytics_delete AFTER DELETE ON free_lesson_registrations
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hsl_registrations_rollup();

ALTER TABLE users RESET (fillfactor);
CREATE OR REPLACE FUNCTION hsl_users_rollup() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT := hsl_analytics_tz();
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.first_seen_at IS NOT NULL THEN
        INSERT INTO analytics_new_users AS a (day, n)
        VALUES ((OLD.first_seen_at AT TIME ZONE zone)::date, -1)
        ON CONFLICT (day) DO UPDATE SET n = a.n + EXCLUDED.n;
        INSERT INTO analytics_cohorts AS c (cohort, week, users)
        SELECT date_trunc('week', OLD.first_seen_at AT TIME ZONE zone)::date, w.week, -1
        FROM analytics_user_weeks AS w WHERE w.user_id = OLD.user_id AND w.n > 0
        ORDER BY 1, 2
        ON CONFLICT (cohort, week) DO UPDATE SET users = c.users + EXCLUDED.users;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.first_seen_at IS NOT NULL THEN
        INSERT INTO analytics_new_users AS a (day, n)
        VALUES ((NEW.first_seen_at AT TIME ZONE zone)::date, 1)
        ON CONFLICT (day) DO UPDATE SET n = a.n + EXCLUDED.n;
        INSERT INTO analytics_cohorts AS c (cohort, week, users)
        SELECT date_trunc('week', NEW.first_seen_at AT TIME ZONE zone)::date, w.week, 1
        FROM analytics_user_weeks AS w WHERE w.user_id = NEW.user_id AND w.n > 0
        ORDER BY 1, 2
        ON CONFLICT (cohort, week) DO UPDATE SET users = c.users + EXCLUDED.users;
    END IF;
    RETURN NULL;
END $$;

DROP FUNCTION IF EXISTS hsl_apply_analytics_queue(BOOLEAN);
DROP FUNCTION IF EXISTS hsl_users_note_event();
DROP FUNCTION IF EXISTS hsl_queue_registration();
DROP FUNCTION IF EXISTS hsl_queue_booking();
DROP FUNCTION IF EXISTS hsl_queue_event();
DROP INDEX IF EXISTS idx_analytics_stream_bookers_seen;
ALTER TABLE analytics_stream_bookers DROP COLUMN IF EXISTS last_seen_at;
DROP TABLE IF EXISTS analytics_user_cohorts;
DROP TABLE IF EXISTS analytics_queue;
