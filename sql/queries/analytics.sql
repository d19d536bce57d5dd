-- The analytics console's overview questions: /stats, /growth, /daily, /events.
-- Days are local days in the configured zone; the analytics_* tables (migration 0010) are
-- keyed by them, so these queries read a few rows per day whatever the school's history.

-- name: analytics_use_tz
-- Key the derived tables by this zone's days (rebuilds them when the zone changed).
SELECT hsl_analytics_use_tz(:tz);

-- name: analytics_in_sync
-- Whether the derived tables still add up to the school's tables (a load that bypassed the
-- triggers would break this); checked once per process. Rows still in analytics_queue
-- (migration 0090) count as applied: one statement, so one snapshot of both.
WITH queued AS (
    SELECT coalesce(sum(sign) FILTER (WHERE source = 'e'), 0) AS events,
           coalesce(sum(sign) FILTER (WHERE source = 'b'), 0) AS bookings,
           coalesce(sum(sign) FILTER (WHERE source = 'r'), 0) AS registrations
    FROM analytics_queue
    WHERE at IS NOT NULL
)
SELECT (SELECT coalesce(sum(n), 0) FROM analytics_events) + queued.events
           = (SELECT count(*) FROM events WHERE created_at IS NOT NULL)
   AND (SELECT coalesce(sum(n), 0) FROM analytics_bookings) + queued.bookings
           = (SELECT count(*) FROM bookings WHERE created_at IS NOT NULL)
   AND (SELECT coalesce(sum(n), 0) FROM analytics_registrations) + queued.registrations
           = (SELECT count(*) FROM free_lesson_registrations WHERE registered_at IS NOT NULL)
   AND (SELECT coalesce(sum(n), 0) FROM analytics_new_users)
           = (SELECT count(*) FROM users WHERE first_seen_at IS NOT NULL)
FROM queued;

-- name: stats_counts
-- Totals with what was added today and over the last 7 local days (today included).
WITH new_users AS (
    SELECT coalesce(sum(n), 0) AS total,
           coalesce(sum(n) FILTER (WHERE day = :today), 0) AS today,
           coalesce(sum(n) FILTER (WHERE day > :today - 7), 0) AS week
    FROM analytics_new_users
), registrations AS (
    SELECT coalesce(sum(n), 0) AS total,
           coalesce(sum(n) FILTER (WHERE day = :today), 0) AS today,
           coalesce(sum(n) FILTER (WHERE day > :today - 7), 0) AS week
    FROM analytics_registrations
), blocked AS (
    -- who the broadcast bot cannot reach now: blocked (with when), and the other reasons
    SELECT count(*) FILTER (WHERE reason = 'blocked') AS total,
           count(*) FILTER (WHERE reason = 'blocked'
                            AND (since AT TIME ZONE :tz)::date = :today) AS today,
           count(*) FILTER (WHERE reason = 'blocked'
                            AND (since AT TIME ZONE :tz)::date > :today - 7) AS week,
           count(*) FILTER (WHERE reason = 'never started') AS never_started,
           count(*) FILTER (WHERE reason = 'deactivated') AS deactivated
    FROM hsl_unreachable(:sender, :revive)
)
SELECT new_users.total AS users_total, new_users.today AS users_today,
       new_users.week AS users_week,
       registrations.total AS registrations_total, registrations.today AS registrations_today,
       registrations.week AS registrations_week,
       blocked.total AS blocked_total, blocked.today AS blocked_today,
       blocked.week AS blocked_week, blocked.never_started AS never_started,
       blocked.deactivated AS deactivated
FROM new_users, registrations, blocked;

-- name: stats_statuses
-- Bookings per status (the caller adds the four known ones when missing; an unexpected status
-- only while some booking has it), from analytics_booking_statuses (migration 0080): a row per
-- day and status, however many courses and streams.
SELECT confirmed AS status,
       sum(n) AS total,
       coalesce(sum(n) FILTER (WHERE day = :today), 0) AS today,
       coalesce(sum(n) FILTER (WHERE day > :today - 7), 0) AS week
FROM analytics_booking_statuses
GROUP BY confirmed
HAVING confirmed IN (-1, 0, 1, 2) OR sum(n) <> 0;

-- name: last_broadcast
-- The latest broadcast that started (scheduled ones have not), with its state and what its
-- recipients got: delivered counts those whose copy was deleted for everyone afterwards too
-- (successful_deliveries drops by them); cancelled ones were stopped before sending. Rows the
-- school's old dashboard wrote have no recipients: their own counts stand.
WITH last AS (
    SELECT id, message_text, coalesce(sent_at, created_at) AS sent_at, status,
           coalesce(total_recipients, 0) AS total_recipients,
           coalesce(successful_deliveries, 0) AS successful_deliveries
    FROM message_history
    WHERE status <> 'scheduled'
    ORDER BY coalesce(started_at, sent_at, created_at) DESC NULLS LAST, id DESC
    LIMIT 1
)
SELECT last.message_text, last.sent_at, last.status, last.total_recipients,
       last.successful_deliveries + coalesce(r.deleted, 0) AS delivered,
       coalesce(r.cancelled, 0) AS cancelled,
       coalesce(r.failed, 0) AS failed,
       coalesce(r.pending, 0) AS pending
FROM last
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE delivery_status = 'deleted') AS deleted,
           count(*) FILTER (WHERE delivery_status = 'failed'
                            AND failure_reason = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE delivery_status = 'failed'
                            AND failure_reason IS DISTINCT FROM 'cancelled') AS failed,
           count(*) FILTER (WHERE delivery_status = 'pending') AS pending
    FROM message_recipients WHERE message_id = last.id
) AS r ON true;

-- name: first_data_day
-- The school's first local day with anything in it: everyone's first appearance is their
-- earliest booking, event or sign-up, so no series has a day before this one.
SELECT min(day) FROM analytics_new_users WHERE n > 0;

-- name: growth_days
-- First appearances per local day from :first_day (NULL: the first day with any) to :today,
-- zero-filled, with the running total of users.
WITH bounds AS (
    SELECT coalesce(
               :first_day::date,
               (SELECT min(day) FROM analytics_new_users WHERE n > 0),
               :today::date
           ) AS first_day
), days AS (
    SELECT generate_series(first_day, greatest(first_day, :today::date), interval '1 day')::date
           AS day
    FROM bounds
), before AS (
    SELECT coalesce(sum(n), 0) AS n FROM analytics_new_users, bounds WHERE day < first_day
)
SELECT days.day,
       coalesce(a.n, 0) AS new_users,
       (SELECT n FROM before) + sum(coalesce(a.n, 0)) OVER (ORDER BY days.day) AS total
FROM days LEFT JOIN analytics_new_users AS a ON a.day = days.day
ORDER BY days.day;

-- name: daily_rows
-- Per local day: first appearances, bookings created, events, free-lesson registrations and
-- payment confirmations (payment_approved events: bookings keep no confirmation time).
WITH days AS (
    SELECT generate_series(:first_day::date, :today::date, interval '1 day')::date AS day
), users_per_day AS (
    SELECT day, n FROM analytics_new_users WHERE day BETWEEN :first_day AND :today
), bookings_per_day AS (
    SELECT day, sum(n) AS n FROM analytics_bookings
    WHERE day BETWEEN :first_day AND :today GROUP BY day
), events_per_day AS (
    SELECT day, sum(n) AS n,
           sum(n) FILTER (WHERE event_type = 'payment_approved') AS confirmations
    FROM analytics_events WHERE day BETWEEN :first_day AND :today GROUP BY day
), registrations_per_day AS (
    SELECT day, sum(n) AS n FROM analytics_registrations
    WHERE day BETWEEN :first_day AND :today GROUP BY day
)
SELECT days.day,
       coalesce(u.n, 0) AS new_users,
       coalesce(b.n, 0) AS bookings,
       coalesce(e.n, 0) AS events,
       coalesce(r.n, 0) AS registrations,
       coalesce(e.confirmations, 0) AS confirmations
FROM days
LEFT JOIN users_per_day AS u ON u.day = days.day
LEFT JOIN bookings_per_day AS b ON b.day = days.day
LEFT JOIN events_per_day AS e ON e.day = days.day
LEFT JOIN registrations_per_day AS r ON r.day = days.day
ORDER BY days.day;

-- name: top_events
-- Event types by count over the window, most frequent first, with the window's total.
SELECT event_type, sum(n) AS n, sum(sum(n)) OVER () AS total
FROM analytics_events
WHERE day BETWEEN :first_day AND :today
GROUP BY event_type
HAVING sum(n) > 0
ORDER BY n DESC, event_type
LIMIT :top;
