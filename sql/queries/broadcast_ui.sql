-- Questions the broadcast console asks before acting (the actions are in broadcast.sql).

-- name: broadcast_retry_summary
-- Whom "Retry failed" would queue again now (the same rows broadcast_retry_failed takes), and
-- how many of them ended "outcome unknown": they may already have the message.
SELECT count(*) AS retriable,
       count(*) FILTER (WHERE r.failure_reason = :outcome_unknown) AS outcome_unknown
FROM message_recipients r
WHERE r.message_id = :message_id AND r.delivery_status = 'failed'
  AND r.failure_reason IS DISTINCT FROM 'cancelled'
  AND NOT EXISTS (
      SELECT 1 FROM hsl_unreachable(:sender, :revive) x WHERE x.user_id = r.user_id
  )
  AND EXISTS (
      SELECT 1 FROM message_history h
      WHERE h.id = :message_id AND h.status IN ('done', 'cancelled')
  );

-- name: broadcast_course_streams
-- Each course's streams that have bookings (a stream audience is one course's stream), newest
-- first: the one that opened last (its first booking; a late booking on an old stream does not
-- make it new). Streams that opened at the same moment: by the number in the name (10th before
-- 9th, which text order would swap), then by name, then by course.
SELECT course_id AS course, course_stream AS stream FROM bookings
WHERE course_stream IS NOT NULL
GROUP BY course_id, course_stream
ORDER BY min(created_at) DESC NULLS LAST,
         substring(course_stream FROM '[0-9]+')::numeric DESC NULLS LAST,
         course_stream DESC, course_id NULLS LAST;

-- name: broadcast_upcoming_lessons
-- Free lessons from :today on, by type and date, with how many registered for each.
SELECT lesson_type AS lesson, lesson_date AS day, count(DISTINCT user_id) AS registrants
FROM free_lesson_registrations
WHERE lesson_type IS NOT NULL AND lesson_date >= :today
GROUP BY lesson_type, lesson_date
ORDER BY lesson_date, lesson_type
LIMIT :limit;

-- name: broadcast_outcome_counts
-- Recipients per state in one snapshot; cancelled ones (stopped before sending) apart from
-- failures. run_settled: those the latest run (start or retry) settled, for its pace. One
-- table in FROM (the run's start a subquery): the planner then splits the walk over the
-- broadcast's rows between two workers (100k: 22 vs 36 ms joined to message_history).
SELECT count(*) FILTER (WHERE r.delivery_status = 'sent') AS sent,
       count(*) FILTER (WHERE r.delivery_status = 'failed'
                        AND r.failure_reason IS DISTINCT FROM 'cancelled') AS failed,
       count(*) FILTER (WHERE r.delivery_status = 'failed'
                        AND r.failure_reason = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE r.delivery_status = 'deleted') AS deleted,
       count(*) FILTER (WHERE r.delivery_status = 'pending') AS pending,
       count(*) FILTER (WHERE r.failure_reason IN ('blocked', 'deactivated')) AS blocked,
       count(*) FILTER (WHERE r.delete_error IS NOT NULL) AS not_deleted,
       count(*) FILTER (
           WHERE r.delivery_status IN ('sent', 'failed', 'deleted')
             AND r.failure_reason IS DISTINCT FROM 'cancelled'
             AND r.settled_at >= (
                 SELECT coalesce(h.run_started_at, h.started_at)
                 FROM message_history h WHERE h.id = :message_id
             )
       ) AS run_settled
FROM message_recipients r
WHERE r.message_id = :message_id;

-- name: broadcast_mark_run
-- A retry starts a new run of the broadcast: its duration and pace are counted from now.
UPDATE message_history SET run_started_at = now() WHERE id = :message_id;

-- name: broadcast_ui_details
-- What the console shows about a broadcast beyond broadcast_get: when its latest run began,
-- the author's name as the school's tables know it, and how long the latest run stood paused
-- (from the audit log: each pause until the resume or cancel after it, or until the end or
-- now), so its duration and average pace can be about sending time.
SELECT h.run_started_at, u.first_name AS author_first_name, u.username AS author_username,
       (SELECT coalesce(sum(extract(epoch FROM
                   coalesce(p.until, h.finished_at, now()) - p.created_at)), 0)::float8
        FROM (SELECT a.action, a.created_at,
                     lead(a.created_at) OVER (ORDER BY a.created_at, a.id) AS until
              FROM audit_log AS a
              WHERE a.created_at >= coalesce(h.run_started_at, h.started_at)
                AND a.action IN ('broadcast_pause', 'broadcast_resume', 'broadcast_cancel')
                AND a.details ->> 'broadcast_id' = h.id::text) AS p
        WHERE p.action = 'broadcast_pause') AS paused_s
FROM message_history h
LEFT JOIN users u ON u.user_id = h.author_id
WHERE h.id = :message_id;

-- name: broadcast_author_names
-- Names of broadcast authors (admins are often school users too), for lists.
SELECT user_id, first_name, username FROM users WHERE user_id = ANY(:ids::bigint[]);

-- name: broadcast_update_scheduled
-- Replace a scheduled broadcast's message; nothing when it has started (or is gone).
UPDATE message_history
SET message_text = :message_text, content = :content
WHERE id = :message_id AND status = 'scheduled'
RETURNING id, scheduled_at;
