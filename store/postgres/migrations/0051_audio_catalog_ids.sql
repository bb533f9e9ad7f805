-- PostgreSQL twin of 0051_audio_catalog_ids.sql. Schema-only, and so empty: the SQLite
-- migration moves uploaded audio files' catalog rows to chorus_path_safe_id('file', url), a
-- function registered from Python that PostgreSQL does not have; on a new PostgreSQL database
-- the catalog is empty at this point, and a copy from SQLite brings rows already moved.
SELECT 1;
