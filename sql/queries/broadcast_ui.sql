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
