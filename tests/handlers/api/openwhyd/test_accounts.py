"""Openwhyd's sign-in routes over HTTP: /login (login, logout, forgot), /register, in its
documented shapes; accounts shared with Spot On."""

from __future__ import annotations

import hashlib

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.reset_mail import reset_mails

MD5 = hashlib.md5(STRONG_PASSWORD.encode()).hexdigest()
WRONG_MD5 = hashlib.md5(b"Not-the-password1").hexdigest()
FORGOT_OK = {"ok": "We just sent you an email to reset your password, wait for it!"}
UNKNOWN_EMAIL = {"error": "Are you sure? We don't recognize your email address!"}


async def signup(client, **overrides):
    form = {"name": "Ada Lovelace", "email": "ada@example.com", "password": STRONG_PASSWORD,
            "handle": "ada", "ajax": "true", **overrides}
    resp = await client.post("/register", data={k: v for k, v in form.items() if v is not None})
    assert resp.status == 200
    return resp, await resp.json()


async def login(client, **params):
    resp = await client.get("/login", params={"action": "login", "ajax": "true", **params})
    assert resp.status == 200
    return resp, await resp.json()


def session_cookie(client):
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["chorus_session"].value


async def test_login_with_md5_by_email_sets_the_session_cookie_and_redirects_home(client):
    await signup(client)
    client.session.cookie_jar.clear()
    resp, body = await login(client, email="ada@example.com", md5=MD5)
    assert body == {"redirect": "/"}
    assert "chorus_session" in resp.cookies
    me = await client.get("/api/user")
    assert me.status == 200 and (await me.json())["email"] == "ada@example.com"


async def test_login_by_handle_with_a_plain_password_posted_as_a_form(client):
    await signup(client)
    resp = await client.post("/login", data={"action": "login", "ajax": "1", "email": "ada",
                                             "password": STRONG_PASSWORD})
    assert resp.status == 200 and await resp.json() == {"redirect": "/"}
    assert "chorus_session" in resp.cookies


async def test_login_as_json_body_with_uppercase_md5_and_a_safe_redirect(client):
    await signup(client)
    resp = await client.post("/login", json={"action": "login", "ajax": True,
                                             "email": "ADA@example.com", "md5": MD5.upper(),
                                             "redirect": "/u/1/playlists"})
    assert await resp.json() == {"redirect": "/u/1/playlists"}


async def test_include_user_adds_the_user_with_its_counts(client):
    _, registered = await signup(client)
    _, body = await login(client, email="ada", md5=MD5, includeUser="true")
    user = body["user"]
    assert user["_id"] == registered["uId"] and user["name"] == "Ada Lovelace"
    assert user["handle"] == "ada" and user["email"] == "ada@example.com"
    assert {k: user[k] for k in ("nbLikes", "nbPosts", "nbSubscribers", "nbSubscriptions")} == {
        "nbLikes": 0, "nbPosts": 0, "nbSubscribers": 0, "nbSubscriptions": 0}
    assert "password_hash" not in user and "pwd" not in user


async def test_wrong_password_and_unknown_email_get_one_answer_by_default(client):
    await signup(client)
    client.session.cookie_jar.clear()
    wrong_resp, wrong = await login(client, email="ada@example.com", md5=WRONG_MD5)
    _, unknown = await login(client, email="nobody@example.com", md5=MD5)
    expected = {"wrongPassword": 1, "error": "Your email or password seems wrong... Try again!"}
    assert wrong == unknown == expected
    assert "chorus_session" not in wrong_resp.cookies


async def test_legacy_account_errors_tell_unknown_email_from_wrong_password(make_client):
    client = await make_client(legacy_account_errors=True)
    await signup(client)
    _, wrong = await login(client, email="ada@example.com", md5="qq")
    _, unknown = await login(client, email="qq", md5=MD5)
    assert wrong == {"wrongPassword": 1, "error": "Your password seems wrong... Try again!"}
    assert unknown == UNKNOWN_EMAIL


async def test_missing_password_is_asked_for(client):
    await signup(client)
    _, body = await login(client, email="ada@example.com")
    assert body == {"error": "Please enter your password below:"}


async def test_unsafe_redirects_are_refused_before_signing_in(client):
    await signup(client)
    client.session.cookie_jar.clear()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)",
                   "/\\evil.example", "https:evil.example", " //evil.example"):
        resp, body = await login(client, email="ada", md5=MD5, redirect=target)
        assert body == {"error": "Unsafe redirect target"}, target
        assert "chorus_session" not in resp.cookies
    _, body = await login(client, email="ada", md5=MD5,
                          redirect=str(client.make_url("/stream")))
    assert body == {"redirect": str(client.make_url("/stream"))}


async def test_html_login_shows_an_escaped_form_and_a_redirect_page(client):
    await signup(client)
    resp = await client.get("/login")
    assert resp.status == 200 and resp.content_type == "text/html"
    assert 'name="email"' in await resp.text()
    resp = await client.post("/login", data={"action": "login", "email": "<b>x</b>",
                                             "password": "nope"})
    page = await resp.text()
    assert resp.content_type == "text/html" and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page and "seems wrong" in page
    resp = await client.post("/login", data={"action": "login", "email": "ada",
                                             "password": STRONG_PASSWORD, "redirect": "/hot"},
                             allow_redirects=False)
    assert resp.status == 200 and resp.content_type == "text/html"
    page = await resp.text()
    assert f"window.location.href = '{client.make_url('/hot')}';" in page
    assert "chorus_session" in resp.cookies and "whydSid" in resp.cookies


async def test_a_non_ajax_login_page_uses_the_public_url(make_client):
    client = await make_client(public_url="https://music.example.org")
    await signup(client)
    resp = await client.post("/login", data={"action": "login", "email": "ada", "md5": MD5,
                                             "redirect": "/stream"})
    assert resp.status == 200
    assert "window.location.href = 'https://music.example.org/stream';" in await resp.text()
    resp = await client.post("/login", data={"action": "login", "email": "ada", "md5": MD5})
    assert "window.location.href = 'https://music.example.org/';" in await resp.text()


SCRIPT = "<script>alert(document.cookie)</script>"


async def test_script_and_foreign_redirects_never_reach_a_location_or_the_page(client):
    await signup(client)
    client.session.cookie_jar.clear()
    for target in (SCRIPT, "javascript:alert()", "https://google.com", "stream",
                   "/%22%3E%3C/script%3E", "/a b", "/x'y", "http://127.0.0.1@evil.example/"):
        resp = await client.post("/login", data={"action": "login", "email": "ada",
                                                 "md5": MD5, "redirect": target},
                                 allow_redirects=False)
        page = await resp.text()
        assert resp.status == 200 and "Location" not in resp.headers, target
        if target.startswith("/%22"):  # percent-encoded: a harmless path on this site
            assert "window.location.href" in page and "<script>alert" not in page
            continue
        assert "window.location.href" not in page and "Unsafe redirect target" in page, target
        assert SCRIPT not in page and "chorus_session" not in resp.cookies, target


async def test_the_whydsid_cookie_opens_the_same_session(client):
    _, body = await signup(client)
    uid = body["uId"]
    jar = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    assert jar["whydSid"].value == jar["chorus_session"].value
    token = jar["whydSid"].value
    client.session.cookie_jar.clear()
    resp = await client.get("/api/user", headers={"Cookie": f"whydSid={token}"})
    assert (await resp.json())["_id"] == uid
    resp = await client.get("/api/user", headers={"Cookie": f"chorus_session={token}"})
    assert (await resp.json())["_id"] == uid
    resp = await client.get("/login", params={"action": "logout", "ajax": "true"},
                            headers={"Cookie": f"whydSid={token}"})
    assert resp.cookies["whydSid"].value == "" and resp.cookies["chorus_session"].value == ""
    resp = await client.get("/api/user", headers={"Cookie": f"chorus_session={token}"})
    assert resp.status == 401  # logging out under one name ended the one session


async def test_logout_revokes_the_session_even_for_a_kept_cookie(client):
    await signup(client)
    cookie = session_cookie(client)
    resp = await client.get("/login", params={"action": "logout", "ajax": "1"})
    assert resp.status == 200 and await resp.json() == {"action": "logout"}
    resp = await client.get("/api/user", cookies={"chorus_session": cookie})
    assert resp.status == 401 and await resp.json() == {"error": "Please login first"}


async def test_forgot_password_answers_the_same_for_unknown_accounts(client):
    await signup(client)
    resp = await client.get("/login", params={"action": "forgot", "ajax": "1", "email": "ada"})
    assert await resp.json() == FORGOT_OK
    mails = await reset_mails(client, "ada@example.com")
    assert len(mails) == 1 and "reset-password?token=" in mails[0].body
    resp = await client.get("/login", params={"action": "forgot", "ajax": "1",
                                              "email": "nobody@example.com"})
    assert await resp.json() == FORGOT_OK
    assert await reset_mails(client, "nobody@example.com") == []


async def test_forgot_password_with_legacy_errors_names_unknown_emails(make_client):
    client = await make_client(legacy_account_errors=True)
    await signup(client)
    resp = await client.post("/login", data={"action": "forgot", "ajax": "1",
                                             "email": "ada@example.com"})
    assert await resp.json() == FORGOT_OK
    resp = await client.post("/login", data={"action": "forgot", "ajax": "1",
                                             "email": "nobody@example.com"})
    assert await resp.json() == UNKNOWN_EMAIL


async def test_register_signs_the_new_user_in(client):
    resp, body = await signup(client, redirect="/welcome")
    assert body["redirect"] == "/welcome" and body["uId"].isdigit()
    assert "chorus_session" in resp.cookies
    me = await (await client.get("/api/user")).json()
    assert me["_id"] == body["uId"] and me["handle"] == "ada"


async def test_register_with_md5_only_then_login_with_the_plain_password(client):
    _, body = await signup(client, password=None, md5=MD5)
    assert "uId" in body
    client.session.cookie_jar.clear()
    _, body = await login(client, email="ada@example.com", password=STRONG_PASSWORD)
    assert body == {"redirect": "/"}


async def test_register_refuses_a_duplicate_email_and_changes_nothing(client):
    await signup(client)
    _, body = await signup(client, handle="other", name="Other")
    assert body == {"error": "This email address is already registered on whyd"}
    assert await ctx_of(client).store.users.by_username("other") is None


async def test_register_without_password_creates_nobody_and_signs_nobody_in(client):
    resp, body = await signup(client, password="", md5="")
    assert body == {"error": "Please enter a password"}
    assert "chorus_session" not in resp.cookies
    assert await ctx_of(client).store.users.by_email("ada@example.com") is None
    resp = await client.get("/api/user")
    assert await resp.json() == {"error": "Please login first"}


async def test_register_applies_the_password_policy_and_reserved_handles(client):
    _, body = await signup(client, password="short")
    assert body["error"].startswith("Password must")
    _, body = await signup(client, handle="login")
    assert body == {"error": "This username is reserved"}
    _, body = await signup(client, redirect="https://evil.example/")
    assert body == {"error": "Unsafe redirect target"}
    assert await ctx_of(client).store.users.by_email("ada@example.com") is None


async def test_openwhyd_signup_logs_in_on_spot_on(client):
    await signup(client)
    resp = await client.post("/api/login", json={"username": "ada@example.com",
                                                 "password": STRONG_PASSWORD})
    assert resp.status == 200 and (await resp.json())["message"] == "Login successful"


async def test_spot_on_signup_logs_in_on_openwhyd_with_md5(client):
    resp = await client.post("/api/register", json={
        "username": "grace", "email": "grace@example.com", "password": STRONG_PASSWORD,
        "name": "Grace"})
    assert resp.status == 201
    client.session.cookie_jar.clear()
    for login_name in ("grace@example.com", "grace"):
        resp, body = await login(client, email=login_name, md5=MD5)
        assert body == {"redirect": "/"} and "chorus_session" in resp.cookies


async def test_a_non_ajax_register_answers_the_redirect_page_with_both_cookies(client):
    resp = await client.post("/register", data={
        "name": "Ada", "email": "ada@example.com", "password": STRONG_PASSWORD,
        "redirect": "/hot"}, allow_redirects=False)
    assert resp.status == 200 and resp.content_type == "text/html"
    assert f"window.location.href = '{client.make_url('/hot')}';" in await resp.text()
    assert resp.cookies["whydSid"].value == resp.cookies["chorus_session"].value
