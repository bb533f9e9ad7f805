"""Spotizerr's /api/auth account endpoints over HTTP, in its documented shapes."""

from __future__ import annotations

import re

from tests.conftest import STRONG_PASSWORD, ctx_of

ADMIN = {"admin_username": "boss", "admin_password": STRONG_PASSWORD,
         "admin_email": "boss@example.com"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
NEW_PASSWORD = "N3w-password!"
USER_KEYS = {"username", "email", "role", "created_at", "last_login", "sso_provider",
             "is_sso_user"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def register(client, username="ada", email="ada@example.com", password=STRONG_PASSWORD):
    resp = await client.post("/api/auth/register",
                             json={"username": username, "password": password, "email": email})
    return resp, await resp.json()


async def login(client, username="ada", password=STRONG_PASSWORD):
    resp = await client.post("/api/auth/login", json={"username": username, "password": password})
    return resp, await resp.json()


async def token_of(client, username="ada", password=STRONG_PASSWORD):
    resp, body = await login(client, username, password)
    assert resp.status == 200, body
    return body["access_token"]


async def signed_up(client, username="ada", email="ada@example.com"):
    resp, body = await register(client, username, email)
    assert resp.status == 200, body
    return await token_of(client, username)


async def admin_client(make_client):
    client = await make_client(**ADMIN)
    return client, await token_of(client, "boss")


def assert_error(body, error=None):
    assert set(body) == {"error", "details", "detail"}
    assert isinstance(body["error"], str) and isinstance(body["details"], str)
    if error is not None:
        assert body["error"] == error


# -- status ----------------------------------------------------------------------------------


async def test_status_of_an_anonymous_caller(client):
    resp = await client.get("/api/auth/status")
    assert resp.status == 200
    assert await resp.json() == {"auth_enabled": True, "authenticated": False, "user": None,
                                 "registration_enabled": True, "sso_enabled": False,
                                 "sso_providers": []}


async def test_status_with_a_token_names_the_user(client):
    token = await signed_up(client)
    body = await (await client.get("/api/auth/status", headers=bearer(token))).json()
    assert body["authenticated"] is True and body["auth_enabled"] is True
    assert body["user"]["username"] == "ada" and body["user"]["role"] == "user"


async def test_status_with_a_bad_token_is_simply_signed_out(client):
    resp = await client.get("/api/auth/status", headers=bearer("not-a-jwt"))
    body = await resp.json()
    assert resp.status == 200 and body["authenticated"] is False and body["user"] is None


# -- registration ----------------------------------------------------------------------------


async def test_register_creates_a_plain_user(client):
    resp, body = await register(client)
    assert resp.status == 200 and body == {"message": "User created successfully"}
    user = await ctx_of(client).store.users.by_username("ada")
    assert user.role == "user" and user.email == "ada@example.com"


async def test_register_without_email_is_allowed(client):
    resp = await client.post("/api/auth/register",
                             json={"username": "bob", "password": STRONG_PASSWORD})
    assert resp.status == 200
    assert (await ctx_of(client).store.users.by_username("bob")).email is None


async def test_register_refuses_a_taken_username_or_email(client):
    await register(client)
    resp, body = await register(client, email="other@example.com")
    assert resp.status == 409
    assert_error(body, "Username already exists")
    resp, body = await register(client, username="other")
    assert resp.status == 409
    assert_error(body, "Email already registered")


async def test_register_refuses_a_weak_password_and_creates_nothing(client):
    resp, body = await register(client, password="weakpass")
    assert resp.status == 400
    assert_error(body)
    assert body["error"].startswith("Password must")
    assert "password: Password must contain at least one uppercase letter" in body["details"]
    # the web UI shows FastAPI's `detail`: it names every rule the password broke
    assert body["detail"] == ("Password must contain at least one uppercase letter; "
                              "Password must contain at least one number; "
                              "Password must contain at least one special character")
    assert await ctx_of(client).store.users.by_username("ada") is None


async def test_register_refuses_missing_fields_and_bad_json(client):
    resp = await client.post("/api/auth/register", json={"username": "ada"})
    body = await resp.json()
    assert resp.status == 400
    assert_error(body, "Invalid request body")
    assert "password" in body["details"]
    resp = await client.post("/api/auth/register", json={"username": " ",
                                                         "password": STRONG_PASSWORD})
    assert resp.status == 400 and "username" in (await resp.json())["details"]
    resp = await client.post("/api/auth/register", data=b"{nope",
                             headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert_error(await resp.json(), "Invalid request body")
    assert await ctx_of(client).store.users.count() == 0


# -- login -----------------------------------------------------------------------------------


async def test_login_returns_the_documented_shape(client):
    await register(client)
    resp, body = await login(client)
    assert resp.status == 200
    assert set(body) == {"access_token", "token_type", "user"}
    assert body["token_type"] == "bearer" and body["access_token"].count(".") == 2
    user = body["user"]
    assert set(user) == USER_KEYS
    assert user["username"] == "ada" and user["email"] == "ada@example.com"
    assert user["role"] == "user" and user["sso_provider"] is None and user["is_sso_user"] is False
    assert ISO.match(user["created_at"]) and ISO.match(user["last_login"])


async def test_login_by_email_works(client):
    await register(client)
    resp, _ = await login(client, "ADA@example.com")
    assert resp.status == 200


async def test_login_failures_do_not_tell_which_part_was_wrong(client):
    await register(client)
    wrong, wrong_body = await login(client, "ada", "Wr0ng-password!")
    unknown, unknown_body = await login(client, "nobody")
    assert wrong.status == unknown.status == 401
    assert wrong_body == unknown_body
    assert_error(wrong_body, "Invalid username or password")


async def test_login_failures_stay_vague_with_legacy_errors(make_client):
    client = await make_client(legacy_account_errors=True)
    await register(client)
    _, wrong = await login(client, "ada", "Wr0ng-password!")
    _, unknown = await login(client, "nobody")
    assert wrong == unknown
    assert_error(wrong, "Invalid username or password")


async def test_the_access_token_works_on_other_dialects(client):
    token = await signed_up(client)
    resp = await client.get("/api/get_user", headers=bearer(token))
    assert resp.status == 200 and (await resp.json())["username"] == "ada"


# -- logout and profile ----------------------------------------------------------------------


async def test_profile_needs_a_token(client):
    resp = await client.get("/api/auth/profile")
    assert resp.status == 401
    assert await resp.json() == {"error": "Authentication required",
                                 "details": "Not authenticated",
                                 "detail": "Authentication required"}


async def test_profile_shows_the_signed_in_user(client):
    token = await signed_up(client)
    resp = await client.get("/api/auth/profile", headers=bearer(token))
    body = await resp.json()
    assert resp.status == 200 and set(body) == USER_KEYS
    assert body["username"] == "ada" and body["is_sso_user"] is False


async def test_logout_revokes_the_token(client):
    token = await signed_up(client)
    other = await token_of(client)
    resp = await client.post("/api/auth/logout", headers=bearer(token))
    assert resp.status == 200 and await resp.json() == {"message": "Logged out successfully"}
    resp = await client.get("/api/auth/profile", headers=bearer(token))
    assert resp.status == 401
    assert_error(await resp.json(), "Authentication required")
    # only that session ended
    assert (await client.get("/api/auth/profile", headers=bearer(other))).status == 200


async def test_logout_without_a_token_still_answers(client):
    resp = await client.post("/api/auth/logout")
    assert resp.status == 200 and await resp.json() == {"message": "Logged out successfully"}


async def test_password_change_ends_other_sessions(client):
    token = await signed_up(client)
    other = await token_of(client)
    resp = await client.put("/api/auth/profile/password", headers=bearer(token),
                            json={"current_password": STRONG_PASSWORD,
                                  "new_password": NEW_PASSWORD})
    assert resp.status == 200
    assert await resp.json() == {"message": "Password changed successfully"}
    assert (await client.get("/api/auth/profile", headers=bearer(token))).status == 200
    assert (await client.get("/api/auth/profile", headers=bearer(other))).status == 401
    assert (await login(client))[0].status == 401
    assert (await login(client, password=NEW_PASSWORD))[0].status == 200


async def test_password_change_failures_change_nothing(client):
    token = await signed_up(client)
    resp = await client.put("/api/auth/profile/password", headers=bearer(token),
                            json={"current_password": "Wr0ng-password!",
                                  "new_password": NEW_PASSWORD})
    assert resp.status == 401
    assert_error(await resp.json(), "Current password is incorrect")
    resp = await client.put("/api/auth/profile/password", headers=bearer(token),
                            json={"current_password": STRONG_PASSWORD, "new_password": "short"})
    body = await resp.json()
    assert resp.status == 400 and body["details"].startswith("new_password: ")
    resp = await client.put("/api/auth/profile/password",
                            json={"current_password": STRONG_PASSWORD,
                                  "new_password": NEW_PASSWORD})
    assert resp.status == 401
    assert (await login(client))[0].status == 200


# -- one user base ---------------------------------------------------------------------------


async def test_a_spot_on_account_signs_in_through_spotizerr(client):
    resp = await client.post("/api/register", json={
        "name": "Ada", "surname": "L", "username": "ada", "email": "ada@example.com",
        "password": STRONG_PASSWORD})
    assert resp.status == 201
    resp, body = await login(client)
    assert resp.status == 200 and body["user"]["email"] == "ada@example.com"


async def test_a_spotizerr_account_signs_in_through_spot_on(client):
    await register(client)
    resp = await client.post("/api/login", json={"username": "ada", "password": STRONG_PASSWORD})
    assert resp.status == 200 and (await resp.json())["email"] == "ada@example.com"


# -- admin: list and create ------------------------------------------------------------------


async def test_user_management_needs_a_token(client):
    calls = [("GET", "/api/auth/users", None),
             ("POST", "/api/auth/users/create", {"username": "x1", "password": STRONG_PASSWORD}),
             ("DELETE", "/api/auth/users/ada", None),
             ("PUT", "/api/auth/users/ada/role", {"role": "admin"}),
             ("PUT", "/api/auth/users/ada/password", {"new_password": NEW_PASSWORD})]
    for method, path, body in calls:
        resp = await client.request(method, path, json=body)
        assert resp.status == 401, path
        assert_error(await resp.json(), "Authentication required")


async def test_user_management_is_for_admins_only(make_client):
    client, _ = await admin_client(make_client)
    token = await signed_up(client)
    await register(client, "bob", "bob@example.com")
    calls = [("GET", "/api/auth/users", None),
             ("POST", "/api/auth/users/create", {"username": "x1", "password": STRONG_PASSWORD}),
             ("DELETE", "/api/auth/users/bob", None),
             ("DELETE", "/api/auth/users/ghost", None),
             ("PUT", "/api/auth/users/bob/role", {"role": "admin"}),
             ("PUT", "/api/auth/users/ada/role", {"role": "admin"}),
             ("PUT", "/api/auth/users/bob/password", {"new_password": NEW_PASSWORD})]
    for method, path, body in calls:
        resp = await client.request(method, path, json=body, headers=bearer(token))
        assert resp.status == 403, path
        assert_error(await resp.json(), "Admin access required")
    store = ctx_of(client).store
    assert (await store.users.by_username("bob")).role == "user"
    assert (await store.users.by_username("ada")).role == "user"
    assert await store.users.by_username("x1") is None
    assert (await login(client, "bob"))[0].status == 200


async def test_admin_lists_users(make_client):
    client, admin = await admin_client(make_client)
    await register(client)
    resp = await client.get("/api/auth/users", headers=bearer(admin))
    body = await resp.json()
    assert resp.status == 200
    assert [(u["username"], u["role"]) for u in body] == [("boss", "admin"), ("ada", "user")]
    assert all(set(u) == USER_KEYS for u in body)
    assert body[1]["last_login"] is None and ISO.match(body[1]["created_at"])


async def test_admin_creates_users_with_a_role(make_client):
    client, admin = await admin_client(make_client)
    resp = await client.post("/api/auth/users/create", headers=bearer(admin), json={
        "username": "carol", "password": STRONG_PASSWORD, "email": "carol@example.com",
        "role": "admin"})
    assert resp.status == 200 and await resp.json() == {"message": "User created successfully"}
    resp, body = await login(client, "carol")
    assert resp.status == 200 and body["user"]["role"] == "admin"
    resp = await client.get("/api/auth/users", headers=bearer(body["access_token"]))
    assert resp.status == 200


async def test_admin_create_refuses_bad_input(make_client):
    client, admin = await admin_client(make_client)
    await register(client)
    base = {"username": "carol", "password": STRONG_PASSWORD, "email": "carol@example.com"}
    cases = [({**base, "username": "ada"}, 409, "Username already exists"),
             ({**base, "email": "ada@example.com"}, 409, "Email already registered"),
             ({**base, "password": "weak"}, 400, None),
             ({**base, "role": "superuser"}, 400, "Role must be 'user' or 'admin'"),
             ({"username": "carol"}, 400, "Invalid request body")]
    for payload, status, error in cases:
        resp = await client.post("/api/auth/users/create", headers=bearer(admin), json=payload)
        assert resp.status == status, payload
        assert_error(await resp.json(), error)
    assert await ctx_of(client).store.users.by_username("carol") is None


# -- admin: delete, role, password -----------------------------------------------------------


async def test_admin_deletes_a_user(make_client):
    client, admin = await admin_client(make_client)
    token = await signed_up(client)
    resp = await client.delete("/api/auth/users/ada", headers=bearer(admin))
    assert resp.status == 200 and await resp.json() == {"message": "User deleted successfully"}
    assert (await client.get("/api/auth/profile", headers=bearer(token))).status == 401
    assert (await login(client))[0].status == 401
    resp = await client.delete("/api/auth/users/ada", headers=bearer(admin))
    assert resp.status == 404
    assert_error(await resp.json(), "User not found")


async def test_admin_cannot_delete_themselves(make_client):
    client, admin = await admin_client(make_client)
    resp = await client.delete("/api/auth/users/boss", headers=bearer(admin))
    assert resp.status == 400
    assert_error(await resp.json(), "Cannot delete your own account")
    assert (await client.get("/api/auth/profile", headers=bearer(admin))).status == 200


async def test_admin_changes_roles(make_client):
    client, admin = await admin_client(make_client)
    token = await signed_up(client)
    assert (await client.get("/api/auth/users", headers=bearer(token))).status == 403
    resp = await client.put("/api/auth/users/ada/role", headers=bearer(admin),
                            json={"role": "admin"})
    assert resp.status == 200
    assert await resp.json() == {"message": "User role updated successfully"}
    assert (await client.get("/api/auth/users", headers=bearer(token))).status == 200
    resp = await client.put("/api/auth/users/ada/role", headers=bearer(admin),
                            json={"role": "user"})
    assert resp.status == 200
    assert (await client.get("/api/auth/users", headers=bearer(token))).status == 403


async def test_role_changes_refuse_bad_input(make_client):
    client, admin = await admin_client(make_client)
    await register(client)
    resp = await client.put("/api/auth/users/ada/role", headers=bearer(admin),
                            json={"role": "owner"})
    assert resp.status == 400
    assert_error(await resp.json(), "Role must be 'user' or 'admin'")
    resp = await client.put("/api/auth/users/ghost/role", headers=bearer(admin),
                            json={"role": "admin"})
    assert resp.status == 404
    assert_error(await resp.json(), "User not found")
    resp = await client.put("/api/auth/users/boss/role", headers=bearer(admin),
                            json={"role": "user"})
    assert resp.status == 400
    assert_error(await resp.json(), "You cannot remove your own admin role")
    store = ctx_of(client).store
    assert (await store.users.by_username("boss")).role == "admin"
    assert (await store.users.by_username("ada")).role == "user"


async def test_admin_resets_a_password_and_ends_that_users_sessions(make_client):
    client, admin = await admin_client(make_client)
    token = await signed_up(client)
    resp = await client.put("/api/auth/users/ada/password", headers=bearer(admin),
                            json={"new_password": NEW_PASSWORD})
    assert resp.status == 200 and await resp.json() == {"message": "Password reset successfully"}
    assert (await client.get("/api/auth/profile", headers=bearer(token))).status == 401
    assert (await login(client))[0].status == 401
    assert (await login(client, password=NEW_PASSWORD))[0].status == 200


async def test_admin_password_reset_refuses_bad_input(make_client):
    client, admin = await admin_client(make_client)
    await register(client)
    resp = await client.put("/api/auth/users/ada/password", headers=bearer(admin),
                            json={"new_password": "weak"})
    body = await resp.json()
    assert resp.status == 400 and body["details"].startswith("new_password: ")
    resp = await client.put("/api/auth/users/ghost/password", headers=bearer(admin),
                            json={"new_password": NEW_PASSWORD})
    assert resp.status == 404
    assert_error(await resp.json(), "User not found")
    assert (await login(client))[0].status == 200


async def test_unknown_auth_paths_answer_in_spotizerr_shape(client):
    resp = await client.get("/api/auth/nothing-here")
    assert resp.status == 404
    assert_error(await resp.json())
