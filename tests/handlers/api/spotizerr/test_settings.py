"""Spotizerr's configuration routes: read by users, changed by admins, validated, applied live."""

from __future__ import annotations

from handlers.downloads.settings import DOWNLOAD_KIND_TRACK
from tests.conftest import ctx_of
from tests.handlers.api.spotizerr.helpers import admin_and_user


async def test_config_is_read_by_users_and_changed_by_admins_only(make_client):
    client, admin, user = await admin_and_user(make_client)
    body = await (await client.get("/api/config/", headers=user)).json()
    assert body["maxConcurrentDownloads"] == 3 and body["fileFormat"] == "mp3"
    resp = await client.post("/api/config/", json={"maxConcurrentDownloads": 5}, headers=user)
    assert resp.status == 403 and set(await resp.json()) == {"error", "details", "detail"}
    resp = await client.put("/api/config/", json={"maxConcurrentDownloads": 5,
                                                  "customTrackFormat": "%music%"}, headers=admin)
    body = await resp.json()
    assert resp.status == 200 and body["maxConcurrentDownloads"] == 5
    assert (await (await client.get("/api/config/", headers=user)).json())[
        "customTrackFormat"] == "%music%"
    assert (await client.get("/api/config/")).status == 401


async def test_max_concurrent_downloads_is_honoured_live(make_client):
    client, admin, _ = await admin_and_user(make_client)
    jobs = ctx_of(client).jobs
    assert jobs.concurrency(DOWNLOAD_KIND_TRACK) == 3
    await client.post("/api/config/", json={"maxConcurrentDownloads": 7}, headers=admin)
    assert jobs.concurrency(DOWNLOAD_KIND_TRACK) == 7


async def test_bad_config_is_refused_and_changes_nothing(make_client):
    client, admin, _ = await admin_and_user(make_client)
    for change in ({"maxConcurrentDownloads": 0}, {"customDirFormat": "../outside"},
                   {"maxConcurrentDownloads": "many"}):
        resp = await client.post("/api/config/", json=change, headers=admin)
        assert resp.status == 400 and "error" in await resp.json()
    body = await (await client.get("/api/config/", headers=admin)).json()
    assert body["maxConcurrentDownloads"] == 3 and body["customDirFormat"] == "%ar_album%/%album%"


async def test_validate_and_check_report_without_storing(make_client):
    client, admin, user = await admin_and_user(make_client)
    resp = await client.post("/api/config/validate", json={"maxConcurrentDownloads": 99},
                             headers=user)
    body = await resp.json()
    assert body["valid"] is False and "maxConcurrentDownloads" in body["errors"][0]
    ok = await (await client.post("/api/config/validate", json={"fileFormat": "flac"},
                                  headers=user)).json()
    assert ok == {"valid": True, "errors": []}
    assert (await (await client.get("/api/config/", headers=user)).json())["fileFormat"] == "mp3"
    check = await (await client.get("/api/config/check", headers=user)).json()
    assert check["valid"] is True and check["download_path"].endswith("downloads")


async def test_watch_config(make_client):
    client, admin, user = await admin_and_user(make_client)
    body = await (await client.get("/api/config/watch", headers=user)).json()
    assert body == {"enabled": False, "check_interval": 3600, "max_concurrent_checks": 2,
                    "retry_failed_after": 1800, "watchPollIntervalSeconds": 3600,
                    "maxItemsPerRun": 50, "watchedArtistAlbumGroup": ["album", "single"],
                    "delayBetweenPlaylistsSeconds": 2, "delayBetweenArtistsSeconds": 5,
                    "useSnapshotIdChecking": True}
    resp = await client.put("/api/config/watch", json={"enabled": True, "check_interval": 600},
                            headers=admin)
    assert (await resp.json())["check_interval"] == 600
    resp = await client.post("/api/config/watch", json={"check_interval": 5}, headers=admin)
    assert resp.status == 400
    bad = await (await client.post("/api/config/watch/validate", json={"check_interval": 5},
                                   headers=user)).json()
    assert bad["valid"] is False
    assert (await client.put("/api/config/watch", json={}, headers=user)).status == 403


async def test_config_and_history_answer_with_and_without_the_slash(make_client):
    client, admin, user = await admin_and_user(make_client)
    # the real backend declares /api/config and /api/history with and without the slash
    for path in ("/api/config", "/api/history?limit=5"):
        resp = await client.get(path, headers=user, allow_redirects=False)
        assert resp.status == 200, path
    followed = await client.get("/api/history", params={"limit": "5"}, headers=user)
    assert followed.status == 200 and (await followed.json())["pagination"]["limit"] == 5
    resp = await client.post("/api/config", json={"maxRetries": 4}, headers=admin,
                             allow_redirects=False)
    assert resp.status == 200 and (await resp.json())["maxRetries"] == 4
    # a slashless path another dialect serves stays its own (Spot On's search)
    resp = await client.get("/api/search", params={"q": "x"}, allow_redirects=False)
    assert resp.status != 307


# what the web UI's Downloads, Formatting and General tabs post (Spotizerr v3.3)
UI_DOWNLOADS = {"realTime": True, "fallback": False, "maxConcurrentDownloads": 4,
                "convertTo": "FLAC", "bitrate": "", "maxRetries": 2, "retryDelaySeconds": 9,
                "retryDelayIncrease": 7, "deezerQuality": "MP3_320", "spotifyQuality": "HIGH",
                "realTimeMultiplier": 2, "recursiveQuality": True, "separateTracksByUser": True}
UI_FORMATTING = {"customDirFormat": "%ar_album%/%album% (%year%)",
                 "customTrackFormat": "%tracknum% - %music%", "tracknumPadding": False,
                 "saveCover": False, "artistSeparator": " / ", "spotifyMetadata": False,
                 "padNumberWidth": 2}
UI_GENERAL = {"service": "deezer", "spotify": "main", "deezer": "arl-1"}


async def test_every_key_the_ui_saves_comes_back_after_a_reload(make_client):
    client, admin, user = await admin_and_user(make_client)
    for form in (UI_DOWNLOADS, UI_FORMATTING, UI_GENERAL):
        resp = await client.post("/api/config", json=form, headers=admin)
        assert resp.status == 200, await resp.text()
    # a key outside the real backend's schema is kept as well, never dropped
    resp = await client.put("/api/config/", json={"hlsThreads": 8, "m3u": True}, headers=admin)
    assert resp.status == 200
    reloaded = await (await client.get("/api/config", headers=user)).json()
    for key, value in {**UI_DOWNLOADS, **UI_FORMATTING, **UI_GENERAL}.items():
        assert reloaded[key] == value, key
    assert reloaded["hlsThreads"] == 8 and reloaded["m3u"] is True
    assert reloaded["watch"]["watchPollIntervalSeconds"] == 3600
    # legacy snake_case keys land under the camelCase name, as the real backend migrates them
    await client.post("/api/config", json={"save_cover": True}, headers=admin)
    reloaded = await (await client.get("/api/config", headers=user)).json()
    assert reloaded["saveCover"] is True and "save_cover" not in reloaded


async def test_wrong_types_and_values_are_refused_with_400_and_change_nothing(make_client):
    client, admin, _ = await admin_and_user(make_client)
    before = await (await client.get("/api/config", headers=admin)).json()
    for change in ({"retryDelaySeconds": "soon"}, {"saveCover": [1]}, {"convertTo": "MP4"},
                   {"bitrate": 320}, {"realTimeMultiplier": 11}, {"service": "tidal"},
                   {"spotifyQuality": "LOSSLESS"}, {"watch": "on"},
                   {"watch": {"maxItemsPerRun": 99}}, {"maxRetries": 2, "artistSeparator": None}):
        resp = await client.post("/api/config", json=change, headers=admin)
        body = await resp.json()
        assert resp.status == 400, change
        assert body["error"] and body["detail"], change
    assert await (await client.get("/api/config", headers=admin)).json() == before


async def test_watch_settings_answer_under_the_ui_s_names(make_client):
    client, admin, user = await admin_and_user(make_client)
    form = {"enabled": True, "watchPollIntervalSeconds": 7200, "maxItemsPerRun": 10,
            "watchedArtistAlbumGroup": ["album", "compilation"]}
    resp = await client.post("/api/config/watch", json=form, headers=admin)
    assert resp.status == 200, await resp.text()
    body = await (await client.get("/api/config/watch", headers=user)).json()
    for key, value in form.items():
        assert body[key] == value, key
    assert body["check_interval"] == 7200  # the document's name for the same setting
    from handlers.downloads.settings import watch_settings

    settings = await watch_settings(ctx_of(client))
    assert settings.check_interval == 7200 and settings.enabled is True
    for bad in ({"watchPollIntervalSeconds": 30}, {"maxItemsPerRun": 0},
                {"watchedArtistAlbumGroup": ["ep"]}, {"maxItemsPerRun": "many"},
                {"watchPollIntervalSeconds": 600, "check_interval": 900}):
        resp = await client.post("/api/config/watch", json=bad, headers=admin)
        assert resp.status == 400, bad
    assert (await (await client.get("/api/config/watch", headers=user)).json())[
        "maxItemsPerRun"] == 10
