"""ListenBrainz submissions checked as ListenBrainz checks them: every rule, its message, and
what a valid listen becomes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.errors import Invalid
from handlers.listening.listenbrainz import (
    MIN_PLAY_MS,
    now_playing_of,
    parse_submission,
    spotify_track_uri,
    to_play,
)

NOW = 1_750_000_000.0
AT = 1_700_000_000
MBID = "8f3471b5-7e6a-48da-86a9-c1c07a0f47ae"
TRACK = "https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh"


def listen(**metadata: Any) -> dict[str, Any]:
    return {"listened_at": AT, "track_metadata": {"artist_name": "Björk", "track_name": "Jóga",
                                                   **metadata}}


def body(listens: list[Any], listen_type: Any = "single", **extra: Any) -> bytes:
    return json.dumps({"listen_type": listen_type, "payload": listens, **extra}).encode()


def refused(raw: bytes) -> str:
    with pytest.raises(Invalid) as caught:
        parse_submission(raw, NOW)
    assert caught.value.status == 400
    return caught.value.message


def with_info(**info: Any) -> bytes:
    return body([listen(additional_info=info)])


@pytest.mark.parametrize(("raw", "message"), [
    (b"{not json", "Cannot parse JSON document: "),
    (b"[]", "Invalid JSON document submitted. Top level of JSON document should be a json "
            "object."),
    (b'{"listen_type": "single"}', "Invalid JSON document submitted."),
    (body("x"), "The payload in the JSON document should be a list of listens."),  # type: ignore[arg-type]
    (body([]), "JSON document does not contain any listens"),
    (body([listen()] * 1001, "import"),
     "Too many listens. You may not submit more than 1000 listens at once."),
    (json.dumps({"payload": [listen()]}).encode(), "Invalid JSON document submitted."),
    (body([listen()], "scrobble"), "JSON document requires a valid listen_type key."),
    (body([listen()], ["single"]), "JSON document requires a valid listen_type key."),
    (body([listen(), listen()], "single"),
     "JSON document contains more than listen for a single/playing_now. It should contain only one."),
    (body([{"track_metadata": listen()["track_metadata"]}] * 2, "playing_now"),
     "JSON document contains more than listen for a single/playing_now. It should contain only one."),
    (body([None]), "Listen is empty and cannot be validated."),
    (body([{"track_metadata": listen()["track_metadata"]}]),
     "JSON document must contain the key listened_at at the top level."),
    (body([{**listen(), "listened_at": "soon"}]),
     "JSON document must contain an int value for listened_at."),
    (body([{**listen(), "listened_at": None}]),
     "JSON document must contain an int value for listened_at."),
    (body([{**listen(), "listened_at": int(NOW) + 3600}]), "Value for key listened_at is too high."),
    (body([{**listen(), "listened_at": 1033410599}]),
     "Value for key listened_at is too low. listened_at timestamp should be greater than "
     "1033410600 (2002-10-01 00:00:00 UTC)."),
    (body([{"listened_at": AT}]), "JSON document must contain the key track_metadata at the top level."),
    (body([{**listen(), "extra": 1}]),
     "JSON document may only contain listened_at and track_metadata top level keys"),
    (body([listen()], "playing_now"),
     "JSON document must not contain listened_at while submitting playing_now."),
    (body([{"track_metadata": listen()["track_metadata"], "x": 1}], "playing_now"),
     "JSON document may only contain track_metadata as top level key when submitting playing_now."),
    (body([{"track_metadata": None}], "playing_now"),
     "JSON document may not have track_metadata with null value."),
    (body([{"listened_at": AT, "track_metadata": {"artist_name": "A"}}]),
     "JSON document does not contain required field track_metadata.track_name."),
    (body([{"listened_at": AT, "track_metadata": {"track_name": "T"}}]),
     "JSON document does not contain required field track_metadata.artist_name."),
    (body([listen(track_name=3)]), "track_metadata.track_name must be a single string."),
    (body([listen(artist_name=["A", "B"])]), "track_metadata.artist_name must be a single string."),
    (body([listen(release_name=7)]), "track_metadata.release_name must be a single string."),
    (body([listen(track_name="   ")]), "field track_metadata.track_name is empty."),
    (body([listen(artist_name="")]), "field track_metadata.artist_name is empty."),
    (with_info(tags=["t"] * 51),
     "JSON document may not contain more than 50 items in track_metadata.additional_info.tags."),
    (with_info(tags=["x" * 65]),
     "JSON document may not contain track_metadata.additional_info.tags longer than 64 characters."),
    (with_info(duration=200, duration_ms=200000),
     "JSON document should not contain both duration and duration_ms."),
    (with_info(duration=0), "Value for duration is invalid, should be a positive integer."),
    (with_info(duration="long"), "Value for duration is invalid, should be a positive integer."),
    (with_info(duration_ms=-5), "Value for duration_ms is invalid, should be a positive integer."),
    (with_info(duration=24 * 24 * 3600 + 1),
     "Value for duration is too large, max permitted value is 2073600"),
    (with_info(duration_ms=24 * 24 * 3600 * 1000 + 1),
     "Value for duration_ms is too large, max permitted value is 2073600000"),
    (with_info(recording_mbid="not-a-uuid"), "recording_mbid MBID format invalid."),
    (with_info(release_mbid=12), "release_mbid MBID format invalid."),
    (with_info(release_group_mbid="x"), "release_group_mbid MBID format invalid."),
    (with_info(track_mbid="x"), "track_mbid MBID format invalid."),
    (with_info(artist_mbids=[MBID, "nope"]), "artist_mbids MBID format invalid."),
    (with_info(work_mbids=["nope"]), "work_mbids MBID format invalid."),
    (body([listen(track_name="a\x00b")]), "a\x00b contains a unicode null"),
    (with_info(media_player="x\x00"), "x\x00 contains a unicode null"),
    (with_info(nested={"deep": ["ok", {"k": "v\x00"}]}), "v\x00 contains a unicode null"),
])
def test_every_rule_refuses_with_listenbrainz_message(raw: bytes, message: str) -> None:
    got = refused(raw)
    assert got.startswith(message) if message.endswith(": ") else got == message


def test_size_limits_per_payload_and_per_listen() -> None:
    huge = b" " * (10_240_000 + 1)
    assert refused(huge) == "Payload too large. Payload cannot exceed 10240000 bytes"
    padded = body([listen(release_name="r" * 10_300)])
    assert refused(padded) == ("JSON document is too large. Each listens may not be larger than "
                               "10240 bytes.")
    # the same bytes spread over two listens fit (the limit is count x 10,240)
    two = body([listen(release_name="r" * 5_100), listen(release_name="r" * 5_100)], "import")
    assert len(parse_submission(two, NOW).listens) == 2


def test_a_valid_listen_is_normalised_as_listenbrainz_does() -> None:
    raw = body([{"listened_at": str(AT), "track_metadata": {
        "artist_name": "  Björk ", "track_name": " Jóga", "release_name": "  ",
        "additional_info": {"duration": "305.7", "recording_mbid": "", "artist_mbids": ["", MBID],
                            "work_mbids": [], "tags": ["x" * 64] * 50, "custom": {"kept": 1}}}}])
    [checked] = parse_submission(raw, NOW).listens
    assert checked["listened_at"] == AT
    metadata = checked["track_metadata"]
    assert (metadata["artist_name"], metadata["track_name"]) == ("Björk", "Jóga")
    assert "release_name" not in metadata
    info = metadata["additional_info"]
    assert info["duration"] == 305 and info["artist_mbids"] == [MBID]
    assert "recording_mbid" not in info and "work_mbids" not in info
    assert info["custom"] == {"kept": 1}


def test_import_takes_up_to_1000_listens_and_playing_now_has_no_listened_at() -> None:
    assert len(parse_submission(body([listen()] * 1000, "import"), NOW).listens) == 1000
    playing = parse_submission(body([{"track_metadata": listen()["track_metadata"]}],
                                    "playing_now"), NOW)
    assert playing.listen_type == "playing_now" and "listened_at" not in playing.listens[0]


def test_a_listen_becomes_a_listenbrainz_play() -> None:
    raw = body([listen(release_name="Homogenic", additional_info={
        "spotify_id": TRACK, "duration_ms": 305000, "submission_client": "Navidrome"})])
    play = to_play(parse_submission(raw, NOW).listens[0])
    assert play.source == "listenbrainz" and play.played_at == AT
    assert play.ms_played == 305000 and play.platform == "Navidrome"
    assert play.track.spotify_uri == "spotify:track:4iV5W9uYEdYUVa79Axb7Rh"
    assert (play.track.name, play.track.artist, play.track.album) == ("Jóga", "Björk", "Homogenic")
    assert play.track.duration_ms == 305000


@pytest.mark.parametrize(("info", "ms_played"), [
    ({}, MIN_PLAY_MS),  # no duration: a submitted listen counts as a play
    ({"duration": 10}, MIN_PLAY_MS),
    ({"duration": 200}, 200_000),
    ({"duration": 200, "duration_played": 120}, 120_000),
    ({"duration_played": 95.5}, 95_500),
])
def test_ms_played_comes_from_the_durations_and_is_never_under_a_play(info: dict[str, Any],
                                                                        ms_played: int) -> None:
    play = to_play(parse_submission(body([listen(additional_info=info)]), NOW).listens[0])
    assert play.ms_played == ms_played


@pytest.mark.parametrize(("spotify_id", "uri"), [
    (TRACK, "spotify:track:4iV5W9uYEdYUVa79Axb7Rh"),
    (TRACK + "?si=abc", "spotify:track:4iV5W9uYEdYUVa79Axb7Rh"),
    ("https://open.spotify.com/intl-fr/track/4iV5W9uYEdYUVa79Axb7Rh", "spotify:track:4iV5W9uYEdYUVa79Axb7Rh"),
    ("https://open.spotify.com/album/4iV5W9uYEdYUVa79Axb7Rh", ""),
    ("https://evil.example/track/4iV5W9uYEdYUVa79Axb7Rh", ""),
    ("spotify:track:4iV5W9uYEdYUVa79Axb7Rh", ""),
    (42, ""),
])
def test_only_open_spotify_track_urls_name_a_spotify_track(spotify_id: object, uri: str) -> None:
    assert spotify_track_uri(spotify_id) == uri


def test_playing_now_links_to_spotify_or_origin_else_describes() -> None:
    metadata = {"artist_name": "Björk", "track_name": "Jóga"}
    assert now_playing_of({"track_metadata": metadata}) == (None, "Björk – Jóga")
    origin = {**metadata, "additional_info": {"origin_url": "https://x.example/j"}}
    assert now_playing_of({"track_metadata": origin}) == ("https://x.example/j", "Björk – Jóga")
    both = {**metadata, "additional_info": {"origin_url": "https://x.example/j", "spotify_id": TRACK}}
    assert now_playing_of({"track_metadata": both})[0] == TRACK
