-- Two things the console needs to read right in Russian:
--
-- admin_languages: the language each admin's Telegram client reports, remembered when they
-- write to the bot, so what the bot sends unasked (the daily digest) is in that language.
--
-- hsl_fold(text): lower case that does not depend on the cluster's LC_CTYPE. lower() under
-- the C locale (the embedded server's) folds ASCII only, so "/user иван" never found "Иван".
-- The function uses the best case mapping this server has, chosen once here: the built-in
-- Unicode provider (PostgreSQL 17+), else ICU, else lower() plus an explicit Cyrillic table.
-- /user's text search compares hsl_fold() of both sides; the trigram indexes of 0012 are
-- replaced by indexes on the folded names (where pg_trgm is installed).
-- migrate:up
CREATE TABLE admin_languages (
    admin_id BIGINT PRIMARY KEY,
    language_code TEXT,  -- the client's IETF tag as Telegram sends it; NULL: none was sent
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

DO $fold$
DECLARE
    utf8 BOOLEAN := (SELECT pg_encoding_to_char(encoding) = 'UTF8'
                     FROM pg_database WHERE datname = current_database());
    chosen TEXT;
BEGIN
    SELECT c.collname INTO chosen
    FROM pg_collation AS c
    JOIN (VALUES ('pg_unicode_fast', 1, TRUE), ('pg_c_utf8', 2, TRUE), ('und-x-icu', 3, FALSE))
        AS preferred (name, rank, needs_utf8) ON preferred.name = c.collname
    WHERE utf8 OR NOT preferred.needs_utf8
    ORDER BY preferred.rank
    LIMIT 1;
    IF chosen IS NOT NULL THEN
        EXECUTE format(
            $f$CREATE FUNCTION hsl_fold(text) RETURNS text
               LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
               AS $body$SELECT lower($1 COLLATE %I)$body$
            $f$,
            chosen);
    ELSE
        CREATE FUNCTION hsl_fold(text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            AS $body$SELECT lower(translate($1,
                'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯІЇЄҐЎ',
                'абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў'))$body$;
    END IF;

    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS idx_users_username_fold_trgm
            ON users USING gin (hsl_fold(username) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS idx_users_first_name_fold_trgm
            ON users USING gin (hsl_fold(first_name) gin_trgm_ops);
    END IF;
END $fold$;

DROP INDEX IF EXISTS idx_users_first_name_trgm;
DROP INDEX IF EXISTS idx_users_username_trgm;

-- migrate:down
DROP INDEX IF EXISTS idx_users_first_name_fold_trgm;
DROP INDEX IF EXISTS idx_users_username_fold_trgm;
DROP FUNCTION IF EXISTS hsl_fold(text);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS idx_users_username_trgm
            ON users USING gin (username gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS idx_users_first_name_trgm
            ON users USING gin (first_name gin_trgm_ops);
    END IF;
END $$;
DROP TABLE IF EXISTS admin_languages;
