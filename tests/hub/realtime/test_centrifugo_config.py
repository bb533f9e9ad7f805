"""Reading a Centrifugo v6 configuration: JSON file, CENTRIFUGO_* variables (which win),
durations, Centrifugo's start-up checks, and the namespaces Chorus makes of it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from hub.config import load_config
from hub.keys import node_key
from hub.realtime.centrifugo_config import (
    ConfigError,
    channel_rules,
    load_centrifugo_config,
    parse_duration,
)
from hub.realtime.centrifugo_token import TokenVerifier
from hub.realtime.channels import CHORUS_NAMESPACES, Access
from hub.realtime.types import AuthError

KEY = "k" * 32


def write(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


FILE = {
    "log": {"level": "info"},  # other sections of a real file are left alone
    "client": {"token": {"hmac_secret_key": KEY}},
    "channel": {
        "without_namespace": {"presence": True},
        "namespaces": [{"name": "chat", "history_size": 10, "history_ttl": "5m",
                        "force_recovery": True, "allow_subscribe_for_client": True}],
    },
    "http_api": {"key": "api-key"},
}


# ---- file and environment ---------------------------------------------------------------------


def test_nothing_configured_means_no_centrifugo_configuration():
    assert load_centrifugo_config(None, {"PATH": "/bin"}) is None
    rules = channel_rules(None)
    assert set(rules.namespaces) == {ns.name for ns in CHORUS_NAMESPACES}
    assert rules.without_namespace is None and rules.namespace("lobby") is None


def test_the_file_gives_tokens_namespaces_durations_and_the_api_key(tmp_path):
    config = load_centrifugo_config(write(tmp_path, FILE), {})
    assert config is not None
    assert config.client.token.hmac_secret_key == KEY
    (chat,) = config.channel.namespaces
    assert (chat.name, chat.history_size, chat.history_ttl, chat.force_recovery) == (
        "chat", 10, 300.0, True)
    assert config.channel.without_namespace.presence is True
    assert config.http_api.key == "api-key"


def test_environment_variables_override_the_file(tmp_path):
    config = load_centrifugo_config(write(tmp_path, FILE), {
        "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_HISTORY_SIZE": "20",
        "CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_HISTORY_TTL": "1h",
        "CENTRIFUGO_CHANNEL_WITHOUT_NAMESPACE_PRESENCE": "false",
        "CENTRIFUGO_HTTP_API_KEY": "from-env",
        "CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY": "e" * 40,
    })
    (chat,) = config.channel.namespaces
    assert (chat.history_size, chat.history_ttl) == (20, 3600.0)
    assert config.channel.without_namespace.presence is False
    assert config.http_api.key == "from-env"
    assert config.client.token.hmac_secret_key == "e" * 40


def test_an_empty_variable_counts_as_unset(tmp_path):
    config = load_centrifugo_config(write(tmp_path, FILE), {"CENTRIFUGO_HTTP_API_KEY": ""})
    assert config.http_api.key == "api-key"


def test_namespaces_as_a_json_array_replace_those_of_the_file(tmp_path):
    env = {"CENTRIFUGO_CHANNEL_NAMESPACES": '[{"name": "feed", "presence": true}]'}
    config = load_centrifugo_config(write(tmp_path, FILE), env)
    assert [(n.name, n.presence) for n in config.channel.namespaces] == [("feed", True)]


def test_namespaces_as_names_are_added_and_configured_by_name(tmp_path):
    env = {"CENTRIFUGO_CHANNEL_NAMESPACES": "news my-app.v2",
           "CENTRIFUGO_CHANNEL_NAMESPACES_MY_APP_V2_JOIN_LEAVE": "true",
           "CENTRIFUGO_CHANNEL_NAMESPACES_NEWS_ALLOWED_DELTA_TYPES": "fossil"}
    config = load_centrifugo_config(write(tmp_path, FILE), env)
    by_name = {n.name: n for n in config.channel.namespaces}
    assert list(by_name) == ["chat", "news", "my-app.v2"]
    assert by_name["my-app.v2"].join_leave is True
    assert by_name["news"].allowed_delta_types == ("fossil",)


def test_environment_alone_is_a_configuration():
    config = load_centrifugo_config(None, {
        "CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_ENABLED": "true",
        "CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_PERSONAL_CHANNEL_NAMESPACE": "me",
        "CENTRIFUGO_CHANNEL_NAMESPACES": "me",
    })
    personal = config.client.subscribe_to_user_personal_channel
    assert (personal.enabled, personal.personal_channel_namespace) == (True, "me")
    rules = channel_rules(config)
    assert rules.personal_channel("alice") == "me:#alice" and rules.personal_channel("") is None


@pytest.mark.parametrize(("text", "value"), [("1", True), ("t", True), ("TRUE", True),
                                             ("0", False), ("False", False)])
def test_booleans_follow_gos_parsebool(text, value):
    config = load_centrifugo_config(None, {"CENTRIFUGO_CHANNEL_WITHOUT_NAMESPACE_PRESENCE": text})
    assert config.channel.without_namespace.presence is value


def test_a_boolean_go_would_not_parse_is_refused():
    with pytest.raises(ConfigError, match="CENTRIFUGO_CHANNEL_WITHOUT_NAMESPACE_PRESENCE"):
        load_centrifugo_config(None, {"CENTRIFUGO_CHANNEL_WITHOUT_NAMESPACE_PRESENCE": "yes"})


def test_options_chorus_does_not_read_are_named_in_a_warning(tmp_path, caplog):
    config = {**FILE, "client": {**FILE["client"], "allowed_origins": ["https://a.example"]}}
    with caplog.at_level(logging.WARNING, logger="chorus.realtime"):
        load_centrifugo_config(write(tmp_path, config), {})
    assert "client.allowed_origins" in caplog.text


def test_chorus_settings_carry_the_file_path_and_the_centrifugo_variables():
    config = load_config(env={"CHORUS_CENTRIFUGO_CONFIG": "/etc/centrifugo.json",
                              "CENTRIFUGO_HTTP_API_KEY": "k", "OTHER": "x"})
    assert config.centrifugo_config == "/etc/centrifugo.json"
    assert config.centrifugo_env == (("CENTRIFUGO_HTTP_API_KEY", "k"),)


# ---- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    ("300s", 300.0), ("5m", 300.0), ("1h30m", 5400.0), ("720h", 2592000.0),
    ("1500ms", 1.5), ("0", 0.0), ("2.5s", 2.5)])
def test_durations_are_go_duration_strings(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5", "5x", "", "s", "1h 30m"])
def test_a_malformed_duration_is_refused(text):
    with pytest.raises(ConfigError, match="invalid duration"):
        parse_duration(text)


def test_a_bare_number_for_a_duration_is_refused_in_the_file(tmp_path):
    config = {"channel": {"namespaces": [{"name": "chat", "history_size": 5,
                                          "history_ttl": 300}]}}
    with pytest.raises(ConfigError, match="like \"300s\""):
        load_centrifugo_config(write(tmp_path, config), {})


# ---- what Centrifugo (or Chorus) refuses at start --------------------------------------------


def namespace(**options: Any) -> dict[str, str]:
    """The variables of one namespace `chat` with `options`."""
    return {"CENTRIFUGO_CHANNEL_NAMESPACES": json.dumps([{"name": "chat", **options}])}


@pytest.mark.parametrize(("env", "message"), [
    (namespace(history_size=10), "both history size and history ttl"),
    (namespace(history_ttl="10s"), "both history size and history ttl"),
    (namespace(history_size=1, history_ttl="1000h"), "can not be greater than history meta"),
    (namespace(history_size=1, history_ttl="1500ms"), "whole seconds"),
    (namespace(force_recovery=True), "required for recovery"),
    (namespace(allowed_delta_types=["brotli"]), "unknown allowed delta type"),
    (namespace(history_size=1, history_ttl="1s", force_recovery=True,
               force_recovery_mode="cache"), "stream recovery only"),
    (namespace(subscribe_proxy_enabled=True), "proxies are not supported"),
    (namespace(publication_data_format="binary"), "not supported"),
    (namespace(subscription_type="map"), "stream only"),
    (namespace(channel_regex="(["), "invalid channel regex"),
    ({"CENTRIFUGO_CHANNEL_NAMESPACES": '[{"name": "a"}]'}, "invalid namespace name"),
    ({"CENTRIFUGO_CHANNEL_NAMESPACES": '[{"name": "ab"}, {"name": "ab"}]'}, "must be unique"),
    ({"CENTRIFUGO_CLIENT_TOKEN_RSA_PUBLIC_KEY": "pem"}, "HMAC tokens only"),
    ({"CENTRIFUGO_HTTP_API_INSECURE": "true"}, "always needs http_api.key"),
    ({"CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_ENABLED": "true",
      "CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_PERSONAL_CHANNEL_NAMESPACE": "me"},
     "namespace for user personal channel not found"),
    ({"CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_ENABLED": "true",
      "CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_SINGLE_CONNECTION": "true"},
     "presence must be enabled"),
    ({"CENTRIFUGO_CHANNEL_USER_BOUNDARY": "@"}, "default boundaries"),
    ({"CENTRIFUGO_CHANNEL_NAMESPACES": "[{\"name\": 5}]"}, "Expected `str`"),
])
def test_conflicting_or_unsupported_options_are_refused_with_the_reason(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_centrifugo_config(None, env)


def test_an_unreadable_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_centrifugo_config(tmp_path / "missing.json", {})
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read"):
        load_centrifugo_config(tmp_path / "bad.json", {})


@pytest.mark.parametrize("name", [ns.name for ns in CHORUS_NAMESPACES])
def test_a_namespace_named_like_one_of_chorus_is_refused(name):
    config = load_centrifugo_config(None, {"CENTRIFUGO_CHANNEL_NAMESPACES": name})
    with pytest.raises(ConfigError, match=f"'{name}' has the name of one of Chorus's own"):
        channel_rules(config)


async def test_chorus_does_not_start_with_a_namespace_named_posts(make_client):
    with pytest.raises(ConfigError, match="'posts' has the name of one of Chorus's own"):
        await make_client(centrifugo_env=(("CENTRIFUGO_CHANNEL_NAMESPACES", "chat posts"),))


async def test_chorus_starts_with_a_configuration_file(make_client, tmp_path):
    client = await make_client(centrifugo_config=str(write(tmp_path, FILE)))
    rules = client.server.app[node_key].rules
    chat = rules.namespace("chat:1")
    assert chat is not None and chat.configured and chat.force_recovery
    assert rules.namespace("lobby") is rules.without_namespace
    assert rules.namespace("posts:1") is not None and not rules.namespace("posts:1").configured


# ---- Centrifugo's options as Chorus namespaces ------------------------------------------------


def test_permissions_become_the_access_of_each_action():
    config = load_centrifugo_config(None, namespace(
        allow_subscribe_for_client=True, allow_subscribe_for_anonymous=True,
        allow_publish_for_subscriber=True, allow_presence_for_client=True,
        allow_history_for_subscriber=True, allow_history_for_anonymous=True))
    chat = channel_rules(config).namespace("chat:x")
    assert chat.subscribe is Access.ANYONE
    assert chat.publish is Access.SUBSCRIBED_USER
    assert chat.presence_access is Access.AUTHENTICATED
    assert chat.history_access is Access.SUBSCRIBER


def test_without_permissions_nobody_may_act():
    config = load_centrifugo_config(None, namespace(allow_subscribe_for_anonymous=True))
    chat = channel_rules(config).namespace("chat:x")
    # anonymous alone allows nothing: Centrifugo asks allow_subscribe_for_client as well
    assert (chat.subscribe, chat.publish, chat.presence_access, chat.history_access) == (
        Access.NOBODY, Access.NOBODY, Access.NOBODY, Access.NOBODY)


def test_stream_options_and_the_global_data_format_are_carried():
    config = load_centrifugo_config(None, {
        **namespace(history_size=3, history_ttl="30s", allow_recovery=True,
                    force_positioning=True, allow_user_limited_channels=True,
                    channel_regex="^[0-9]+$"),
        "CENTRIFUGO_CHANNEL_PUBLICATION_DATA_FORMAT": "json_object"})
    chat = channel_rules(config).namespace("chat:1")
    assert chat.history.enabled and (chat.history_size, chat.history_ttl) == (3, 30.0)
    assert chat.allow_recovery and chat.force_positioning and not chat.force_recovery
    assert chat.user_limited and chat.channel_regex == "^[0-9]+$"
    assert chat.data_format == "json_object"


def test_private_channels_resolve_to_their_configured_namespace_only():
    rules = channel_rules(load_centrifugo_config(None, namespace()))
    assert rules.namespace("$chat:vip").name == "chat"
    assert rules.namespace("$user:#1") is None  # Chorus's namespaces have no `$` form


# ---- the HMAC key -------------------------------------------------------------------------------


def _mint_with(key: str, claims: dict[str, Any]) -> str:
    with pytest.warns(InsecureKeyLengthWarning):  # PyJWT's own warning when signing
        return jwt.encode(claims, key, algorithm="HS256")


def test_a_short_hmac_key_starts_with_a_warning_naming_the_risk(caplog):
    with caplog.at_level(logging.WARNING, logger="chorus.realtime"):
        config = load_centrifugo_config(None, {"CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY": "secret"})
    assert config is not None and config.client.token.hmac_secret_key == "secret"
    [warning] = [r.getMessage() for r in caplog.records if "hmac_secret_key" in r.getMessage()]
    assert "6 bytes, shorter than 32" in warning and "mint tokens for any user" in warning


def test_a_long_hmac_key_starts_without_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="chorus.realtime"):
        load_centrifugo_config(None, {"CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY": "k" * 32})
    assert not [r for r in caplog.records if "hmac_secret_key" in r.getMessage()]


def test_tokens_signed_with_a_short_key_verify_and_an_empty_key_verifies_nothing():
    token = _mint_with("secret", {"sub": "alice"})
    assert TokenVerifier("secret").connection_identity(token).user == "alice"
    with pytest.raises(AuthError):
        TokenVerifier("secre").connection_identity(token)  # still a wrong key
    with pytest.raises(AuthError):
        TokenVerifier("").connection_identity(token)
