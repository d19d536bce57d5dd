-- The school's own tables, written by the course bot. On a school database they already
-- exist with data: create only what is missing and never change a row.
-- migrate:up
CREATE TABLE IF NOT EXISTS bookings (
    id SERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    username TEXT,
    first_name TEXT,
    course_id INTEGER,
    confirmed INTEGER DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    referral_code TEXT,
    discount_percent INTEGER DEFAULT 0,
    course_stream VARCHAR(50) DEFAULT '4th_stream'
);
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS username TEXT;
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS first_name TEXT;
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS course_id INTEGER;
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS confirmed INTEGER DEFAULT 0;
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS referral_code TEXT;
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS discount_percent INTEGER DEFAULT 0;
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS course_stream VARCHAR(50) DEFAULT '4th_stream';

CREATE TABLE IF NOT EXISTS events (
    id SERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    details JSONB,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);
ALTER TABLE events ADD COLUMN IF NOT EXISTS details JSONB;
ALTER TABLE events ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP;

CREATE TABLE IF NOT EXISTS free_lesson_registrations (
    id SERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    username TEXT,
    first_name TEXT,
    email TEXT NOT NULL,
    registered_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    notification_sent BOOLEAN DEFAULT FALSE,
    lesson_type VARCHAR(50) DEFAULT 'cursor_lesson',
    lesson_date DATE,
    UNIQUE (user_id, lesson_type, lesson_date)
);
ALTER TABLE free_lesson_registrations ADD COLUMN IF NOT EXISTS username TEXT;
ALTER TABLE free_lesson_registrations ADD COLUMN IF NOT EXISTS first_name TEXT;
ALTER TABLE free_lesson_registrations
    ADD COLUMN IF NOT EXISTS registered_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE free_lesson_registrations
    ADD COLUMN IF NOT EXISTS notification_sent BOOLEAN DEFAULT FALSE;
ALTER TABLE free_lesson_registrations
    ADD COLUMN IF NOT EXISTS lesson_type VARCHAR(50) DEFAULT 'cursor_lesson';
ALTER TABLE free_lesson_registrations ADD COLUMN IF NOT EXISTS lesson_date DATE;

-- migrate:down
-- The school's tables and columns belong to the school: hsl-bot never drops them.
SELECT 1;
