"""The `client`, `channel` and `http_api` parts of a Centrifugo v6 configuration.

Read from a JSON file (CHORUS_CENTRIFUGO_CONFIG) and from environment variables with
Centrifugo's own names (CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY, CENTRIFUGO_CHANNEL_NAMESPACES
as a JSON array or space-separated names, CENTRIFUGO_CHANNEL_NAMESPACES_<NAME>_HISTORY_SIZE,
...); the environment overrides the file, as in Centrifugo (internal/config/config.go: an
empty variable counts as unset, booleans follow Go's ParseBool, lists are space-separated,
durations are Go duration strings). The result is checked as Centrifugo checks it at start
(internal/config/validate.go), plus what Chorus does not support, and `channel_rules` turns it
into Namespace rows next to Chorus's own, which keep their rules and their names.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from hub.realtime.centrifugo_token import TokenVerifier
from hub.realtime.channels import CHORUS_NAMESPACES, Access, ChannelRules, Namespace

__all__ = ["CentrifugoConfig", "ClientOptions", "TokenOptions", "SubscriptionTokenOptions",
           "PersonalChannelOptions", "ChannelOptions", "NamespaceOptions", "ChannelSection",
           "HttpAPIOptions", "ConfigError", "load_centrifugo_config", "parse_duration",
           "channel_rules", "token_verifier", "ENV_PREFIX"]

log = logging.getLogger("chorus.realtime")

ENV_PREFIX = "CENTRIFUGO"
NAMESPACE_NAME = re.compile(r"^[-a-zA-Z0-9_.]{2,}$")
MIN_KEY_BYTES = 32  # RFC 7518 §3.2: an HS256 key should be at least as long as the hash
DEFAULT_META_TTL = 720 * 3600.0
DURATION_FIELDS = ("history_ttl", "history_meta_ttl")


class ConfigError(ValueError):
    """The Centrifugo configuration cannot be used as given: Chorus does not start."""


# ---- the options Chorus reads (Centrifugo's names, internal/configtypes) ----------------------


class TokenOptions(msgspec.Struct, frozen=True, kw_only=True):
    hmac_secret_key: str = ""
    audience: str = ""
    issuer: str = ""
    rsa_public_key: str = ""  # the three below are refused: Chorus checks HMAC tokens only
    ecdsa_public_key: str = ""
    jwks_public_endpoint: str = ""


class SubscriptionTokenOptions(TokenOptions, frozen=True, kw_only=True):
    enabled: bool = False


class PersonalChannelOptions(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool = False
    personal_channel_namespace: str = ""
    single_connection: bool = False


class ClientOptions(msgspec.Struct, frozen=True, kw_only=True):
    token: TokenOptions = msgspec.field(default_factory=TokenOptions)
    subscription_token: SubscriptionTokenOptions = msgspec.field(
        default_factory=SubscriptionTokenOptions)
    subscribe_to_user_personal_channel: PersonalChannelOptions = msgspec.field(
        default_factory=PersonalChannelOptions)


class ChannelOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Options of one namespace (or of channels without one); durations in seconds."""

    presence: bool = False
    join_leave: bool = False
    force_push_join_leave: bool = False
    history_size: int = 0
    history_ttl: float = 0.0
    history_meta_ttl: float = 0.0
    force_positioning: bool = False
    allow_positioning: bool = False
    force_recovery: bool = False
    allow_recovery: bool = False
    force_recovery_mode: str = ""
    allowed_delta_types: tuple[str, ...] = ()
    delta_publish: bool = False
    allow_subscribe_for_client: bool = False
    allow_subscribe_for_anonymous: bool = False
    allow_publish_for_subscriber: bool = False
    allow_publish_for_client: bool = False
    allow_publish_for_anonymous: bool = False
    allow_presence_for_subscriber: bool = False
    allow_presence_for_client: bool = False
    allow_presence_for_anonymous: bool = False
    allow_history_for_subscriber: bool = False
    allow_history_for_client: bool = False
    allow_history_for_anonymous: bool = False
    allow_user_limited_channels: bool = False
    channel_regex: str = ""
    publication_data_format: str = ""
    subscription_type: str = ""  # refused unless "" or "stream"
    subscribe_proxy_enabled: bool = False  # proxies are refused: Chorus has none
    publish_proxy_enabled: bool = False
    sub_refresh_proxy_enabled: bool = False
    subscribe_stream_proxy_enabled: bool = False


class NamespaceOptions(ChannelOptions, frozen=True, kw_only=True):
    name: str


class ChannelSection(msgspec.Struct, frozen=True, kw_only=True):
    without_namespace: ChannelOptions = msgspec.field(default_factory=ChannelOptions)
    namespaces: tuple[NamespaceOptions, ...] = ()
    history_meta_ttl: float = DEFAULT_META_TTL
    publication_data_format: str = ""
    private_prefix: str = "$"
    namespace_boundary: str = ":"  # the three boundaries must keep Centrifugo's defaults
    user_boundary: str = "#"
    user_separator: str = ","


class HttpAPIOptions(msgspec.Struct, frozen=True, kw_only=True):
    key: str = ""
    disabled: bool = False
    insecure: bool = False  # refused: the server API always needs the key


class CentrifugoConfig(msgspec.Struct, frozen=True, kw_only=True):
    client: ClientOptions = msgspec.field(default_factory=ClientOptions)
    channel: ChannelSection = msgspec.field(default_factory=ChannelSection)
    http_api: HttpAPIOptions = msgspec.field(default_factory=HttpAPIOptions)


SECTIONS = ("client", "channel", "http_api")


# ---- durations --------------------------------------------------------------------------------

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
          "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string: "300s", "5m", "1h30m", "1500ms", "0"."""
    body = text.strip()
    sign = -1.0 if body.startswith("-") else 1.0
    body = body[1:] if body[:1] in "+-" and body else body
    if body == "0":
        return 0.0
    total, pos = 0.0, 0
    for match in _DURATION_PART.finditer(body):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not body or pos != len(body):
        raise ConfigError(f"invalid duration {text!r}: use a number and a unit, like \"300s\"")
    return sign * total


def _duration(where: str, value: Any) -> float:
    if isinstance(value, str):
        return parse_duration(value)
    if value in (0, None):
        return 0.0
    raise ConfigError(f"{where}: a duration is a string with a unit, like \"300s\" "
                      f"(got {value!r})")


def _convert_durations(options: dict[str, Any], where: str) -> None:
    for name in DURATION_FIELDS:
        if name in options:
            options[name] = _duration(f"{where}.{name}", options[name])


# ---- environment ------------------------------------------------------------------------------

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def _env_value(key: str, raw: str, kind: Any, name: str) -> Any:
    """A variable's text as the option's type (Go's envconfig rules)."""
    if kind is bool:
        if raw not in _TRUE | _FALSE:
            raise ConfigError(f"{key}={raw!r}: not a boolean (use true or false)")
        return raw in _TRUE
    if kind is int:
        try:
            return int(raw, 0)
        except ValueError as exc:
            raise ConfigError(f"{key}={raw!r}: not an integer") from exc
    if name in DURATION_FIELDS:
        return raw  # parsed with the file's durations
    if kind == tuple[str, ...]:
        return raw.split()
    return raw


def _is_struct(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, msgspec.Struct)


def _overlay(tree: dict[str, Any], kind: type[msgspec.Struct], prefix: str,
             env: Mapping[str, str]) -> None:
    """Set every option of `kind` whose CENTRIFUGO_… variable is set and not empty."""
    for field in msgspec.structs.fields(kind):
        if field.name in ("namespaces", "name"):
            continue
        key = f"{prefix}_{field.encode_name.upper()}"
        if _is_struct(field.type):
            sub = tree.get(field.encode_name)
            if not isinstance(sub, dict):
                sub = tree[field.encode_name] = {}
            _overlay(sub, field.type, key, env)
        elif env.get(key):
            tree[field.encode_name] = _env_value(key, env[key], field.type, field.name)


def _env_namespaces(channel: dict[str, Any], env: Mapping[str, str]) -> None:
    """CENTRIFUGO_CHANNEL_NAMESPACES (a JSON array replaces the list, names are appended),
    then CENTRIFUGO_CHANNEL_NAMESPACES_<NAME>_<OPTION> for each namespace."""
    key = f"{ENV_PREFIX}_CHANNEL_NAMESPACES"
    raw = env.get(key, "").strip()
    namespaces = channel.get("namespaces") or []
    if raw.startswith("[") and raw.endswith("]"):
        try:
            namespaces = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"{key}: not a JSON array of namespaces: {exc}") from exc
    elif raw:
        namespaces = [*namespaces, *({"name": name} for name in raw.split())]
    if not isinstance(namespaces, list) or not all(isinstance(n, dict) for n in namespaces):
        raise ConfigError(f"{key}: namespaces must be a list of objects with a name")
    for namespace in namespaces:
        env_name = re.sub(r"[.-]", "_", str(namespace.get("name", ""))).upper()
        _overlay(namespace, NamespaceOptions, f"{key}_{env_name}", env)
    channel["namespaces"] = namespaces


# ---- loading ----------------------------------------------------------------------------------


def _read_file(path: Path) -> dict[str, Any]:
    try:
        tree = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the Centrifugo configuration {path}: {exc}") from exc
    if not isinstance(tree, dict):
        raise ConfigError(f"{path}: a Centrifugo configuration is a JSON object")
    return tree


def _section(tree: dict[str, Any], name: str) -> dict[str, Any]:
    value = tree.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: expected an object")
    return value


def _ignored(tree: Mapping[str, Any], kind: type[msgspec.Struct], where: str) -> list[str]:
    """Options present in the configuration that Chorus does not read."""
    known = {f.encode_name: f for f in msgspec.structs.fields(kind)}
    names = []
    for name, value in tree.items():
        field = known.get(name)
        if field is None:
            names.append(f"{where}{name}")
        elif _is_struct(field.type) and isinstance(value, dict):
            names += _ignored(value, field.type, f"{where}{name}.")
    return names


def _decode(tree: dict[str, Any]) -> CentrifugoConfig:
    channel = tree["channel"]
    _convert_durations(channel, "channel")
    without = channel.get("without_namespace")
    if isinstance(without, dict):
        _convert_durations(without, "channel.without_namespace")
    for namespace in channel.get("namespaces") or []:
        _convert_durations(namespace, f"namespace {namespace.get('name')!r}")
    try:
        return msgspec.convert(tree, CentrifugoConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"Centrifugo configuration: {exc}") from exc


def load_centrifugo_config(path: str | Path | None = None,
                           env: Mapping[str, str] | None = None) -> CentrifugoConfig | None:
    """The configuration from the JSON file and the CENTRIFUGO_* variables of `env` (which
    win); None when there is neither. Raises ConfigError for what Chorus cannot use."""
    env = {k: v for k, v in (env or {}).items() if k.startswith(f"{ENV_PREFIX}_")}
    if not path and not env:
        return None
    full = _read_file(Path(path)) if path else {}
    tree = {name: _section(full, name) for name in SECTIONS}
    _overlay(tree, CentrifugoConfig, ENV_PREFIX, env)
    _env_namespaces(tree["channel"], env)
    ignored = _ignored(tree, CentrifugoConfig, "")
    for namespace in tree["channel"]["namespaces"]:
        ignored += _ignored(namespace, NamespaceOptions, f"namespace {namespace.get('name')}: ")
    if ignored:
        log.warning("Centrifugo options Chorus does not read: %s", ", ".join(ignored))
    config = _decode(tree)
    validate(config)
    return config


# ---- checks -----------------------------------------------------------------------------------


def _check_key(key: str, where: str) -> None:
    """A key shorter than the hash is accepted, as Centrifugo and the SDKs' test setups do,
    with a warning naming the risk; an empty key verifies nothing (tokens are refused)."""
    if key and len(key.encode()) < MIN_KEY_BYTES:
        log.warning("%s.hmac_secret_key is %d bytes, shorter than %d (RFC 7518 §3.2): a "
                    "short HMAC key can be guessed offline from any token it signed, and "
                    "whoever finds it can mint tokens for any user; use e.g. "
                    "`openssl rand -hex 32`", where, len(key.encode()), MIN_KEY_BYTES)


def _check_tokens(token: TokenOptions, where: str) -> None:
    _check_key(token.hmac_secret_key, where)
    if token.rsa_public_key or token.ecdsa_public_key or token.jwks_public_endpoint:
        raise ConfigError(f"{where}: Chorus verifies HMAC tokens only (hmac_secret_key); "
                          "RSA, ECDSA and JWKS keys are not supported")


def _check_options(options: ChannelOptions, meta_ttl: float, where: str) -> None:
    """Centrifugo's checks (validateChannelOptions) and what Chorus does not support."""
    for name in DURATION_FIELDS:
        value = getattr(options, name)
        if value < 0 or value != int(value):
            raise ConfigError(f"{where}: {name} must be whole seconds (got {value}s)")
    if (options.history_size > 0) != (options.history_ttl > 0):
        raise ConfigError(f"{where}: both history size and history ttl required for history")
    if options.history_size < 0:
        raise ConfigError(f"{where}: history_size must not be negative")
    limit = options.history_meta_ttl or meta_ttl
    if limit < options.history_ttl:
        raise ConfigError(f"{where}: history ttl ({options.history_ttl:g}s) can not be greater "
                          f"than history meta ttl ({limit:g}s)")
    if options.force_recovery and not options.history_size:
        raise ConfigError(f"{where}: both history size and history ttl required for recovery")
    unknown = set(options.allowed_delta_types) - {"fossil"}
    if unknown:
        raise ConfigError(f"{where}: unknown allowed delta type: {sorted(unknown)[0]!r}")
    _check_unsupported(options, where)
    if options.channel_regex:
        try:
            re.compile(options.channel_regex)
        except re.error as exc:
            raise ConfigError(f"{where}: invalid channel regex "
                              f"{options.channel_regex!r}: {exc}") from exc


def _check_unsupported(options: ChannelOptions, where: str) -> None:
    if options.force_recovery_mode not in ("", "stream"):
        raise ConfigError(f"{where}: force_recovery_mode {options.force_recovery_mode!r} is not "
                          "supported by Chorus (stream recovery only)")
    if options.publication_data_format not in ("", "json", "json_object"):
        raise ConfigError(f"{where}: publication_data_format "
                          f"{options.publication_data_format!r} is not supported (JSON protocol "
                          "only: \"\", \"json\" or \"json_object\")")
    if options.subscription_type not in ("", "stream"):
        raise ConfigError(f"{where}: subscription_type {options.subscription_type!r} is not "
                          "supported by Chorus (stream only)")
    if (options.subscribe_proxy_enabled or options.publish_proxy_enabled
            or options.sub_refresh_proxy_enabled or options.subscribe_stream_proxy_enabled):
        raise ConfigError(f"{where}: proxies are not supported by Chorus")


def _check_channel(channel: ChannelSection) -> None:
    if (channel.namespace_boundary, channel.user_boundary, channel.user_separator) != (
            ":", "#", ","):
        raise ConfigError("channel: Chorus keeps Centrifugo's default boundaries "
                          "(namespace_boundary \":\", user_boundary \"#\", user_separator \",\")")
    if channel.history_meta_ttl <= 0 or channel.history_meta_ttl != int(channel.history_meta_ttl):
        raise ConfigError("channel.history_meta_ttl must be whole seconds")
    _check_options(channel.without_namespace, channel.history_meta_ttl,
                   "channel.without_namespace")
    seen: set[str] = set()
    for namespace in channel.namespaces:
        if not NAMESPACE_NAME.match(namespace.name):
            raise ConfigError(f"invalid namespace name – {namespace.name!r} (must match "
                              f"{NAMESPACE_NAME.pattern} regular expression)")
        if namespace.name in seen:
            raise ConfigError(f"namespace name must be unique: {namespace.name}")
        seen.add(namespace.name)
        _check_options(namespace, channel.history_meta_ttl, f"namespace {namespace.name}")


def _check_personal(config: CentrifugoConfig) -> None:
    personal = config.client.subscribe_to_user_personal_channel
    if not personal.enabled:
        return
    name = personal.personal_channel_namespace
    options: ChannelOptions | None = config.channel.without_namespace
    if name:
        options = next((n for n in config.channel.namespaces if n.name == name), None)
        if options is None:
            raise ConfigError(f"namespace for user personal channel not found: {name}")
    if personal.single_connection and options is not None and not options.presence:
        raise ConfigError("presence must be enabled for the personal channel's namespace to "
                          "maintain single connection")


def validate(config: CentrifugoConfig) -> None:
    """Raise ConfigError as Centrifugo would refuse to start, or for what Chorus lacks."""
    _check_tokens(config.client.token, "client.token")
    _check_tokens(config.client.subscription_token, "client.subscription_token")
    if config.http_api.insecure:
        raise ConfigError("http_api.insecure is not supported: the server API always needs "
                          "http_api.key")
    _check_channel(config.channel)
    _check_personal(config)


# ---- into Chorus ------------------------------------------------------------------------------


def _access(for_client: bool, for_subscriber: bool, for_anonymous: bool) -> Access:
    """Centrifugo's allow_<x>_for_client / _for_subscriber / _for_anonymous as one Access."""
    if for_client:
        return Access.ANYONE if for_anonymous else Access.AUTHENTICATED
    if for_subscriber:
        return Access.SUBSCRIBER if for_anonymous else Access.SUBSCRIBED_USER
    return Access.NOBODY


def namespace_of(name: str, o: ChannelOptions, channel: ChannelSection) -> Namespace:
    """A Chorus Namespace with Centrifugo's meaning of the options."""
    return Namespace(
        name,
        subscribe=_access(o.allow_subscribe_for_client, False, o.allow_subscribe_for_anonymous),
        publish=_access(o.allow_publish_for_client, o.allow_publish_for_subscriber,
                        o.allow_publish_for_anonymous),
        presence=o.presence, join_leave=o.join_leave,
        force_push_join_leave=o.force_push_join_leave,
        presence_access=_access(o.allow_presence_for_client, o.allow_presence_for_subscriber,
                                o.allow_presence_for_anonymous),
        history_access=_access(o.allow_history_for_client, o.allow_history_for_subscriber,
                               o.allow_history_for_anonymous),
        history_size=o.history_size, history_ttl=o.history_ttl, configured=True,
        user_limited=o.allow_user_limited_channels, force_recovery=o.force_recovery,
        allow_recovery=o.allow_recovery, force_positioning=o.force_positioning,
        allow_positioning=o.allow_positioning, delta_types=o.allowed_delta_types,
        channel_regex=o.channel_regex,
        data_format=o.publication_data_format or channel.publication_data_format)


def channel_rules(config: CentrifugoConfig | None,
                  chorus: tuple[Namespace, ...] = CHORUS_NAMESPACES) -> ChannelRules:
    """Chorus's namespaces plus the configured ones; ConfigError when a configured name is
    one of Chorus's own (they keep their rules)."""
    if config is None:
        return ChannelRules(chorus)
    own = [ns.name for ns in chorus]
    for namespace in config.channel.namespaces:
        if namespace.name in own:
            raise ConfigError(
                f"Centrifugo namespace {namespace.name!r} has the name of one of Chorus's own "
                f"namespaces ({', '.join(own)}), which keep their rules: rename it")
    channel = config.channel
    configured = tuple(namespace_of(n.name, n, channel) for n in channel.namespaces)
    rules = ChannelRules(chorus + configured)
    rules.without_namespace = namespace_of("", channel.without_namespace, channel)
    rules.private_prefix = channel.private_prefix
    personal = config.client.subscribe_to_user_personal_channel
    if personal.enabled:
        rules.personal_namespace = personal.personal_channel_namespace
        rules.single_connection = personal.single_connection
    for ns in (*configured, rules.without_namespace):
        if ns.delta_types:
            log.warning("namespace %r allows fossil deltas: Chorus answers subscribes without "
                        "delta, so subscribers get full publications", ns.name)
    return rules


def token_verifier(config: CentrifugoConfig | None) -> TokenVerifier | None:
    """The verifier of connection and subscription tokens; None without an HMAC key."""
    if config is None or not config.client.token.hmac_secret_key:
        return None
    token, sub = config.client.token, config.client.subscription_token
    return TokenVerifier(token.hmac_secret_key,
                         sub_key=sub.hmac_secret_key if sub.enabled else "",
                         audience=token.audience, issuer=token.issuer)
