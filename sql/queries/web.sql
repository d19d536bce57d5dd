-- The Mini App's own reads: a broadcast's recipients page by page (everything else the pages
-- show, the recipients' CSV too, comes from the chat's services; the booking desk's queries
-- are in bookings.sql).

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
