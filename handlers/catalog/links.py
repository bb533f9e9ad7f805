"""Music links: one parser from a URL, a `spotify:` URI or an Openwhyd eId to a provider and id,
and back (the canonical https URL and the eId).

Openwhyd's eIds (`app/models/config.js` there) are `/yt/<id>`, `/sc/<user>/<track>#<stream>`,
`/bc/<artist>/<slug>#<stream>`, `/vi/<n>`, `/dz/<n>`, `/dm/<id>`, `/sp/<id>` (Spotify tracks)
and `/fi/<url>`. Chorus extends them for what Openwhyd cannot post but Spot On can: other
Spotify and Deezer kinds are `/sp/<kind>/<id>` and `/dz/<kind>/<n>`, SoundCloud sets
`/sc/<user>/sets/<slug>`, Bandcamp albums `/bc/<artist>/album/<slug>`. A URL carries no stream
URL, so `url_to_eid(eid_to_url(eid))` is the eId without its `#<stream>` part.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec

from handlers.errors import FieldError, Invalid

__all__ = ["ParsedLink", "parse_link", "eid_to_url", "url_to_eid", "PROVIDERS", "KINDS",
           "AUDIO_EXTENSIONS", "MAX_LINK_LENGTH"]

PROVIDERS = ("spotify", "youtube", "soundcloud", "vimeo", "deezer", "dailymotion", "bandcamp", "file")
KINDS = ("track", "album", "playlist", "artist", "episode", "video", "audio")
AUDIO_EXTENSIONS = (".mp3", ".ogg", ".m4a", ".flac", ".wav", ".aac", ".opus")
MAX_LINK_LENGTH = 2048
SPOTIFY_KINDS = frozenset({"track", "album", "playlist", "artist", "episode"})
DEEZER_KINDS = SPOTIFY_KINDS

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{1,64}")
_NUMBER = re.compile(r"[0-9]{1,20}")
_DAILYMOTION_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_SLUG = re.compile(r"[a-z0-9_-]{1,200}")
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LANGUAGE = re.compile(r"[a-z]{2}(?:-[a-z]{2})?")
# soundcloud.com/<user>/<x> paths that are pages of the user, not tracks
_SOUNDCLOUD_PAGES = frozenset({"sets", "tracks", "albums", "likes", "reposts", "followers",
                               "following", "popular-tracks", "comments", "spotlight"})


class ParsedLink(msgspec.Struct, frozen=True, kw_only=True):
    """What a music link points at: `provider` and `kind` from PROVIDERS and KINDS, the
    provider's `id`, the canonical `url`, Openwhyd's `eid`, and a playable `stream_url` when
    the eId carries one (SoundCloud, Bandcamp) or the link is an audio file."""

    provider: str
    kind: str
    id: str
    url: str
    eid: str
    stream_url: str = ""


def _not_music() -> Invalid:
    return Invalid("not a music link: Chorus knows Spotify, YouTube, SoundCloud, Vimeo, Deezer, "
                   "Dailymotion and Bandcamp links, Openwhyd eIds and audio file URLs",
                   code="not_music_link", fields=[FieldError(("body", "link"), "not a music link")])


def _match(pattern: re.Pattern[str], value: str | None) -> str:
    if value is None or not pattern.fullmatch(value):
        raise ValueError(value)
    return value


def _stream(value: str) -> str:
    """The stream part of an eId, kept only when it is an http(s) URL."""
    return value if value.startswith(("https://", "http://")) else ""


# one builder per provider: eIds and URLs both go through them, so they round-trip

def _youtube(video_id: str | None) -> ParsedLink:
    vid = _match(_YOUTUBE_ID, video_id)
    return ParsedLink(provider="youtube", kind="video", id=vid,
                      url=f"https://www.youtube.com/watch?v={vid}", eid=f"/yt/{vid}")


def _of_kind(provider: str, site: str, eid_prefix: str, kinds: frozenset[str],
             pattern: re.Pattern[str], kind: str, item_id: str | None) -> ParsedLink:
    """A provider with many kinds (Spotify, Deezer): the URL is `<site>/<kind>/<id>`, the eId
    `<eid_prefix>/<id>` for tracks and `<eid_prefix>/<kind>/<id>` for the other kinds."""
    if kind not in kinds:
        raise ValueError(kind)
    item_id = _match(pattern, item_id)
    eid = f"{eid_prefix}/{item_id}" if kind == "track" else f"{eid_prefix}/{kind}/{item_id}"
    return ParsedLink(provider=provider, kind=kind, id=item_id, url=f"{site}/{kind}/{item_id}", eid=eid)


def _spotify(kind: str, item_id: str | None) -> ParsedLink:
    return _of_kind("spotify", "https://open.spotify.com", "/sp", SPOTIFY_KINDS, _SPOTIFY_ID, kind, item_id)


def _soundcloud(path: str, stream: str = "") -> ParsedLink:
    segments = path.lower().strip("/").split("/")
    for segment in segments:
        _match(_SLUG, segment)
    if len(segments) == 3 and segments[1] == "sets":
        kind = "playlist"
    elif (len(segments) == 2 or (len(segments) == 3 and segments[2].startswith("s-"))) \
            and segments[1] not in _SOUNDCLOUD_PAGES:
        kind = "track"  # a third segment `s-<token>` is a private track's secret link
    else:
        raise ValueError(path)
    sid = "/".join(segments)
    stream = _stream(stream)
    return ParsedLink(provider="soundcloud", kind=kind, id=sid,
                      url=f"https://soundcloud.com/{sid}",
                      eid=f"/sc/{sid}" + (f"#{stream}" if stream else ""), stream_url=stream)


def _vimeo(number: str | None) -> ParsedLink:
    vid = _match(_NUMBER, number)
    return ParsedLink(provider="vimeo", kind="video", id=vid, url=f"https://vimeo.com/{vid}",
                      eid=f"/vi/{vid}")


def _deezer(kind: str, number: str | None) -> ParsedLink:
    return _of_kind("deezer", "https://www.deezer.com", "/dz", DEEZER_KINDS, _NUMBER, kind, number)


def _dailymotion(video_id: str | None) -> ParsedLink:
    vid = _match(_DAILYMOTION_ID, (video_id or "").split("_")[0])  # old URLs: <id>_<title>
    return ParsedLink(provider="dailymotion", kind="video", id=vid,
                      url=f"https://www.dailymotion.com/video/{vid}", eid=f"/dm/{vid}")


def _bandcamp(artist: str, kind: str, slug: str, stream: str = "") -> ParsedLink:
    artist, slug = _match(_SUBDOMAIN, artist.lower()), _match(_SLUG, slug.lower())
    if kind not in ("track", "album"):
        raise ValueError(kind)
    stream = _stream(stream) if kind == "track" else ""
    eid = f"/bc/{artist}/{slug}" if kind == "track" else f"/bc/{artist}/album/{slug}"
    return ParsedLink(provider="bandcamp", kind=kind, id=f"{artist}/{slug}",
                      url=f"https://{artist}.bandcamp.com/{kind}/{slug}",
                      eid=eid + (f"#{stream}" if stream else ""), stream_url=stream)


def _file(url: str) -> ParsedLink:
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValueError(url)
    return ParsedLink(provider="file", kind="audio", id=url, url=url, eid=f"/fi/{url}",
                      stream_url=url)


# Openwhyd eIds

def _eid_spotify(rest: str) -> ParsedLink:
    kind, _, sid = rest.rpartition("/")
    return _spotify(kind or "track", sid)


def _eid_deezer(rest: str) -> ParsedLink:
    kind, _, did = rest.rpartition("/")
    return _deezer(kind or "track", did)


def _eid_soundcloud(rest: str) -> ParsedLink:
    path, _, stream = rest.partition("#")
    return _soundcloud(path, stream)


def _eid_bandcamp(rest: str) -> ParsedLink:
    path, _, stream = rest.partition("#")
    segments = path.split("/")
    if len(segments) == 3 and segments[1] == "album":
        return _bandcamp(segments[0], "album", segments[2])
    if len(segments) != 2:
        raise ValueError(path)
    return _bandcamp(segments[0], "track", segments[1], stream)


_EID_PARSERS: dict[str, Callable[[str], ParsedLink]] = {
    "yt": _youtube, "sp": _eid_spotify, "sc": _eid_soundcloud, "bc": _eid_bandcamp,
    "vi": _vimeo, "dz": _eid_deezer, "dm": _dailymotion, "fi": _file,
}


def _from_eid(eid: str) -> ParsedLink:
    prefix, rest = eid[1:3], eid[4:]
    if eid[3:4] != "/" or prefix not in _EID_PARSERS or not rest:
        raise ValueError(eid)
    return _EID_PARSERS[prefix](rest)


def _from_spotify_uri(uri: str) -> ParsedLink:
    parts = uri.split(":")
    if len(parts) == 3:
        return _spotify(parts[1], parts[2])
    if len(parts) == 5 and parts[1] == "user" and parts[3] == "playlist":  # legacy user playlists
        return _spotify("playlist", parts[4])
    raise ValueError(uri)


# URLs, by host

def _youtube_url(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    if segments == ["watch"]:
        return _youtube(next(iter(query.get("v") or []), None))
    if len(segments) >= 2 and segments[0] in ("embed", "v", "shorts", "live", "e"):
        return _youtube(segments[1])
    raise ValueError(segments)


def _spotify_url(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    if segments and segments[0].startswith("intl-"):
        segments = segments[1:]
    if segments and segments[0] == "embed":
        segments = segments[1:]
    if len(segments) == 4 and segments[0] == "user" and segments[2] == "playlist":
        return _spotify("playlist", segments[3])
    if len(segments) != 2:
        raise ValueError(segments)
    return _spotify(segments[0], segments[1])


def _soundcloud_url(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    return _soundcloud("/".join(segments))


def _soundcloud_player(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    inner = (query.get("url") or [""])[0]
    parsed = _from_url(inner) if inner else None
    if parsed is None or parsed.provider != "soundcloud":
        raise ValueError(inner)
    return parsed


def _vimeo_url(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    if segments and segments[0].isdigit():
        return _vimeo(segments[0])  # a second segment is an unlisted video's hash
    if len(segments) >= 2 and segments[0] in ("channels", "groups", "album", "showcase"):
        return _vimeo(segments[-1])
    raise ValueError(segments)


def _vimeo_player(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    if len(segments) == 2 and segments[0] == "video":
        return _vimeo(segments[1])
    raise ValueError(segments)


def _deezer_url(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    if len(segments) == 3 and _LANGUAGE.fullmatch(segments[0]):
        segments = segments[1:]
    if len(segments) != 2:
        raise ValueError(segments)
    return _deezer(segments[0], segments[1])


def _dailymotion_url(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    if segments and segments[0] == "embed":
        segments = segments[1:]
    if len(segments) == 2 and segments[0] == "video":
        return _dailymotion(segments[1])
    if query.get("video"):  # geo.dailymotion.com/player.html?video=<id>
        return _dailymotion(query["video"][0])
    raise ValueError(segments)


def _short_dailymotion(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    if len(segments) != 1:
        raise ValueError(segments)
    return _dailymotion(segments[0])


def _short_youtube(segments: list[str], query: dict[str, list[str]]) -> ParsedLink:
    if len(segments) != 1:
        raise ValueError(segments)
    return _youtube(segments[0])


_HOSTS: dict[str, Callable[[list[str], dict[str, list[str]]], ParsedLink]] = {
    "youtube.com": _youtube_url, "m.youtube.com": _youtube_url,
    "music.youtube.com": _youtube_url, "youtube-nocookie.com": _youtube_url,
    "youtu.be": _short_youtube,
    "open.spotify.com": _spotify_url, "play.spotify.com": _spotify_url,
    "soundcloud.com": _soundcloud_url, "m.soundcloud.com": _soundcloud_url,
    "w.soundcloud.com": _soundcloud_player,
    "vimeo.com": _vimeo_url, "player.vimeo.com": _vimeo_player,
    "deezer.com": _deezer_url,
    "dailymotion.com": _dailymotion_url, "geo.dailymotion.com": _dailymotion_url,
    "dai.ly": _short_dailymotion,
}


def _absolute(text: str) -> str:
    """`//host/...` and `host/...` as https URLs; anything with a scheme unchanged."""
    if text.startswith("//"):
        return "https:" + text
    if "://" not in text and "." in text.split("/", 1)[0]:
        return "https://" + text
    return text


def _from_url(url: str) -> ParsedLink | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if parts.scheme not in ("http", "https") or not host:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    query = parse_qs(parts.query)
    handler = _HOSTS.get(host)
    if handler is not None:
        return handler(segments, query)
    if host.endswith(".bandcamp.com") and host.count(".") == 2 and len(segments) == 2:
        return _bandcamp(host.split(".")[0], segments[0], segments[1])
    if parts.path.lower().endswith(AUDIO_EXTENSIONS):
        return _file(url)
    return None


def parse_link(text: str) -> ParsedLink:
    """The music a URL, `spotify:` URI or Openwhyd eId points at.

    Raises:
        Invalid: code "not_music_link" for anything else.
    """
    if not isinstance(text, str) or not text.strip() or len(text.strip()) > MAX_LINK_LENGTH:
        raise _not_music()
    link = text.strip()
    try:
        if link.startswith("spotify:"):
            return _from_spotify_uri(link)
        if link.startswith("/") and not link.startswith("//"):
            return _from_eid(link)
        parsed = _from_url(_absolute(link))
    except ValueError:
        parsed = None
    if parsed is None:
        raise _not_music()
    return parsed


def eid_to_url(eid: str) -> str:
    """The canonical URL of an eId (or of any link parse_link accepts)."""
    return parse_link(eid).url


def url_to_eid(url: str) -> str:
    """Openwhyd's eId for a URL (or for any link parse_link accepts)."""
    return parse_link(url).eid
