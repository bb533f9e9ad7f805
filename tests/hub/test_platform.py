"""The platform of DESIGN §7 through HTTP: request ids, limits, headers, CORS, gzip,
maintenance, health, metrics, and errors in each dialect's shape."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect

from handlers.media.maintenance import set_maintenance
from tests.conftest import ctx_of


async def test_request_id_is_echoed_when_given(client):
    resp = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"


async def test_request_id_is_generated_when_missing_or_unsafe(client):
    resp = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    generated = resp.headers["X-Request-ID"]
    assert generated != "bad id\twith spaces" and len(generated) == 32


async def test_access_log_is_json_with_request_id(client, caplog):
    caplog.set_level("INFO", logger="chorus.access")
    await client.get("/health", headers={"X-Request-ID": "trace-me"})
    records = [r for r in caplog.records if r.name == "chorus.access"]
    assert records and records[-1].status == 200 and records[-1].path == "/health"
    from hub.logs import JsonFormatter, request_id_var

    token = request_id_var.set("trace-me")
    try:
        line = JsonFormatter().format(records[-1])
    finally:
        request_id_var.reset(token)
    assert '"request_id":"trace-me"' in line and '"status":200' in line


async def test_health_endpoints(client):
    resp = await client.get("/health")
    body = await resp.json()
    assert resp.status == 200 and body["status"] == "healthy" and body["version"]
    resp = await client.get("/api/health")  # EchoStats' route names EchoStats' service
    assert {k: v for k, v in (await resp.json()).items() if k != "uptime_seconds"} == {
        "status": "healthy", "service": "echostats-api", "version": "0.1.0"}
    assert body["service"] == "chorus"
    resp = await client.get("/api/health/ready")
    assert resp.status == 200 and await resp.json() == {"status": "ready"}


async def test_ready_reports_a_broken_store(client):
    await ctx_of(client).store.close()
    resp = await client.get("/api/health/ready")
    assert resp.status == 503
    assert await resp.json() == {"status": "not_ready", "reason": "database not connected"}


async def test_update_check_says_latest_is_unknown_offline(client):
    body = await (await client.get("/api/health/update")).json()
    assert body["current_version"] and body["latest_version"] is None
    assert body["update_available"] is False and "reason" in body


METRICS_TOKEN = "scrape-me-0123456789abcdef"
SCRAPER = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture
async def metered(make_client):
    """Chorus with /metrics turned on by a token, as a Prometheus operator runs it."""
    return await make_client(metrics_token=METRICS_TOKEN)


async def test_metrics_are_off_without_a_token_setting(client):
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer anything"}):
        resp = await client.get("/metrics", headers=headers)
        text = await resp.text()
        assert resp.status == 404 and "chorus_users" not in text and "chorus_http" not in text


async def test_metrics_need_the_configured_bearer_token(metered):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN},
                    {"Authorization": f"Basic {METRICS_TOKEN}"},
                    {"Authorization": f"Bearer {METRICS_TOKEN}x"}):
        resp = await metered.get("/metrics", headers=headers)
        assert resp.status == 401 and "chorus_users" not in await resp.text()
        assert resp.headers["WWW-Authenticate"] == "Bearer"
    resp = await metered.get("/metrics", headers=SCRAPER)
    assert resp.status == 200 and "chorus_users" in await resp.text()
    for path in ("/health", "/api/health", "/api/health/ready"):  # probes stay public
        assert (await metered.get(path)).status == 200


async def test_metrics_are_prometheus_text(metered):
    client = metered
    await client.get("/health")
    resp = await client.get("/metrics", headers=SCRAPER)
    text = await resp.text()
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert 'chorus_http_requests_total{method="GET",route="/health",status="200"}' in text
    assert "chorus_users 0.0" in text


async def test_security_headers_on_every_response(client):
    for path in ("/health", "/api/get_user", "/no/such/path"):
        resp = await client.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "Referrer-Policy" in resp.headers


async def test_a_websocket_upgrade_carries_no_document_headers(client):
    url = str(client.make_url("/connection/websocket")).replace("http", "ws", 1)
    async with connect(url, proxy=None) as ws:
        assert ws.response is not None and ws.response.status_code == 101
        assert "X-Frame-Options" not in ws.response.headers
        assert "X-Content-Type-Options" not in ws.response.headers
        assert ws.response.headers["Upgrade"].lower() == "websocket"


async def test_cors_allows_listed_origins_only(make_client):
    client = await make_client(cors_origins="https://app.example")
    resp = await client.options("/api/login", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert resp.status == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    resp = await client.options("/api/login", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert resp.status == 403 and "Access-Control-Allow-Origin" not in resp.headers
    resp = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_large_bodies_are_gzipped_when_accepted(metered):
    client = metered
    await client.get("/health")
    resp = await client.get("/metrics", headers={"Accept-Encoding": "gzip", **SCRAPER})
    # /metrics is larger than the threshold once requests were counted
    assert resp.headers.get("Content-Encoding") == "gzip"
    assert "chorus_http_requests" in await resp.text()
    resp = await client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in resp.headers  # small bodies are left alone


async def test_unknown_route_answers_in_the_dialect_of_its_prefix(client):
    resp = await client.get("/api/v1/users/nothing-here")
    assert resp.status == 404 and "detail" in await resp.json()
    resp = await client.get("/api/nothing-here")
    assert resp.status == 404 and "error" in await resp.json()


async def test_overall_rate_limit_answers_429_with_retry_after(make_client):
    client = await make_client(rate_limit=3, rate_limit_window=60)
    statuses = [(await client.get("/api/get_user")).status for _ in range(3)]
    assert statuses == [401, 401, 401]
    resp = await client.get("/api/get_user")
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert await resp.json() == {"error": "Too many requests. Please slow down."}
    # health is never limited
    assert (await client.get("/health")).status == 200


async def test_endpoint_rate_limit_of_sono(make_client):
    client = await make_client(endpoint_rate_limits=True)
    for _ in range(3):
        resp = await client.post("/api/v1/users/forgot-password", json={"email": "x@example.com"})
        assert resp.status != 429
    resp = await client.post("/api/v1/users/forgot-password", json={"email": "x@example.com"})
    assert resp.status == 429 and "detail" in await resp.json()
    assert int(resp.headers["Retry-After"]) > 60  # 3 per hour


@pytest.mark.parametrize(("path", "key"), [("/api/get_user", "error"),
                                           ("/api/v1/users/me", "detail")])
async def test_maintenance_mode_answers_503_but_health_works(client, path, key):
    ctx = ctx_of(client)
    await set_maintenance(ctx, is_admin=True, enabled=True, message="Back at 3pm")
    resp = await client.get(path)
    assert resp.status == 503 and resp.headers["Retry-After"] == "3600"
    assert (await resp.json())[key] == "Back at 3pm"
    assert (await client.get("/health")).status == 200
    await set_maintenance(ctx, is_admin=True, enabled=False)
    assert (await client.get(path)).status != 503


async def test_maintenance_mode_survives_a_restart(make_client, tmp_path):
    client = await make_client(data_dir=tmp_path / "keep")
    await set_maintenance(ctx_of(client), is_admin=True, enabled=True, message="Upgrading")
    await client.close()
    client = await make_client(data_dir=tmp_path / "keep")
    assert (await client.get("/api/get_user")).status == 503


async def test_slow_handler_times_out_in_dialect_shape(aiohttp_client, tmp_path):
    import asyncio

    from aiohttp import web

    from handlers.api.spoton import spoton
    from hub.app import create_app
    from tests.conftest import make_config

    async def sleepy(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response()

    app = await create_app(make_config(tmp_path / "slow", request_timeout=0.2))
    # a route added for this test only, to exercise the middleware's time budget
    spoton.add(app.router, "GET", "/api/test-sleep", sleepy)
    client = await aiohttp_client(app)
    resp = await client.get("/api/test-sleep")
    assert resp.status == 504
    assert await resp.json() == {"error": "Request timed out"}
