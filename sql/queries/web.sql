-- The Mini App's booking desk: reading a person's bookings with what an admin may change, and
-- changing one as the course bot would (everything else the pages show comes from services).

-- name: web_user_bookings
-- A person's bookings, newest first, with the columns the booking desk edits.
SELECT id, user_id, course_id, course_stream, confirmed, referral_code,
       coalesce(discount_percent, 0) AS discount_percent, created_at
FROM bookings
WHERE user_id = :user_id
ORDER BY created_at DESC NULLS LAST, id DESC
LIMIT :limit;

-- name: web_booking_for_update
-- One booking, locked until the change commits (a concurrent change waits, then sees it).
SELECT id, user_id, course_id, course_stream, confirmed, referral_code,
       coalesce(discount_percent, 0) AS discount_percent, created_at
FROM bookings
WHERE id = :booking_id
FOR UPDATE;

-- name: web_booking_update
-- Write the new values in the course bot's columns.
UPDATE bookings
SET course_stream = :course_stream, confirmed = :confirmed,
    referral_code = :referral_code, discount_percent = :discount_percent
WHERE id = :booking_id
RETURNING id, user_id, course_id, course_stream, confirmed, referral_code,
          coalesce(discount_percent, 0) AS discount_percent, created_at;

-- name: web_insert_event
-- The event the course bot itself writes for the same change (the funnel and figures read it).
INSERT INTO events (user_id, event_type, details) VALUES (:user_id, :event_type, :details);

-- name: web_broadcast_recipients
-- One page of a broadcast's recipients with the columns and order of the chat's export
-- (broadcast_export), filtered by status and by a fragment of the id or @username. No service
-- pages recipients: the chat sends them all as a CSV.
SELECT user_id, username, delivery_status, failure_reason, settled_at
FROM message_recipients
WHERE message_id = :message_id
  AND (:status::text IS NULL OR delivery_status = :status::text)
  AND (:pattern::text IS NULL OR user_id::text LIKE :pattern::text
       OR username ILIKE :pattern::text)
ORDER BY id
LIMIT :limit OFFSET :offset;

-- name: web_broadcast_recipients_count
-- How many recipients match that filter, counted up to :cap (a list of 100k people pages
-- as "10 000+"; the exact figures per status are the broadcast's counts).
SELECT count(*) FROM (
    SELECT 1 FROM message_recipients
    WHERE message_id = :message_id
      AND (:status::text IS NULL OR delivery_status = :status::text)
      AND (:pattern::text IS NULL OR user_id::text LIKE :pattern::text
           OR username ILIKE :pattern::text)
    LIMIT :cap
) AS matching;
