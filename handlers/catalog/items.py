"""The local catalog: every music link posted becomes one item (track, album, playlist, artist,
episode, video or audio file), described once by its provider and found later by every dialect.

A link is parsed (handlers.catalog.links), described through providers.oembed and upserted by
(provider, kind, id), so a link posted twice, or as a URL and then as an eId, is one item. The
id is path-safe (store.catalog_ids): an audio file's URL or a SoundCloud `artist/slug` becomes
a stable token, the link staying in `url`. When
the provider cannot be reached the item takes what the link itself says ("Spotify track <id>")
and is described again by the next post of it; a provider whose endpoint is unreachable is left
alone for DOWN_SECONDS so that posting never waits on it twice in a row.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

from handlers.catalog.links import ParsedLink, parse_link
from handlers.context import Context
from providers.net import FetchError
from providers.oembed import Description, describe
from store.catalog_ids import path_safe_id
from store.records import CatalogItem

__all__ = ["catalog_item_for", "catalog_item_for_eid", "fallback_description", "split_artist_title",
           "DOWN_SECONDS"]

log = logging.getLogger("chorus.catalog")

DOWN_SECONDS = 60.0
MAX_NAME = 300
PROVIDER_LABELS = {"spotify": "Spotify", "youtube": "YouTube", "soundcloud": "SoundCloud",
                   "vimeo": "Vimeo", "deezer": "Deezer", "dailymotion": "Dailymotion",
                   "bandcamp": "Bandcamp", "file": "Audio file"}
_UNREACHABLE = frozenset({"dns", "network", "timeout"})


def fallback_description(parsed: ParsedLink) -> str:
    """What the link itself says, e.g. "Spotify track 4iV5W9uYEdYUVa79Axb7Rh"."""
    if parsed.provider == "file":
        return f"Audio file {_file_name(parsed.url)}"
    return f"{PROVIDER_LABELS[parsed.provider]} {parsed.kind} {parsed.id}"


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _fallback_name(parsed: ParsedLink, hint: str) -> str:
    """The caller's name (Openwhyd posts carry one), else a slug or file name made readable."""
    if hint.strip():
        return hint.strip()[:MAX_NAME]
    if parsed.provider in ("soundcloud", "bandcamp") and parsed.kind != "playlist":
        return parsed.id.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    if parsed.provider == "file":
        return _file_name(parsed.url).rsplit(".", 1)[0].replace("_", " ").strip()
    return ""


def _fallback_image(parsed: ParsedLink) -> str:
    """Thumbnails Openwhyd derives from the id alone."""
    if parsed.provider == "youtube":
        return f"https://i.ytimg.com/vi/{parsed.id}/hqdefault.jpg"
    if parsed.provider == "dailymotion":
        return f"https://www.dailymotion.com/thumbnail/video/{parsed.id}"
    return ""


# providers whose titles are the uploader's: "Artist - Title" there names the artist, unless
# the title already names the author (then the author is the artist)
_UPLOADED = frozenset({"youtube", "soundcloud", "vimeo", "dailymotion", "bandcamp", "file"})
_SEPARATORS = (" - ", " – ", " — ")


def split_artist_title(name: str) -> tuple[str, str]:
    """("Artist", "Title") from "Artist - Title" (Openwhyd's naming of posts), else ("", name)."""
    for separator in _SEPARATORS:
        artist, found, title = name.partition(separator)
        if found and artist.strip() and title.strip():
            return artist.strip()[:MAX_NAME], title.strip()
    return "", name


def _described(item: CatalogItem, parsed: ParsedLink) -> bool:
    return item.description != fallback_description(parsed)


def _fields(parsed: ParsedLink, found: Description | None, hint: str) -> dict[str, Any]:
    """Catalog columns from a provider's description, or from the link alone."""
    if found is None:
        artist, name = split_artist_title(_fallback_name(parsed, hint))
        return {"name": name, "artist_names": [artist] if artist else [],
                "description": fallback_description(parsed), "image": _fallback_image(parsed)}
    title = found.title[:MAX_NAME] or _fallback_name(parsed, hint)
    artists = [found.author_name[:MAX_NAME]] if found.author_name else []
    author_named = found.author_name and found.author_name.lower() in title.lower()
    if parsed.provider in _UPLOADED and parsed.kind != "artist" and not author_named:
        artist, title = split_artist_title(title)
        artists = [artist] if artist else artists
    if parsed.kind == "artist" and title:
        artists = [title]
    summary = f"{title} by {', '.join(artists)}" if title and artists and parsed.kind != "artist" \
        else title
    fields: dict[str, Any] = {
        "name": title, "artist_names": artists, "image": found.image or _fallback_image(parsed),
        "description": summary or fallback_description(parsed), "duration_ms": found.duration_ms}
    if parsed.kind == "album":
        fields["album_name"] = title
    if parsed.kind == "playlist":
        fields["playlist_name"] = title
    return fields


async def _describe(ctx: Context, parsed: ParsedLink) -> Description | None:
    """The provider's description, or None (after logging why) when it has none to give."""
    if ctx.catalog_state.provider_down_until.get(parsed.provider, 0.0) > ctx.clock():
        return None
    try:
        return await describe(ctx.http, parsed.provider, parsed.url,
                              oembed_url=ctx.config.oembed_url,
                              allow_private=ctx.config.allow_private_urls)
    except FetchError as exc:
        if exc.reason in _UNREACHABLE:
            ctx.catalog_state.provider_down_until[parsed.provider] = ctx.clock() + DOWN_SECONDS
        log.warning("no description of %s (%s): %s", parsed.url, exc.reason, exc.message)
        return None


async def _catalogue(ctx: Context, parsed: ParsedLink, hint: str) -> CatalogItem:
    item_id = path_safe_id(parsed.provider, parsed.id)
    existing = await ctx.store.catalog.find(parsed.provider, parsed.kind, item_id)
    # an eId with a stream URL is worth more than one without: keep the stream once known
    eid = parsed.eid if existing is None or parsed.stream_url else existing.eid
    if existing is not None and _described(existing, parsed):
        if eid == existing.eid:
            return existing
        return await ctx.store.catalog.upsert(parsed.provider, parsed.kind, item_id,
                                              url=parsed.url, eid=eid)
    found = await _describe(ctx, parsed)
    fields = _fields(parsed, found, hint)
    if found is None and existing is not None and existing.name:
        fields["name"] = ""  # the first name stays until the provider describes the item
    return await ctx.store.catalog.upsert(parsed.provider, parsed.kind, item_id,
                                          url=parsed.url, eid=eid, **fields)


async def catalog_item_for(ctx: Context, link: str) -> CatalogItem:
    """The catalog item of a music link (URL, `spotify:` URI or eId), described and stored.

    Raises:
        Invalid: code "not_music_link" when it is not a music link.
    """
    return await _catalogue(ctx, parse_link(link), "")


async def catalog_item_for_eid(ctx: Context, eid: str, name: str = "") -> CatalogItem:
    """The catalog item of an Openwhyd eId; `name` (the post's) names it when the provider
    cannot be asked.

    Raises:
        Invalid: code "not_music_link" when it is not an eId (or a music link).
    """
    return await _catalogue(ctx, parse_link(eid), name)
