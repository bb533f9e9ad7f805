"""The link parser: every URL form, `spotify:` URI and Openwhyd eId, and the eId round trip."""

from __future__ import annotations

import pytest

from handlers.catalog.links import ParsedLink, eid_to_url, parse_link, url_to_eid
from handlers.errors import Invalid

__all__: list[str] = []

SP = "4iV5W9uYEdYUVa79Axb7Rh"
YT = "dQw4w9WgXcQ"
SC_STREAM = "https://api.soundcloud.com/tracks/37829084/stream"
BC_STREAM = "https://t4.bcbits.com/stream/abc/mp3-128/123?p=0&ts=1&t=x"


def link(provider: str, kind: str, id: str, url: str, eid: str, stream: str = "") -> ParsedLink:
    return ParsedLink(provider=provider, kind=kind, id=id, url=url, eid=eid, stream_url=stream)


YOUTUBE = link("youtube", "video", YT, f"https://www.youtube.com/watch?v={YT}", f"/yt/{YT}")
SPOTIFY_TRACK = link("spotify", "track", SP, f"https://open.spotify.com/track/{SP}", f"/sp/{SP}")
SOUNDCLOUD = link("soundcloud", "track", "forss/flickermood",
                  "https://soundcloud.com/forss/flickermood", "/sc/forss/flickermood")
BANDCAMP = link("bandcamp", "track", "bensound/acoustic-breeze",
                "https://bensound.bandcamp.com/track/acoustic-breeze",
                "/bc/bensound/acoustic-breeze")
VIMEO = link("vimeo", "video", "76979871", "https://vimeo.com/76979871", "/vi/76979871")
DEEZER = link("deezer", "track", "3135556", "https://www.deezer.com/track/3135556", "/dz/3135556")
DAILYMOTION = link("dailymotion", "video", "x7tgad0", "https://www.dailymotion.com/video/x7tgad0",
                   "/dm/x7tgad0")
MP3 = "https://cdn.example.org/music/My%20Song.mp3"
EXTENSIONLESS_FILE = "/fi/http://radio.example.net/stream"

CASES: list[tuple[str, ParsedLink]] = [
    # YouTube
    (f"https://www.youtube.com/watch?v={YT}", YOUTUBE),
    (f"https://www.youtube.com/watch?feature=share&v={YT}&t=42s", YOUTUBE),
    (f"http://youtube.com/watch?v={YT}", YOUTUBE),
    (f"https://m.youtube.com/watch?v={YT}", YOUTUBE),
    (f"https://music.youtube.com/watch?v={YT}&list=RDAMVM{YT}", YOUTUBE),
    (f"https://youtu.be/{YT}", YOUTUBE),
    (f"https://youtu.be/{YT}?si=abc&t=10", YOUTUBE),
    (f"https://www.youtube.com/embed/{YT}?autoplay=1", YOUTUBE),
    (f"https://www.youtube-nocookie.com/embed/{YT}", YOUTUBE),
    (f"https://www.youtube.com/shorts/{YT}", YOUTUBE),
    (f"https://www.youtube.com/v/{YT}", YOUTUBE),
    (f"youtube.com/watch?v={YT}", YOUTUBE),
    (f"//youtube.com/watch?v={YT}", YOUTUBE),
    (f"  https://youtu.be/{YT}\n", YOUTUBE),
    (f"/yt/{YT}", YOUTUBE),
    # Spotify URLs and URIs, every kind
    (f"https://open.spotify.com/track/{SP}", SPOTIFY_TRACK),
    (f"https://open.spotify.com/track/{SP}?si=1a2b3c", SPOTIFY_TRACK),
    (f"https://open.spotify.com/intl-fr/track/{SP}?si=1a2b3c", SPOTIFY_TRACK),
    (f"https://open.spotify.com/intl-pt/track/{SP}", SPOTIFY_TRACK),
    (f"https://open.spotify.com/embed/track/{SP}", SPOTIFY_TRACK),
    (f"https://play.spotify.com/track/{SP}", SPOTIFY_TRACK),
    (f"open.spotify.com/track/{SP}", SPOTIFY_TRACK),
    (f"spotify:track:{SP}", SPOTIFY_TRACK),
    (f"/sp/{SP}", SPOTIFY_TRACK),
    (f"/sp/track/{SP}", SPOTIFY_TRACK),
    ("https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy",
     link("spotify", "album", "4aawyAB9vmqN3uQ7FjRGTy",
          "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy", "/sp/album/4aawyAB9vmqN3uQ7FjRGTy")),
    ("spotify:album:4aawyAB9vmqN3uQ7FjRGTy",
     link("spotify", "album", "4aawyAB9vmqN3uQ7FjRGTy",
          "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy", "/sp/album/4aawyAB9vmqN3uQ7FjRGTy")),
    ("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=x",
     link("spotify", "playlist", "37i9dQZF1DXcBWIGoYBM5M",
          "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M",
          "/sp/playlist/37i9dQZF1DXcBWIGoYBM5M")),
    ("https://open.spotify.com/user/spotify/playlist/37i9dQZF1DXcBWIGoYBM5M",
     link("spotify", "playlist", "37i9dQZF1DXcBWIGoYBM5M",
          "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M",
          "/sp/playlist/37i9dQZF1DXcBWIGoYBM5M")),
    ("spotify:user:spotify:playlist:37i9dQZF1DXcBWIGoYBM5M",
     link("spotify", "playlist", "37i9dQZF1DXcBWIGoYBM5M",
          "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M",
          "/sp/playlist/37i9dQZF1DXcBWIGoYBM5M")),
    ("https://open.spotify.com/intl-de/artist/0TnOYISbd1XYRBk9myaseg",
     link("spotify", "artist", "0TnOYISbd1XYRBk9myaseg",
          "https://open.spotify.com/artist/0TnOYISbd1XYRBk9myaseg",
          "/sp/artist/0TnOYISbd1XYRBk9myaseg")),
    ("spotify:episode:512ojhOuo1ktJprKbVcKyQ",
     link("spotify", "episode", "512ojhOuo1ktJprKbVcKyQ",
          "https://open.spotify.com/episode/512ojhOuo1ktJprKbVcKyQ",
          "/sp/episode/512ojhOuo1ktJprKbVcKyQ")),
    # SoundCloud
    ("https://soundcloud.com/forss/flickermood", SOUNDCLOUD),
    ("https://www.soundcloud.com/forss/flickermood?in=forss/sets/soulhack", SOUNDCLOUD),
    ("https://m.soundcloud.com/forss/flickermood", SOUNDCLOUD),
    ("https://soundcloud.com/Forss/Flickermood/", SOUNDCLOUD),
    ("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fflickermood"
     "&auto_play=false", SOUNDCLOUD),
    ("/sc/forss/flickermood", SOUNDCLOUD),
    (f"/sc/forss/flickermood#{SC_STREAM}",
     link("soundcloud", "track", "forss/flickermood", "https://soundcloud.com/forss/flickermood",
          f"/sc/forss/flickermood#{SC_STREAM}", SC_STREAM)),
    ("https://soundcloud.com/forss/sets/soulhack",
     link("soundcloud", "playlist", "forss/sets/soulhack",
          "https://soundcloud.com/forss/sets/soulhack", "/sc/forss/sets/soulhack")),
    ("https://soundcloud.com/forss/secret-song/s-AbCdE",
     link("soundcloud", "track", "forss/secret-song/s-abcde",
          "https://soundcloud.com/forss/secret-song/s-abcde", "/sc/forss/secret-song/s-abcde")),
    # Vimeo
    ("https://vimeo.com/76979871", VIMEO),
    ("https://www.vimeo.com/76979871?share=copy", VIMEO),
    ("https://player.vimeo.com/video/76979871?h=8272103f6e", VIMEO),
    ("https://vimeo.com/channels/staffpicks/76979871", VIMEO),
    ("https://vimeo.com/76979871/8272103f6e", VIMEO),
    ("/vi/76979871", VIMEO),
    # Deezer
    ("https://www.deezer.com/track/3135556", DEEZER),
    ("https://www.deezer.com/fr/track/3135556", DEEZER),
    ("https://deezer.com/en/track/3135556?utm_source=deezer", DEEZER),
    ("/dz/3135556", DEEZER),
    ("https://www.deezer.com/us/album/302127",
     link("deezer", "album", "302127", "https://www.deezer.com/album/302127", "/dz/album/302127")),
    ("https://www.deezer.com/playlist/908622995",
     link("deezer", "playlist", "908622995", "https://www.deezer.com/playlist/908622995",
          "/dz/playlist/908622995")),
    ("https://www.deezer.com/artist/27",
     link("deezer", "artist", "27", "https://www.deezer.com/artist/27", "/dz/artist/27")),
    # Dailymotion
    ("https://www.dailymotion.com/video/x7tgad0", DAILYMOTION),
    ("https://www.dailymotion.com/video/x7tgad0_daft-punk-one-more-time_music", DAILYMOTION),
    ("https://www.dailymotion.com/embed/video/x7tgad0?autoplay=1", DAILYMOTION),
    ("https://geo.dailymotion.com/player.html?video=x7tgad0", DAILYMOTION),
    ("https://dai.ly/x7tgad0", DAILYMOTION),
    ("/dm/x7tgad0", DAILYMOTION),
    # Bandcamp
    ("https://bensound.bandcamp.com/track/acoustic-breeze", BANDCAMP),
    ("http://bensound.bandcamp.com/track/acoustic-breeze?from=embed", BANDCAMP),
    ("/bc/bensound/acoustic-breeze", BANDCAMP),
    (f"/bc/bensound/acoustic-breeze#{BC_STREAM}",
     link("bandcamp", "track", "bensound/acoustic-breeze",
          "https://bensound.bandcamp.com/track/acoustic-breeze",
          f"/bc/bensound/acoustic-breeze#{BC_STREAM}", BC_STREAM)),
    ("https://bensound.bandcamp.com/album/royalty-free",
     link("bandcamp", "album", "bensound/royalty-free",
          "https://bensound.bandcamp.com/album/royalty-free", "/bc/bensound/album/royalty-free")),
    # direct audio files, by extension
    (MP3, link("file", "audio", MP3, MP3, f"/fi/{MP3}", MP3)),
    (f"/fi/{MP3}", link("file", "audio", MP3, MP3, f"/fi/{MP3}", MP3)),
    (EXTENSIONLESS_FILE,
     link("file", "audio", "http://radio.example.net/stream", "http://radio.example.net/stream",
          "/fi/http://radio.example.net/stream", "http://radio.example.net/stream")),
] + [
    (f"https://files.example.com/a/track{ext}?sig=1",
     link("file", "audio", f"https://files.example.com/a/track{ext}?sig=1",
          f"https://files.example.com/a/track{ext}?sig=1",
          f"/fi/https://files.example.com/a/track{ext}?sig=1",
          f"https://files.example.com/a/track{ext}?sig=1"))
    for ext in (".mp3", ".ogg", ".m4a", ".flac", ".wav", ".aac", ".opus", ".MP3")
]

NOT_MUSIC = [
    "", "   ", "hello", "https://example.com/", "https://example.com/page.html",
    "ftp://files.example.com/song.mp3", "javascript:alert(1)", "mailto:a@example.com",
    "https://www.youtube.com/", "https://www.youtube.com/watch", "https://www.youtube.com/@rick",
    "https://www.youtube.com/watch?v=bad!id", "https://youtu.be/",
    "https://open.spotify.com/", "https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk",
    "https://open.spotify.com/track/", "https://open.spotify.com/track/not-base62!",
    "spotify:", "spotify:track", "spotify:show:4rOoJ6Egrf8K2IrywzwOMk", "spotify:track:a:b",
    "https://soundcloud.com/forss", "https://soundcloud.com/forss/likes",
    "https://soundcloud.com/forss/tracks", "https://w.soundcloud.com/player/?url=https%3A%2F%2Fexample.com",
    "https://vimeo.com/about", "https://player.vimeo.com/video/abc",
    "https://www.deezer.com/track/abc", "https://www.deezer.com/fr/show/123",
    "https://www.dailymotion.com/user/x", "https://bandcamp.com/discover",
    "https://daily.bandcamp.com/features/best-of", "https://bensound.bandcamp.com/merch",
    "/yt/", "/yt", "/xx/abc", "/ja/123", "/sc/undefined", "/sc/a/b/c/d", "/vi/abc", "/dz/abc",
    "/dm/bad-id!", "/bc/artist", "/fi/not-a-url", "/fi/ftp://x.example/a.mp3",
    "/u/123", "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://" + "a" * 2100 + ".mp3",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_every_link_form_parses_to_its_provider_and_id(text: str, expected: ParsedLink) -> None:
    assert parse_link(text) == expected


@pytest.mark.parametrize("text", NOT_MUSIC)
def test_anything_else_is_not_a_music_link(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_link(text)
    assert caught.value.code == "not_music_link"


@pytest.mark.parametrize("value", [None, 42, b"/yt/dQw4w9WgXcQ", ["/yt/dQw4w9WgXcQ"]])
def test_a_value_that_is_not_text_is_not_a_music_link(value: object) -> None:
    with pytest.raises(Invalid) as caught:
        parse_link(value)  # type: ignore[arg-type]
    assert caught.value.code == "not_music_link"


@pytest.mark.parametrize(("text", "expected"), [c for c in CASES if c[0] != EXTENSIONLESS_FILE])
def test_eids_and_urls_round_trip(text: str, expected: ParsedLink) -> None:
    eid, url = url_to_eid(text), eid_to_url(text)
    assert eid == expected.eid and url == expected.url
    assert eid_to_url(eid) == url
    assert url_to_eid(url) == eid.split("#")[0]  # a URL carries no stream URL
    assert parse_link(url).eid == parse_link(eid).eid.split("#")[0]


def test_a_file_eid_takes_any_http_url_but_a_bare_url_needs_an_audio_extension() -> None:
    assert eid_to_url(EXTENSIONLESS_FILE) == "http://radio.example.net/stream"
    with pytest.raises(Invalid):
        url_to_eid("http://radio.example.net/stream")


def test_an_eid_keeps_a_stream_url_only_when_it_is_http() -> None:
    parsed = parse_link("/sc/forss/flickermood#undefined")
    assert parsed.eid == "/sc/forss/flickermood" and parsed.stream_url == ""


def test_the_error_names_what_chorus_accepts() -> None:
    with pytest.raises(Invalid) as caught:
        parse_link("https://example.com/")
    assert "not a music link" in caught.value.message
    assert caught.value.fields[0].loc == ("body", "link")
