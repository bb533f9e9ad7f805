-- Catalog ids are path-safe tokens (store/catalog_ids.py): an audio file's id was its URL, a
-- SoundCloud or Bandcamp id `artist/slug`, which broke every id-in-path route. Each such row
-- moves to chorus_path_safe_id(provider, id) (its URL stays in `url`), and so does every
-- reference to it by that id: download jobs (payload item_id, child_key, dedupe_key) and
-- watches (item_id). Tables referencing catalog(id) (posts, listens...) are untouched.
CREATE TEMP TABLE catalog_id_moves AS
    SELECT provider, kind, provider_id AS old_id,
           chorus_path_safe_id(provider, provider_id) AS new_id
    FROM catalog WHERE chorus_path_safe_id(provider, provider_id) != provider_id;

UPDATE catalog SET provider_id = (
    SELECT new_id FROM catalog_id_moves m
    WHERE m.provider = catalog.provider AND m.kind = catalog.kind AND m.old_id = catalog.provider_id)
WHERE EXISTS (SELECT 1 FROM catalog_id_moves m WHERE m.provider = catalog.provider
              AND m.kind = catalog.kind AND m.old_id = catalog.provider_id);

UPDATE jobs SET
    dedupe_key = CASE WHEN dedupe_key IS NULL THEN NULL ELSE replace(dedupe_key,
        ':' || json_extract(payload, '$.item_id'),
        ':' || (SELECT new_id FROM catalog_id_moves m
                WHERE m.old_id = json_extract(jobs.payload, '$.item_id') LIMIT 1)) END,
    payload = json_set(payload, '$.item_id', (SELECT new_id FROM catalog_id_moves m
                WHERE m.old_id = json_extract(jobs.payload, '$.item_id') LIMIT 1))
WHERE json_extract(payload, '$.item_id') IN (SELECT old_id FROM catalog_id_moves);

UPDATE jobs SET payload = json_set(payload, '$.child_key',
    substr(json_extract(payload, '$.child_key'), 1,
           instr(json_extract(payload, '$.child_key'), ':')) || json_extract(payload, '$.item_id'))
WHERE json_extract(payload, '$.child_key') IS NOT NULL
    AND instr(json_extract(payload, '$.child_key'), ':') > 0
    AND substr(json_extract(payload, '$.child_key'),
               instr(json_extract(payload, '$.child_key'), ':') + 1)
        IN (SELECT old_id FROM catalog_id_moves);

UPDATE watches SET item_id = (SELECT new_id FROM catalog_id_moves m
                              WHERE m.kind = watches.kind AND m.old_id = watches.item_id)
WHERE EXISTS (SELECT 1 FROM catalog_id_moves m
              WHERE m.kind = watches.kind AND m.old_id = watches.item_id);

UPDATE watch_items SET item_id = (SELECT new_id FROM catalog_id_moves m
                                  WHERE m.old_id = watch_items.item_id LIMIT 1)
WHERE item_id IN (SELECT old_id FROM catalog_id_moves);

-- Openwhyd posts named "Artist - Title" catalogued before the catalog split such names
-- (handlers/catalog/items.py split_artist_title): items of uploaders with no artist.
UPDATE catalog SET
    artist_names = json_array(trim(substr(name, 1, instr(name, ' - ') - 1))),
    name = trim(substr(name, instr(name, ' - ') + 3))
WHERE artist_names = '[]' AND kind IN ('track', 'video', 'audio')
    AND provider NOT IN ('spotify')
    AND instr(name, ' - ') > 1 AND trim(substr(name, instr(name, ' - ') + 3)) != '';

DROP TABLE catalog_id_moves;
