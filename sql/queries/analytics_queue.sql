-- The analytics queue (migration 0090): what the course bot changed, not yet in the rollups.

-- name: analytics_queue_apply
-- Move everything queued into the rollups (returns how many queue rows). Looks at the queue
-- first, so an answer pays one look when there is nothing to apply. :wait: wait for an
-- applier at work (answers must count its rows) rather than leave the queue to it.
SELECT CASE WHEN EXISTS (SELECT 1 FROM analytics_queue)
            THEN hsl_apply_analytics_queue(:wait)
            ELSE 0 END;

-- name: analytics_queue_length
SELECT count(*) FROM analytics_queue;
