-- Issue #16 §3–4. Audiences that mean what they say: a stream's students per course and
-- stream (one stream code can run in two courses), "awaiting payment" (an open booking:
-- created 0 or proof uploaded 1) apart from "all but paid" (the old "unpaid"), free-lesson
-- registrants of one lesson date. And when the latest run of a broadcast began: a retry's
-- duration and pace are its own.
-- migrate:up
ALTER TABLE message_history ADD COLUMN run_started_at TIMESTAMPTZ;

DROP FUNCTION hsl_broadcast_audience(TEXT, TEXT, TEXT, BIGINT[]);
-- A NULL a_course (broadcasts recorded before this migration) means every course, and a NULL
-- a_day every lesson date. 'unpaid' is what older broadcasts stored for 'all_but_paid'.
CREATE FUNCTION hsl_broadcast_audience(
    a_kind TEXT, a_stream TEXT, a_lesson TEXT, a_ids BIGINT[], a_course INTEGER, a_day DATE
)
RETURNS TABLE (user_id BIGINT) LANGUAGE sql STABLE AS $$
    SELECT u.user_id FROM users u
    WHERE a_kind = 'everyone' AND u.first_seen_at IS NOT NULL
    UNION ALL
    SELECT b.user_id FROM bookings b
    WHERE a_kind = 'stream' AND b.course_stream = a_stream AND b.confirmed = 2
      AND (a_course IS NULL OR b.course_id = a_course)
    UNION ALL
    SELECT b.user_id FROM bookings b
    WHERE a_kind = 'booked' AND b.course_stream = a_stream AND coalesce(b.confirmed, 0) <> -1
      AND (a_course IS NULL OR b.course_id = a_course)
    UNION ALL
    SELECT b.user_id FROM bookings b
    WHERE a_kind = 'awaiting' AND coalesce(b.confirmed, 0) IN (0, 1)
    UNION ALL
    SELECT u.user_id FROM users u
    WHERE a_kind IN ('all_but_paid', 'unpaid') AND u.first_seen_at IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM bookings b WHERE b.user_id = u.user_id AND b.confirmed = 2
      )
    UNION ALL
    SELECT f.user_id FROM free_lesson_registrations f
    WHERE a_kind = 'lessons' AND (a_lesson IS NULL OR f.lesson_type = a_lesson)
      AND (a_day IS NULL OR f.lesson_date = a_day)
    UNION ALL
    SELECT i.user_id FROM unnest(a_ids) AS i (user_id)
    WHERE a_kind = 'individual'
$$;

-- migrate:down
DROP FUNCTION IF EXISTS hsl_broadcast_audience(TEXT, TEXT, TEXT, BIGINT[], INTEGER, DATE);
CREATE FUNCTION hsl_broadcast_audience(a_kind TEXT, a_stream TEXT, a_lesson TEXT, a_ids BIGINT[])
RETURNS TABLE (user_id BIGINT) LANGUAGE sql STABLE AS $$
    SELECT u.user_id FROM users u
    WHERE a_kind = 'everyone' AND u.first_seen_at IS NOT NULL
    UNION ALL
    SELECT b.user_id FROM bookings b
    WHERE a_kind = 'stream' AND b.course_stream = a_stream AND b.confirmed = 2
    UNION ALL
    SELECT b.user_id FROM bookings b
    WHERE a_kind = 'booked' AND b.course_stream = a_stream AND coalesce(b.confirmed, 0) <> -1
    UNION ALL
    SELECT u.user_id FROM users u
    WHERE a_kind = 'unpaid' AND u.first_seen_at IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM bookings b WHERE b.user_id = u.user_id AND b.confirmed = 2
      )
    UNION ALL
    SELECT f.user_id FROM free_lesson_registrations f
    WHERE a_kind = 'lessons' AND (a_lesson IS NULL OR f.lesson_type = a_lesson)
    UNION ALL
    SELECT i.user_id FROM unnest(a_ids) AS i (user_id)
    WHERE a_kind = 'individual'
$$;
ALTER TABLE message_history DROP COLUMN IF EXISTS run_started_at;
