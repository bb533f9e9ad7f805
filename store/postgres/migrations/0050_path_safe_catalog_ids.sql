-- PostgreSQL twin of 0050_path_safe_catalog_ids.sql. Schema-only: the SQLite migration moves
-- existing catalog rows (and the jobs and watches naming them) to path-safe ids with
-- chorus_path_safe_id, a function registered from Python (store/catalog_ids.py) that
-- PostgreSQL does not have. On a new PostgreSQL database those tables are empty at this point,
-- and a copy from SQLite (`chorus migrate --from ... --to ...`) brings rows already moved.
-- Its second part, splitting "Artist - Title" names of items without artists, is plain SQL
-- and kept (a no-op on empty tables).
UPDATE catalog SET
    artist_names = json_build_array(trim(substr(name, 1, strpos(name, ' - ') - 1)))::text,
    name = trim(substr(name, strpos(name, ' - ') + 3))
WHERE artist_names = '[]' AND kind IN ('track', 'video', 'audio')
    AND provider NOT IN ('spotify')
    AND strpos(name, ' - ') > 1 AND trim(substr(name, strpos(name, ' - ') + 3)) != '';
