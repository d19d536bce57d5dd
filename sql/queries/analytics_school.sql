-- The analytics console's questions about courses, lessons and behaviour:
-- /courses, /lessons, /funnel, /retention, /leads.

-- name: course_streams
-- Every course and stream in the data with its bookings per status and its last booking day
-- (course_id 0 and stream '' stand for bookings without one).
SELECT course_id, course_stream, confirmed, sum(n) AS n,
       max(max(day) FILTER (WHERE n > 0)) OVER (PARTITION BY course_id, course_stream)
           AS last_day
FROM analytics_bookings
GROUP BY course_id, course_stream, confirmed
HAVING sum(n) <> 0;

-- name: stream_students
-- One stream's people: its bookers (latest booking each) and, with :with_viewers, those who
-- viewed the course programme since the stream's first booking without booking the stream.
WITH booked AS (
    SELECT DISTINCT ON (user_id) user_id, coalesce(confirmed, 0) AS status, created_at
    FROM bookings
    WHERE coalesce(course_id, 0) = :course_id AND coalesce(course_stream, '') = :stream
    ORDER BY user_id, created_at DESC NULLS LAST, id DESC
), opened AS (
    SELECT min(created_at) AS since FROM booked
), viewers AS (
    SELECT DISTINCT e.user_id
    FROM events AS e, opened
    WHERE :with_viewers
      AND e.event_type = 'view_program'
      AND e.created_at >= opened.since
      AND e.details ->> 'course_id' = :course_id::text
      AND NOT EXISTS (SELECT 1 FROM booked WHERE booked.user_id = e.user_id)
), people AS (
    SELECT user_id, status FROM booked
    UNION ALL
    SELECT user_id, NULL FROM viewers
), page AS (
    SELECT user_id, status, count(*) OVER () AS total
    FROM people
    ORDER BY status IS NULL, status DESC, user_id
    LIMIT :limit OFFSET :offset
)
-- Names and last activity only for the page's rows.
SELECT page.user_id, page.status, page.total, u.username, u.first_name, u.last_seen_at
FROM page LEFT JOIN users AS u ON u.user_id = page.user_id
ORDER BY page.status IS NULL, page.status DESC, page.user_id;

-- name: lessons_overview
-- Free lessons dated from :first_day on (upcoming included): registrations, attendance
-- (a lesson_link_clicked event on the lesson's local day) and registrants who booked later.
WITH registrations AS (
    SELECT user_id, coalesce(lesson_type, '') AS lesson_type, lesson_date, registered_at
    FROM free_lesson_registrations
    WHERE lesson_date >= :first_day
), clicks AS (
    SELECT DISTINCT user_id, (created_at AT TIME ZONE :tz)::date AS day
    FROM events
    WHERE event_type = 'lesson_link_clicked' AND created_at >= :since
)
SELECT r.lesson_type, r.lesson_date,
       count(*) AS registered,
       count(c.user_id) AS attended,
       count(*) FILTER (
           WHERE EXISTS (
               SELECT 1 FROM bookings AS b
               WHERE b.user_id = r.user_id AND b.created_at > r.registered_at
           )
       ) AS booked
FROM registrations AS r
LEFT JOIN clicks AS c ON c.user_id = r.user_id AND c.day = r.lesson_date
GROUP BY r.lesson_type, r.lesson_date
ORDER BY r.lesson_date DESC, r.lesson_type
LIMIT :limit;

-- name: funnel_counts
-- Users who, within the window, reached each step and every step before it.
WITH steps AS (
    SELECT user_id,
           bool_or(event_type = 'start_command') AS started,
           bool_or(event_type = 'view_program') AS viewed,
           bool_or(event_type = 'booking_created') AS booked,
           bool_or(event_type = 'payment_proof_uploaded') AS paid
    FROM events
    WHERE event_type IN ('start_command', 'view_program', 'booking_created',
                         'payment_proof_uploaded')
      AND created_at >= :since
    GROUP BY user_id
), confirmed AS (
    SELECT DISTINCT user_id FROM bookings WHERE confirmed = 2 AND created_at >= :since
)
SELECT count(*) FILTER (WHERE started) AS started,
       count(*) FILTER (WHERE started AND viewed) AS viewed,
       count(*) FILTER (WHERE started AND viewed AND booked) AS booked,
       count(*) FILTER (WHERE started AND viewed AND booked AND paid) AS paid,
       count(*) FILTER (WHERE started AND viewed AND booked AND paid
                          AND c.user_id IS NOT NULL) AS confirmed
FROM steps LEFT JOIN confirmed AS c ON c.user_id = steps.user_id;

-- name: retention_cohorts
-- Weekly cohorts by first appearance from :first_week on: their size and, per later week,
-- how many of them had any event (one row per cohort and active week).
WITH cohorts AS (
    SELECT generate_series(:first_week::date, :this_week::date, interval '7 days')::date
           AS cohort
), sizes AS (
    SELECT cohorts.cohort, coalesce(sum(u.n), 0) AS size
    FROM cohorts
    LEFT JOIN analytics_new_users AS u ON u.day >= cohorts.cohort AND u.day < cohorts.cohort + 7
    GROUP BY cohorts.cohort
)
SELECT sizes.cohort, sizes.size, a.week, coalesce(a.users, 0) AS users
FROM sizes
LEFT JOIN analytics_cohorts AS a
       ON a.cohort = sizes.cohort AND a.week <= :this_week AND a.users > 0
ORDER BY sizes.cohort, a.week;

-- name: lead_scores
-- Users without a confirmed booking, scored by their events since :since: counts per tier
-- and the top :top of each tier. Types come from the rollup so the scan stays index-only.
WITH activity AS (
    SELECT user_id, count(*) AS events,
           count(DISTINCT (created_at AT TIME ZONE :tz)::date) AS days
    FROM events
    WHERE event_type = ANY (ARRAY(SELECT DISTINCT event_type FROM analytics_events))
      AND created_at >= :since
    GROUP BY user_id
    HAVING count(*) >= 5
), scored AS (
    SELECT a.user_id, a.events, a.days,
           CASE WHEN a.events >= 20 AND a.days >= 5 THEN 'hot'
                WHEN a.events >= 10 AND a.days >= 3 THEN 'warm'
                ELSE 'cool' END AS tier
    FROM activity AS a
    WHERE NOT EXISTS (
        SELECT 1 FROM bookings AS b WHERE b.user_id = a.user_id AND b.confirmed = 2
    )
), ranked AS (
    SELECT scored.*,
           count(*) OVER (PARTITION BY tier) AS tier_size,
           row_number() OVER (PARTITION BY tier ORDER BY events DESC, days DESC, user_id)
               AS rank
    FROM scored
)
SELECT r.tier, r.tier_size, r.user_id, r.events, r.days,
       (SELECT username FROM users WHERE users.user_id = r.user_id) AS username,
       (SELECT first_name FROM users WHERE users.user_id = r.user_id) AS first_name
FROM ranked AS r
WHERE r.rank <= :top
ORDER BY r.tier, r.rank;
