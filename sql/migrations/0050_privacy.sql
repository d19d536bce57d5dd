-- Erasing a person's personal data on request (/forget, bot/privacy). Three helpers the named
-- queries in sql/queries/privacy.sql call; no table changes.
--
--   hsl_blank(table, column)   the "nothing" a name column takes: NULL, or '' where the school's
--                              table declares the column NOT NULL (free_lesson_registrations.email)
--   hsl_forget_matches(...)    whether a text is one of the person's names, usernames, e-mails
--   hsl_forget_jsonb(...)      a jsonb document without the person's data: keys named like
--                              personal fields dropped, string values that are theirs dropped, at
--                              every depth (events.details, audit_log.details, fsm_state.data)
--
-- A recursive function needs plpgsql (a SQL function's body is checked before it exists).
-- migrate:up
CREATE FUNCTION hsl_blank(tbl REGCLASS, col TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN a.attnotnull THEN '' END
    FROM pg_attribute AS a
    WHERE a.attrelid = tbl AND a.attname = col AND NOT a.attisdropped
$$;

-- ``exact``: lower-cased values a text must equal (ignoring spaces around it and a leading @);
-- ``contained``: distinctive ones (usernames, e-mails, phone numbers) it must not contain.
CREATE FUNCTION hsl_forget_matches(value TEXT, exact TEXT[], contained TEXT[])
RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(ltrim(btrim(value), '@')) = ANY (exact)
        OR EXISTS (
            SELECT 1 FROM unnest(contained) AS c (needle) WHERE strpos(lower(value), needle) > 0
        )
$$;

CREATE FUNCTION hsl_forget_jsonb(doc JSONB, keys TEXT[], exact TEXT[], contained TEXT[])
RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    CASE jsonb_typeof(doc)
    WHEN 'object' THEN
        RETURN (
            SELECT coalesce(
                jsonb_object_agg(e.key, hsl_forget_jsonb(e.value, keys, exact, contained)),
                '{}'::jsonb)
            FROM jsonb_each(doc) AS e
            WHERE NOT lower(e.key) = ANY (keys)
              AND NOT (jsonb_typeof(e.value) = 'string'
                       AND hsl_forget_matches(e.value #>> '{}', exact, contained))
        );
    WHEN 'array' THEN
        RETURN (
            SELECT coalesce(
                jsonb_agg(hsl_forget_jsonb(a.value, keys, exact, contained) ORDER BY a.n),
                '[]'::jsonb)
            FROM jsonb_array_elements(doc) WITH ORDINALITY AS a (value, n)
            WHERE NOT (jsonb_typeof(a.value) = 'string'
                       AND hsl_forget_matches(a.value #>> '{}', exact, contained))
        );
    WHEN 'string' THEN
        IF hsl_forget_matches(doc #>> '{}', exact, contained) THEN
            RETURN '""'::jsonb;
        END IF;
        RETURN doc;
    ELSE
        RETURN doc;
    END CASE;
END $$;

-- migrate:down
DROP FUNCTION IF EXISTS hsl_forget_jsonb(JSONB, TEXT[], TEXT[], TEXT[]);
DROP FUNCTION IF EXISTS hsl_forget_matches(TEXT, TEXT[], TEXT[]);
DROP FUNCTION IF EXISTS hsl_blank(REGCLASS, TEXT);
