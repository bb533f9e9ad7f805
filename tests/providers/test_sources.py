"""Download sources: which source has a track, operator templates, the media store, and no
source at all for DRM services."""

from __future__ import annotations

import gzip

import pytest
from aiohttp import web

from providers.sources import (
    DirectSource,
    MediaStoreSource,
    SourceError,
    SourceSpec,
    TrackRef,
    audio_session,
    locate,
    open_http_audio,
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


@pytest.fixture
async def redirector(aiohttp_server):
    """/loop/<n> redirects to /loop/<n+1>; /escape to a file URL; /gz answers gzip-encoded."""

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"/loop/{int(request.match_info['n']) + 1}")

    async def escape(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    async def gz(request: web.Request) -> web.Response:
        body = gzip.compress(b"RIFF" + bytes(4000))
        return web.Response(body=body, headers={"Content-Encoding": "gzip",
                                                "Content-Type": "audio/wav"})

    app = web.Application()
    app.router.add_get("/loop/{n}", loop)
    app.router.add_get("/escape", escape)
    app.router.add_get("/gz", gz)
    return await aiohttp_server(app)


async def test_http_redirects_are_checked_hop_by_hop_and_bounded(redirector):
    async with audio_session() as http:
        for path, expected in (("/escape", "only http and https"), ("/loop/0", "redirects")):
            with pytest.raises(SourceError) as err:
                async with open_http_audio(http, str(redirector.make_url(path)),
                                           allow_private=True):
                    pass
            assert expected in err.value.message and err.value.retryable is False
        # without CHORUS_ALLOW_PRIVATE_URLS the loopback server itself is refused
        with pytest.raises(SourceError) as err:
            async with open_http_audio(http, str(redirector.make_url("/loop/0")),
                                       allow_private=False):
                pass
        assert "refused" in err.value.message


async def test_a_compressed_answer_is_decoded_and_its_length_not_trusted(redirector):
    async with audio_session() as http, open_http_audio(
            http, str(redirector.make_url("/gz")), allow_private=True) as (stream, chunks):
        data = b"".join([c async for c in chunks])
    assert data == b"RIFF" + bytes(4000) and stream.total is None
