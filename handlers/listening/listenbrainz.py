"""ListenBrainz submissions (`POST /1/submit-listens`): the payload checked exactly as
ListenBrainz checks it (same rules, same messages), turned into plays and now-playing.

The checks are pure functions of the body and the time (`parse_submission`, `validate_listen`,
`to_play`, `now_playing_of`); `submit_listens` is the one operation, taking the user the listen
token named.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

import msgspec

from handlers.context import Context
from handlers.errors import Invalid
from handlers.identity.auth import Principal
from handlers.listening import live, playing_now
from handlers.listening.listens import record_plays
from handlers.listening.plays import MIN_PLAY_MS, PlayIn, RecordResult, TrackRef

__all__ = ["LISTEN_TYPES", "MAX_LISTEN_SIZE", "MAX_LISTENS_PER_REQUEST", "MAX_LISTEN_PAYLOAD_SIZE",
           "LISTEN_MINIMUM_TS", "Submission", "StorePlays", "parse_submission", "validate_listen",
           "to_play", "now_playing_of", "spotify_track_uri", "submit_listens"]

LISTEN_TYPES = ("playing_now", "single", "import")
MAX_LISTEN_SIZE = 10240  # bytes per listen
MAX_LISTENS_PER_REQUEST = 1000
MAX_LISTEN_PAYLOAD_SIZE = MAX_LISTEN_SIZE * MAX_LISTENS_PER_REQUEST
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
MAX_DURATION_LIMIT = 24 * 24 * 60 * 60  # 24 days, in seconds
MAX_DURATION_MS_LIMIT = MAX_DURATION_LIMIT * 1000
LISTEN_MINIMUM_TS = 1033410600  # 2002-10-01 00:00:00 UTC
LISTENED_AT_ALLOWED_SKEW = 60 * 60  # a clock up to an hour ahead
SINGLE_MBID_KEYS = ("release_mbid", "recording_mbid", "release_group_mbid", "track_mbid")
MULTIPLE_MBID_KEYS = ("artist_mbids", "work_mbids")


def _bad(message: str) -> Invalid:
    return Invalid(message, code="listenbrainz_invalid")


class Submission(msgspec.Struct, frozen=True):
    """A checked submission: its listen_type and its listens, normalised as ListenBrainz
    normalises them (names trimmed, empty MBIDs dropped, durations as whole numbers)."""

    listen_type: str
    listens: list[dict[str, Any]]


def parse_submission(body: bytes, now: float) -> Submission:
    """The body of `POST /1/submit-listens`, checked in ListenBrainz's order; Invalid with its
    message at the first rule broken."""
    if len(body) > MAX_LISTEN_PAYLOAD_SIZE:
        raise _bad(f"Payload too large. Payload cannot exceed {MAX_LISTEN_PAYLOAD_SIZE} bytes")
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise _bad(f"Cannot parse JSON document: {exc}") from exc
    if not isinstance(data, dict):
        raise _bad("Invalid JSON document submitted. Top level of JSON document should be a "
                   "json object.")
    if "payload" not in data:
        raise _bad("Invalid JSON document submitted.")
    payload = data["payload"]
    if not isinstance(payload, list):
        raise _bad("The payload in the JSON document should be a list of listens.")
    if not payload:
        raise _bad("JSON document does not contain any listens")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise _bad(f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} "
                   "listens at once.")
    if len(body) > len(payload) * MAX_LISTEN_SIZE:
        raise _bad(f"JSON document is too large. Each listens may not be larger than "
                   f"{MAX_LISTEN_SIZE} bytes.")
    if "listen_type" not in data:
        raise _bad("Invalid JSON document submitted.")
    listen_type = data["listen_type"]
    if not isinstance(listen_type, str) or listen_type not in LISTEN_TYPES:
        raise _bad("JSON document requires a valid listen_type key.")
    if listen_type in ("single", "playing_now") and len(payload) > 1:
        raise _bad("JSON document contains more than listen for a single/playing_now. "
                   "It should contain only one.")
    return Submission(listen_type, [validate_listen(listen, listen_type, now) for listen in payload])


def validate_listen(listen: object, listen_type: str, now: float) -> dict[str, Any]:
    """One listen checked (a normalised copy); Invalid with ListenBrainz's message."""
    if listen is None:
        raise _bad("Listen is empty and cannot be validated.")
    if not isinstance(listen, dict):
        raise _bad("Invalid JSON document submitted.")  # ours: ListenBrainz fails with a 500
    return _validated(msgspec.json.decode(msgspec.json.encode(listen)), listen_type, now)


def _validated(listen: dict[str, Any], listen_type: str, now: float) -> dict[str, Any]:
    """`validate_listen` on a copy of the listen, normalised in place."""
    if listen_type == "playing_now":
        if "listened_at" in listen:
            raise _bad("JSON document must not contain listened_at while submitting playing_now.")
        _require_track_metadata(listen)
        if len(listen) > 1:
            raise _bad("JSON document may only contain track_metadata as top level key when "
                       "submitting playing_now.")
    else:
        listen["listened_at"] = _listened_at(listen, now)
        _require_track_metadata(listen)
        if len(listen) > 2:
            raise _bad("JSON document may only contain listened_at and track_metadata top "
                       "level keys")
    metadata = listen["track_metadata"]
    if metadata is None:
        raise _bad("JSON document may not have track_metadata with null value.")
    if not isinstance(metadata, dict):
        metadata = listen["track_metadata"] = {}  # as ListenBrainz reads a list: no fields
    _basic_field(metadata, "track_name")
    _basic_field(metadata, "artist_name")
    _basic_field(metadata, "release_name", required=False)
    if "additional_info" in metadata:
        _check_additional_info(metadata)
    _refuse_nul(listen)
    return listen


def _require_track_metadata(listen: dict[str, Any]) -> None:
    if "track_metadata" not in listen:
        raise _bad("JSON document must contain the key track_metadata at the top level.")


def _listened_at(listen: dict[str, Any], now: float) -> int:
    if "listened_at" not in listen:
        raise _bad("JSON document must contain the key listened_at at the top level.")
    try:
        value = int(listen["listened_at"])
    except (ValueError, TypeError, OverflowError) as exc:
        raise _bad("JSON document must contain an int value for listened_at.") from exc
    if value >= int(now) + LISTENED_AT_ALLOWED_SKEW:
        raise _bad("Value for key listened_at is too high.")
    if value < LISTEN_MINIMUM_TS:
        raise _bad("Value for key listened_at is too low. listened_at timestamp should be "
                   "greater than 1033410600 (2002-10-01 00:00:00 UTC).")
    return value


def _basic_field(metadata: dict[str, Any], key: str, required: bool = True) -> None:
    """A name: a string, trimmed; an empty optional one is dropped."""
    if key not in metadata:
        if required:
            raise _bad(f"JSON document does not contain required field track_metadata.{key}.")
        return
    if not isinstance(metadata[key], str):
        raise _bad(f"track_metadata.{key} must be a single string.")
    metadata[key] = metadata[key].strip()
    if not metadata[key]:
        if required:
            raise _bad(f"field track_metadata.{key} is empty.")
        del metadata[key]


def _check_additional_info(metadata: dict[str, Any]) -> None:
    info = metadata["additional_info"]
    if info is None:
        del metadata["additional_info"]
        return
    if not isinstance(info, dict):
        raise _bad("track_metadata.additional_info must be a JSON object.")  # ours: LB fails
    if "tags" in info:
        tags = info["tags"]
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise _bad("track_metadata.additional_info.tags must be a list of strings.")  # ours
        if len(tags) > MAX_TAGS_PER_LISTEN:
            raise _bad(f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in "
                       "track_metadata.additional_info.tags.")
        if any(len(tag) > MAX_TAG_SIZE for tag in tags):
            raise _bad("JSON document may not contain track_metadata.additional_info.tags longer "
                       f"than {MAX_TAG_SIZE} characters.")
    if "duration" in info and "duration_ms" in info:
        raise _bad("JSON document should not contain both duration and duration_ms.")
    _duration(info, "duration", MAX_DURATION_LIMIT)
    _duration(info, "duration_ms", MAX_DURATION_MS_LIMIT)
    for key in SINGLE_MBID_KEYS:
        if key in info:
            if not info[key]:
                del info[key]
            elif not _is_uuid(info[key]):
                raise _bad(f"{key} MBID format invalid.")
    for key in MULTIPLE_MBID_KEYS:
        if key in info:
            if not info[key]:
                del info[key]
                continue
            if not isinstance(info[key], list):
                raise _bad(f"{key} MBID format invalid.")
            mbids = [mbid for mbid in info[key] if mbid]
            if not all(_is_uuid(mbid) for mbid in mbids):
                raise _bad(f"{key} MBID format invalid.")
            info[key] = mbids


def _duration(info: dict[str, Any], key: str, limit: int) -> None:
    """A positive whole number (a numeric string or a float is accepted, as ListenBrainz
    does), at most `limit`."""
    if key not in info:
        return
    invalid = f"Value for {key} is invalid, should be a positive integer."
    try:
        value = int(float(info[key]))
    except (ValueError, TypeError, OverflowError) as exc:
        raise _bad(invalid) from exc
    if value <= 0:
        raise _bad(invalid)
    if value > limit:
        raise _bad(f"Value for {key} is too large, max permitted value is {limit}")
    info[key] = value


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _refuse_nul(value: object) -> None:
    """A unicode NUL anywhere (keys included) refuses the listen."""
    if isinstance(value, str):
        if "\x00" in value:
            raise _bad(f"{value} contains a unicode null")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


# -- conversion ---------------------------------------------------------------------------------


def spotify_track_uri(spotify_id: object) -> str:
    """`spotify:track:<id>` from an open.spotify.com track URL; "" for anything else."""
    if not isinstance(spotify_id, str):
        return ""
    parsed = urlparse(spotify_id.strip())
    if parsed.scheme not in ("http", "https") or parsed.netloc.lower() != "open.spotify.com":
        return ""
    parts = [p for p in parsed.path.split("/") if p]
    if len(parts) >= 2 and parts[-2] == "track" and len(parts[-1]) == 22 and parts[-1].isalnum():
        return f"spotify:track:{parts[-1]}"
    return ""


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def _track_duration_ms(info: dict[str, Any]) -> int | None:
    if "duration_ms" in info:
        return int(info["duration_ms"])
    if "duration" in info:
        return int(info["duration"]) * 1000
    return None


def to_play(listen: dict[str, Any]) -> PlayIn:
    """A checked `single`/`import` listen as a play. A scrobbler submits a listen once the
    user heard it, so it counts as a play: `ms_played` is what was played (`duration_played`),
    else the track's length (`duration_ms`/`duration`), and never under MIN_PLAY_MS."""
    metadata = listen["track_metadata"]
    info: dict[str, Any] = metadata.get("additional_info") or {}
    duration_ms = _track_duration_ms(info)
    played = _seconds(info.get("duration_played"))
    ms_played = int(played * 1000) if played is not None else (duration_ms or 0)
    platform = info.get("submission_client") or info.get("media_player") or ""
    return PlayIn(
        played_at=float(listen["listened_at"]),
        ms_played=max(ms_played, MIN_PLAY_MS),
        track=TrackRef(spotify_uri=spotify_track_uri(info.get("spotify_id")),
                       name=metadata["track_name"], artist=metadata["artist_name"],
                       album=metadata.get("release_name", ""), duration_ms=duration_ms),
        source="listenbrainz",
        platform=platform if isinstance(platform, str) else "",
    )


def now_playing_of(listen: dict[str, Any]) -> tuple[str | None, str]:
    """A checked `playing_now` listen as now-playing: the link (its `spotify_id`, else its
    `origin_url`, when an http(s) URL) and the description "Artist – Title"."""
    metadata = listen["track_metadata"]
    info: dict[str, Any] = metadata.get("additional_info") or {}
    link = None
    for key in ("spotify_id", "origin_url"):
        candidate = info.get(key)
        if isinstance(candidate, str) and urlparse(candidate).scheme in ("http", "https"):
            link = candidate
            break
    return link, f"{metadata['artist_name']} – {metadata['track_name']}"


# -- the operation ------------------------------------------------------------------------------

# Where accepted plays go: `handlers.listening.listens.record_plays(ctx, user_id, plays)`.
StorePlays = Callable[[Context, int, list[PlayIn]], Awaitable[RecordResult]]


async def submit_listens(ctx: Context, principal: Principal, body: bytes, *,
                         store_plays: StorePlays = record_plays) -> None:
    """Check a submission and act on it: `playing_now` becomes the user's now-playing,
    `single` and `import` listens are stored through `store_plays` (with the dedup of every
    ingest path: one listen per user, start and track), and a new `single` listen that just
    ended is also the user's now-playing (handlers.listening.live). Invalid changes nothing."""
    submission = parse_submission(body, ctx.clock())
    if submission.listen_type == "playing_now":
        listen = submission.listens[0]
        link, description = now_playing_of(listen)
        await playing_now.set_from_listen(ctx, principal, listen["track_metadata"], link,
                                          description)
        return
    plays = [to_play(listen) for listen in submission.listens]
    result = await store_plays(ctx, principal.user.id, plays)
    if submission.listen_type == "single" and result.inserted:
        listen = submission.listens[0]
        link, description = now_playing_of(listen)
        await live.announce_recent(ctx, principal, plays[0], listen["track_metadata"], link,
                                   description)
