"""Download sources: which source has a track, operator templates, the media store, and no
source at all for DRM services."""

from __future__ import annotations

import pytest

from providers.sources import (
    DirectSource,
    MediaStoreSource,
    SourceError,
    SourceSpec,
    TrackRef,
    locate,
    open_source,
    parse_source_templates,
)

SPOTIFY = TrackRef(provider="spotify", id="4iV5W9uYEdYUVa79Axb7Rh",
                   url="https://open.spotify.com/track/4iV5W9uYEdYUVa79Axb7Rh",
                   isrc="GBUM71029604")
FILE = TrackRef(provider="file", id="https://cdn.example.org/a.mp3", kind="audio",
                url="https://cdn.example.org/a.mp3", stream_url="https://cdn.example.org/a.mp3")


def test_a_spotify_track_has_no_source_without_an_operator_template(tmp_path):
    sources = [MediaStoreSource(tmp_path), DirectSource()]
    assert locate(sources, SPOTIFY) == []


def test_a_direct_file_is_located_untrusted():
    [spec] = locate([DirectSource()], FILE)
    assert spec == SourceSpec(kind="http", location=FILE.stream_url, source="direct")
    assert spec.trusted is False  # a user's URL: public addresses only


def test_templates_fill_quoted_fields_and_are_trusted():
    raw = ('["https://mirror.example/{provider}/{id}.mp3", '
           '{"url": "http://10.0.0.5/isrc/{isrc}.flac", "providers": ["deezer"]}, '
           '"https://by-isrc.example/{isrc}"]')
    sources = parse_source_templates(raw)
    specs = locate(sources, SPOTIFY)
    assert [s.location for s in specs] == [
        "https://mirror.example/spotify/4iV5W9uYEdYUVa79Axb7Rh.mp3",
        "https://by-isrc.example/GBUM71029604"]  # the deezer-only one is skipped
    assert all(s.trusted for s in specs)
    odd = TrackRef(provider="file", id="../../etc/passwd?x=1#y")
    [spec, *_] = locate(sources, odd)
    assert spec.location == "https://mirror.example/file/..%2F..%2Fetc%2Fpasswd%3Fx%3D1%23y.mp3"
    no_isrc = TrackRef(provider="spotify", id="abc")
    assert [s.location for s in locate(sources, no_isrc)] == [
        "https://mirror.example/spotify/abc.mp3"]


@pytest.mark.parametrize("raw", ['{"url": "x"}', "not json", '["ftp://host/{id}"]',
                                 '["https://host/{title}.mp3"]', "[42]"])
def test_bad_source_configuration_is_refused(raw):
    with pytest.raises(ValueError):
        parse_source_templates(raw)


def test_an_empty_configuration_means_no_templates():
    assert parse_source_templates("") == [] and parse_source_templates("  ") == []


async def test_a_media_store_file_is_found_and_streamed(tmp_path):
    media = tmp_path / "media"
    (media / "audio").mkdir(parents=True)
    (media / "audio" / "7_song.mp3").write_bytes(b"ID3" + bytes(5000))
    (media / "audio" / "7_gone.mp3.part").write_bytes(b"partial")
    store = MediaStoreSource(media, "https://chorus.example")
    for url in ("/media/audio/7_song.mp3", "https://chorus.example/media/audio/7_song.mp3"):
        ref = TrackRef(provider="file", id="x", url=url)
        [spec] = locate([store, DirectSource()], ref)
        assert spec.kind == "file" and spec.location == str(media / "audio" / "7_song.mp3")
    for url in ("/media/../secret.mp3", "/media/audio/7_gone.mp3.part", "/media/audio/none.mp3"):
        assert locate([store], TrackRef(provider="file", id="x", url=url)) == []
    async with open_source(spec, None, allow_private=False) as (stream, chunks):  # type: ignore[arg-type]
        data = b"".join([c async for c in chunks])
    assert stream.total == 5003 and data.startswith(b"ID3") and len(data) == 5003


async def test_a_missing_media_file_is_a_final_source_error(tmp_path):
    spec = SourceSpec(kind="file", location=str(tmp_path / "nope.mp3"))
    with pytest.raises(SourceError) as err:
        async with open_source(spec, None, allow_private=False):  # type: ignore[arg-type]
            pass
    assert err.value.retryable is False
