"""`GET|POST /consent` over HTTP: the notice, the recorded consent, and Openwhyd's redirect
rules (302 on this site, 403 and nothing recorded off it)."""

from __future__ import annotations

from handlers.api.openwhyd.consent import CONSENT_TYPE
from tests.conftest import STRONG_PASSWORD, ctx_of


async def signed_in(client) -> int:
    resp = await client.post("/register", data={
        "name": "Ada", "email": "ada@example.com", "handle": "ada",
        "password": STRONG_PASSWORD, "ajax": "1"})
    return int((await resp.json())["uId"])


async def consents(client, user_id: int):
    return await ctx_of(client).store.consents.list(user_id)


async def test_consent_is_recorded_and_the_browser_sent_on(client):
    uid = await signed_in(client)
    for target in ("/stream", str(client.make_url("/stream"))):
        resp = await client.post("/consent", data={"lang": "fr", "redirect": target},
                                 allow_redirects=False)
        assert resp.status == 302 and resp.headers["Location"] == target
    found = await consents(client, uid)
    assert [(c.consent_type, c.consent_version) for c in found] == [(CONSENT_TYPE, "fr")] * 2
    resp = await client.post("/consent", data={"lang": "en"}, allow_redirects=False)
    assert resp.headers["Location"] == "/"


async def test_a_redirect_off_site_is_forbidden_and_records_nothing(client):
    uid = await signed_in(client)
    origin = str(client.make_url("")).rstrip("/")
    for target in ("http://google.com", f"{origin}@google.com", "<script>x</script>",
                   "//google.com/"):
        resp = await client.post("/consent", data={"lang": "en", "redirect": target},
                                 allow_redirects=False)
        assert resp.status == 403, target
        assert "Location" not in resp.headers
    resp = await client.post("/consent", data={"lang": "xx"}, allow_redirects=False)
    assert resp.status == 400 and await resp.json() == {"error": "invalid parameter: lang"}
    assert await consents(client, uid) == []


async def test_consent_needs_a_signed_in_user_from_this_site(client):
    resp = await client.post("/consent", data={"lang": "en"}, allow_redirects=False)
    assert resp.status == 401 and await resp.json() == {"error": "Please login first"}
    uid = await signed_in(client)
    resp = await client.post("/consent", data={"lang": "en"},
                             headers={"Origin": "https://evil.example"}, allow_redirects=False)
    assert resp.status == 403
    assert await consents(client, uid) == []


async def test_the_notice_page_carries_a_checked_redirect(client):
    await signed_in(client)
    resp = await client.get("/consent", params={"redirect": "/hot"})
    page = await resp.text()
    assert resp.status == 200 and 'action="/consent"' in page
    assert '<input type="hidden" name="redirect" value="/hot">' in page
    resp = await client.get("/consent", params={"redirect": "<script>"})
    assert resp.status == 400 and "<script>" not in await resp.text()
