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
-- viewed the course programme since the stream's first booking without booking the stream
-- (analytics_program_viewers: a user's latest view per course). Only the page's rows are
-- ordered; the total is two counts.
WITH booked AS MATERIALIZED (
    SELECT DISTINCT ON (user_id) user_id, coalesce(confirmed, 0) AS status, created_at
    FROM bookings
    WHERE coalesce(course_id, 0) = :course_id AND coalesce(course_stream, '') = :stream
    ORDER BY user_id, created_at DESC NULLS LAST, id DESC
), opened AS (
    SELECT min(created_at) AS since FROM booked
), viewers AS (
    SELECT v.user_id
    FROM analytics_program_viewers AS v, opened
    WHERE :with_viewers
      AND v.course_key = :course_id::text
      AND v.last_at >= opened.since
      AND NOT EXISTS (SELECT 1 FROM booked WHERE booked.user_id = v.user_id)
), total AS (
    SELECT (SELECT count(*) FROM booked) + (SELECT count(*) FROM viewers) AS n
), page AS (
    SELECT user_id, status FROM (
        (SELECT user_id, status FROM booked
         ORDER BY status DESC, user_id LIMIT :limit::bigint + :offset::bigint)
        UNION ALL
        (SELECT user_id, NULL::integer FROM viewers
         ORDER BY user_id LIMIT :limit::bigint + :offset::bigint)
    ) AS candidates
    ORDER BY status IS NULL, status DESC, user_id
    LIMIT :limit OFFSET :offset
)
-- Names and last activity only for the page's rows.
SELECT page.user_id, page.status, total.n AS total, u.username, u.first_name, u.last_seen_at
FROM page CROSS JOIN total LEFT JOIN users AS u ON u.user_id = page.user_id
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
), last_booking AS (
    -- "booked later" = the user's latest booking is after the registration
    SELECT user_id, max(created_at) AS last_at FROM bookings GROUP BY user_id
)
SELECT r.lesson_type, r.lesson_date,
       count(*) AS registered,
       count(c.user_id) AS attended,
       count(*) FILTER (WHERE b.last_at > r.registered_at) AS booked
FROM registrations AS r
LEFT JOIN clicks AS c ON c.user_id = r.user_id AND c.day = r.lesson_date
LEFT JOIN last_booking AS b ON b.user_id = r.user_id
GROUP BY r.lesson_type, r.lesson_date
ORDER BY r.lesson_date DESC, r.lesson_type
LIMIT :limit;

-- name: funnel_counts
-- Users who, within the window, reached each step and every step before it: a user had a
-- step in the window exactly when their latest event of that type is in it.
WITH confirmed AS (
    SELECT DISTINCT user_id FROM bookings WHERE confirmed = 2 AND created_at >= :since
)
SELECT count(*) AS started,
       count(*) FILTER (WHERE s.viewed_at >= :since) AS viewed,
       count(*) FILTER (WHERE s.viewed_at >= :since AND s.booked_at >= :since) AS booked,
       count(*) FILTER (WHERE s.viewed_at >= :since AND s.booked_at >= :since
                          AND s.paid_at >= :since) AS paid,
       count(*) FILTER (WHERE s.viewed_at >= :since AND s.booked_at >= :since
                          AND s.paid_at >= :since AND c.user_id IS NOT NULL) AS confirmed
FROM analytics_user_steps AS s LEFT JOIN confirmed AS c ON c.user_id = s.user_id
WHERE s.started_at >= :since;

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

-- name: lead_snapshot
-- The /leads snapshot (migration 0075): its window, when it was computed and how long ago (by
-- the server's clock, as the refresh judges it), the tier sizes and the top :top hot leads.
-- No row until the first refresh.
SELECT s.first_day, s.as_of, now() - s.as_of AS age, s.hot, s.warm, s.cool,
       l.user_id, l.events, l.days, u.username, u.first_name
FROM analytics_leads_state AS s
LEFT JOIN LATERAL (
    SELECT user_id, events, days FROM analytics_leads
    WHERE tier = 'hot'
    ORDER BY events DESC, days DESC, user_id
    LIMIT :top
) AS l ON TRUE
LEFT JOIN users AS u ON u.user_id = l.user_id
ORDER BY l.events DESC, l.days DESC, l.user_id;

-- name: refresh_leads
-- Recompute the snapshot for the window from local day :first_day, unless another session
-- did so less than :fresh_for ago.
SELECT hsl_refresh_leads(:first_day, :fresh_for);
