"""Media and the site's switches: uploaded images checked by their bytes and re-encoded
(`images`, Openwhyd's `uploads` and `pictures`), uploaded audio typed by its bytes, held
within per-user quotas and streamed (`audio`, `audio_types`, `quotas`), announcements, the
admin's operations (`admin`, `admin_collections`), Kworb charts (`charts`, `charts_import`)
and the maintenance mode.
"""
