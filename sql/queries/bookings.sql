-- The booking desk (bot/school/bookings.py): a person's bookings with what an admin may change,
-- and one change written as the course bot would write it. The chat's /user card and the
-- Mini App's person page both call it.

-- name: desk_user_bookings
-- A person's bookings, newest first, with the columns the desk edits and shows.
SELECT id, user_id, username, first_name, course_id, course_stream, confirmed, referral_code,
       coalesce(discount_percent, 0) AS discount_percent, created_at
FROM bookings
WHERE user_id = :user_id
ORDER BY created_at DESC NULLS LAST, id DESC
LIMIT :limit;

-- name: desk_booking
-- One booking as a card shows it (read without a lock: the change re-reads it locked).
SELECT id, user_id, username, first_name, course_id, course_stream, confirmed, referral_code,
       coalesce(discount_percent, 0) AS discount_percent, created_at
FROM bookings
WHERE id = :booking_id;

-- name: desk_booking_for_update
-- One booking, locked until the change commits (a concurrent change waits, then sees it).
SELECT id, user_id, username, first_name, course_id, course_stream, confirmed, referral_code,
       coalesce(discount_percent, 0) AS discount_percent, created_at
FROM bookings
WHERE id = :booking_id
FOR UPDATE;

-- name: desk_booking_update
-- Write the new values in the course bot's columns.
UPDATE bookings
SET course_stream = :course_stream, confirmed = :confirmed,
    referral_code = :referral_code, discount_percent = :discount_percent
WHERE id = :booking_id
RETURNING id, user_id, username, first_name, course_id, course_stream, confirmed, referral_code,
          coalesce(discount_percent, 0) AS discount_percent, created_at;

-- name: desk_insert_event
-- The event the course bot itself writes for the same change (the funnel and figures read it).
INSERT INTO events (user_id, event_type, details) VALUES (:user_id, :event_type, :details);
