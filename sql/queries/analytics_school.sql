-- The analytics console's questions about courses, lessons and behaviour:
-- /courses, /lessons, /funnel, /retention, /leads.

-- name: course_streams
-- Every course and stream in the data with its bookings per status and its last booking day
-- (course_id 0 and stream '' stand for bookings without one): analytics_stream_totals, and the
-- last day with a booking from analytics_bookings by index (migration 0080).
SELECT t.course_id, t.course_stream, t.confirmed, t.n,
       (SELECT b.day FROM analytics_bookings AS b
        WHERE b.course_id = t.course_id AND b.course_stream = t.course_stream AND b.n > 0
        ORDER BY b.day DESC LIMIT 1) AS last_day
FROM analytics_stream_totals AS t
WHERE t.n <> 0;

-- name: stream_people_totals
-- How many people a stream's two lists hold: its bookers (latest booking each) and, with
-- :with_viewers, those who viewed the course programme since the stream opened (the earliest
-- of its bookers' latest bookings) without booking the stream. From migration 0080's
-- rollups: the bookers by index, the viewers as per-day sums (minus the stream's bookers
-- among them) after the opening day, plus that day's viewers counted from the index.
WITH opened AS (
    SELECT min(latest_at) AS since,
           (min(latest_at) AT TIME ZONE hsl_analytics_tz())::date AS day
    FROM analytics_stream_bookers
    WHERE course_id = :course_id AND course_stream = :stream
)
SELECT (SELECT count(*) FROM analytics_stream_bookers
        WHERE course_id = :course_id AND course_stream = :stream) AS bookers,
       CASE WHEN :with_viewers THEN
           (SELECT coalesce(sum(d.n), 0) FROM analytics_viewer_days AS d
            WHERE d.course_key = :course_id::text AND d.day > opened.day)
           - (SELECT coalesce(sum(d.n), 0) FROM analytics_booked_viewer_days AS d
              WHERE d.course_id = :course_id AND d.course_stream = :stream
                AND d.day > opened.day)
           -- the opening day itself, from the moment the stream opened
           + (SELECT count(*) FROM analytics_program_viewers AS v
              WHERE v.course_key = :course_id::text AND v.last_at >= opened.since
                AND v.last_at < (opened.day + 1)::timestamp AT TIME ZONE hsl_analytics_tz()
                -- a probe per viewer of that day, not a hash of every booker
                AND (SELECT count(*) FROM analytics_stream_bookers AS b
                     WHERE b.user_id = v.user_id AND b.course_id = :course_id
                       AND b.course_stream = :stream) = 0)
       ELSE 0 END AS viewers
FROM opened;

-- name: stream_bookers
-- A page of one stream's bookers (latest booking each), the most recently active first: in
-- order from the index on their latest appearance (copied next to them, migration 0090), so
-- a page reads its own rows and no more, however many people booked.
SELECT b.user_id, b.status, u.username, u.first_name, b.last_seen_at
FROM analytics_stream_bookers AS b LEFT JOIN users AS u ON u.user_id = b.user_id
WHERE b.course_id = :course_id AND b.course_stream = :stream
ORDER BY b.last_seen_at DESC NULLS LAST, b.user_id
LIMIT :limit OFFSET :offset;

-- name: stream_viewers
-- A page of those who viewed the course programme since the stream opened without booking it,
-- the latest view first (analytics_program_viewers' index read backwards).
WITH opened AS (
    SELECT min(latest_at) AS since
    FROM analytics_stream_bookers
    WHERE course_id = :course_id AND course_stream = :stream
)
SELECT v.user_id, v.last_at AS viewed_at, u.username, u.first_name, u.last_seen_at
FROM analytics_program_viewers AS v
CROSS JOIN opened
LEFT JOIN users AS u ON u.user_id = v.user_id
WHERE v.course_key = :course_id::text AND v.last_at >= opened.since
  AND NOT EXISTS (
      SELECT 1 FROM analytics_stream_bookers AS b
      WHERE b.user_id = v.user_id AND b.course_id = :course_id AND b.course_stream = :stream
  )
ORDER BY v.last_at DESC, v.user_id
LIMIT :limit OFFSET :offset;

-- name: lessons_overview
-- Free lessons dated from :first_day on (upcoming included): registrations, attendance
-- (a lesson_link_clicked event on the lesson's local day) and registrants who booked later
-- (their latest booking is after the registration), kept per lesson by migration 0080.
SELECT lesson_type, lesson_date, registered, attended, booked
FROM analytics_lessons
WHERE lesson_date >= :first_day AND registered > 0
ORDER BY lesson_date DESC, lesson_type
LIMIT :limit;

-- name: funnel_counts
-- Users who, from local day :first_day on, reached each step and every step before it
-- (migration 0080: per step, users by the day they reached it; confirmed = a confirmed
-- booking created in the window too).
SELECT coalesce(sum(n) FILTER (WHERE step = 1), 0) AS started,
       coalesce(sum(n) FILTER (WHERE step = 2), 0) AS viewed,
       coalesce(sum(n) FILTER (WHERE step = 3), 0) AS booked,
       coalesce(sum(n) FILTER (WHERE step = 4), 0) AS paid,
       coalesce(sum(n) FILTER (WHERE step = 5), 0) AS confirmed
FROM analytics_funnel_days
WHERE day >= :first_day;

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
