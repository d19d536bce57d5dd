-- Two helpers of the analytics console.
--
-- Who viewed a course's programme, and when: the /courses student list adds viewers of the
-- current stream's programme who did not book. A partial index over view_program rows only,
-- so other event inserts merely test its predicate.
--
-- hsl_exact_count: /schema counts small tables exactly; counting needs the table name as an
-- identifier, which only dynamic SQL can take (quoted by regclass, never by the caller).
-- migrate:up
CREATE INDEX IF NOT EXISTS idx_events_program_views
    ON events ((details ->> 'course_id'), created_at) INCLUDE (user_id)
    WHERE event_type = 'view_program';

CREATE FUNCTION hsl_exact_count(tbl REGCLASS) RETURNS BIGINT LANGUAGE plpgsql STABLE AS $$
DECLARE
    n BIGINT;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', tbl) INTO n;
    RETURN n;
END $$;

-- migrate:down
DROP FUNCTION IF EXISTS hsl_exact_count(REGCLASS);
DROP INDEX IF EXISTS idx_events_program_views;
