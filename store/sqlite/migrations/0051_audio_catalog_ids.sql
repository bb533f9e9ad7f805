-- Uploaded audio files were catalogued under their stream URL after 0050 had run (the upload
-- path did not use the path-safe id): move those rows to chorus_path_safe_id('file', url),
-- as 0050 did for the rows it found. Nothing references an upload's item by that id yet
-- (downloads of uploads could not start), so only the catalog changes.
UPDATE catalog SET provider_id = chorus_path_safe_id(provider, provider_id)
WHERE provider = 'file' AND chorus_path_safe_id(provider, provider_id) != provider_id
  AND NOT EXISTS (SELECT 1 FROM catalog c WHERE c.provider = catalog.provider
                  AND c.kind = catalog.kind
                  AND c.provider_id = chorus_path_safe_id(catalog.provider, catalog.provider_id));
