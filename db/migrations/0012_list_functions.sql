-- The functions behind items.scope_paths and items.search_grams (generated columns, next migration).
-- Hand-written: drizzle-kit does not generate functions.

-- Every subtree that sees an item: all ancestor paths ('/a/', '/a/b/', …) of its unit paths.
CREATE OR REPLACE FUNCTION item_scope_paths(owner text, lead text, reporting text, responsible text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
  SELECT coalesce(array_agg(DISTINCT left(p, i) ORDER BY left(p, i)), '{}')
  FROM unnest(ARRAY[owner, lead, reporting, responsible]) AS p, generate_series(2, length(p)) AS i
  WHERE substr(p, i, 1) = '/'
);
--> statement-breakpoint
-- The 1- and 2-character grams of a text, lower-cased: Chinese has no word breaks, and a search term of
-- two characters (违建, 漏水) is common, below what trigrams can index.
CREATE OR REPLACE FUNCTION search_grams(t text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
  SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, n)), '{}')
  FROM generate_series(1, 2) AS n, generate_series(1, length(t) - n + 1) AS i
);
--> statement-breakpoint
-- The grams every row holding `q` must hold: its bigrams, or the one character of a one-character term.
CREATE OR REPLACE FUNCTION search_query_grams(q text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
  SELECT CASE WHEN length(q) < 2 THEN ARRAY[lower(q)]
    ELSE (SELECT array_agg(DISTINCT substr(lower(q), i, 2)) FROM generate_series(1, length(q) - 1) AS i) END
);
