-- Time-window indexes the analytics queries lean on; named hsl_* so the down part never drops
-- an index the school made itself.
-- migrate:up
CREATE INDEX IF NOT EXISTS hsl_events_created_at ON events (created_at);
CREATE INDEX IF NOT EXISTS hsl_events_type_created_at ON events (event_type, created_at);
CREATE INDEX IF NOT EXISTS hsl_bookings_created_at ON bookings (created_at);
CREATE INDEX IF NOT EXISTS hsl_bookings_stream ON bookings (course_stream, confirmed);
CREATE INDEX IF NOT EXISTS hsl_free_lesson_registrations_registered_at
    ON free_lesson_registrations (registered_at);

-- migrate:down
DROP INDEX IF EXISTS hsl_free_lesson_registrations_registered_at;
DROP INDEX IF EXISTS hsl_bookings_stream;
DROP INDEX IF EXISTS hsl_bookings_created_at;
DROP INDEX IF EXISTS hsl_events_type_created_at;
DROP INDEX IF EXISTS hsl_events_created_at;
