"""Sono's maintenance switch and what every other route answers while it is on."""

from __future__ import annotations

import pytest

from tests.conftest import STRONG_PASSWORD
from tests.handlers.api.sono.helpers import USERS, bearer, login, signed_in

MAINTENANCE = "/api/v1/admin/maintenance"
DEFAULT = "Service temporarily unavailable for maintenance"


@pytest.fixture
async def admin_client(make_client):
    return await make_client(admin_username="boss", admin_password=STRONG_PASSWORD,
                             admin_email="boss@example.com")


async def test_status_is_public_and_off_by_default(client):
    resp = await client.get(f"{MAINTENANCE}/status")
    assert resp.status == 200 and await resp.json() == {"enabled": False, "message": DEFAULT}


async def test_only_admins_may_switch_maintenance(admin_client):
    client = admin_client
    _, tokens = await signed_in(client)
    for path in ("enable", "disable"):
        resp = await client.post(f"{MAINTENANCE}/{path}")
        assert resp.status == 401 and await resp.json() == {"detail": "Not authenticated"}
        resp = await client.post(f"{MAINTENANCE}/{path}", headers=bearer(tokens))
        assert resp.status == 403 and await resp.json() == {"detail": "Admin access required"}
    resp = await client.post(f"{MAINTENANCE}/toggle", headers=bearer(tokens), json={"enabled": True})
    assert resp.status == 403
    assert (await (await client.get(f"{MAINTENANCE}/status")).json())["enabled"] is False


async def test_maintenance_answers_503_in_sonos_shape_except_health_until_disabled(admin_client):
    client = admin_client
    admin = await login(client, "boss")
    _, user = await signed_in(client)
    message = "Database upgrade in progress - back at 3pm"
    resp = await client.post(f"{MAINTENANCE}/enable", params={"message": message},
                             headers=bearer(admin))
    assert resp.status == 200 and await resp.json() == {"enabled": True, "message": message}
    for method, path in (("GET", f"{USERS}/me"), ("POST", f"{USERS}/token"),
                         ("GET", f"{USERS}/public-key"), ("GET", "/api/v1/audio/my-files")):
        resp = await client.request(method, path, headers=bearer(user))
        assert resp.status == 503, path
        assert resp.headers["Retry-After"] == "3600"
        assert await resp.json() == {"detail": message, "status": "maintenance",
                                     "retry_after": 3600}
    assert (await client.get("/health")).status == 200
    status = await (await client.get(f"{MAINTENANCE}/status")).json()
    assert status == {"enabled": True, "message": message}
    resp = await client.post(f"{MAINTENANCE}/disable", headers=bearer(admin))
    assert await resp.json() == {"enabled": False, "message": DEFAULT}
    assert (await client.get(f"{USERS}/me", headers=bearer(user))).status == 200


async def test_toggle_switches_with_an_optional_message(admin_client):
    client = admin_client
    admin = await login(client, "boss")
    resp = await client.post(f"{MAINTENANCE}/toggle", headers=bearer(admin),
                             json={"enabled": True, "message": "Server migration in progress"})
    assert await resp.json() == {"enabled": True, "message": "Server migration in progress"}
    resp = await client.post(f"{MAINTENANCE}/enable", headers=bearer(admin))
    assert await resp.json() == {"enabled": True, "message": DEFAULT}
    resp = await client.post(f"{MAINTENANCE}/toggle", headers=bearer(admin), json={"enabled": False})
    assert await resp.json() == {"enabled": False, "message": DEFAULT}


async def test_maintenance_messages_over_200_characters_are_refused(admin_client):
    client = admin_client
    admin = await login(client, "boss")
    resp = await client.post(f"{MAINTENANCE}/enable", params={"message": "x" * 201},
                             headers=bearer(admin))
    assert resp.status == 422
    assert (await resp.json())["detail"][0]["loc"] == ["query", "message"]
    resp = await client.post(f"{MAINTENANCE}/toggle", headers=bearer(admin),
                             json={"enabled": True, "message": "x" * 201})
    assert resp.status == 422
    resp = await client.post(f"{MAINTENANCE}/toggle", headers=bearer(admin), json={})
    assert resp.status == 422
    assert (await (await client.get(f"{MAINTENANCE}/status")).json())["enabled"] is False
