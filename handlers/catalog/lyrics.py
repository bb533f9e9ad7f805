"""Lyrics of catalog tracks: from the store, else from the providers in order (LRCLIB, then
Musixmatch when a key is configured), kept with their source and fetch time.

Lyrics are text under copyright: they are served one track at a time to a signed-in user who
asks for them, never in bulk (no catalog read carries them; the quiz serves snippets only).
Synced lyrics keep their LRC timestamps (`synced`); `plain` is always there.
"""

from __future__ import annotations

import logging

import msgspec

from handlers.catalog.items import catalog_item_for
from handlers.catalog.lrc import is_lrc, parse_lrc
from handlers.context import Context
from handlers.errors import BadGateway, Invalid, NotFound
from handlers.identity.accounts import require_admin
from handlers.identity.auth import Principal
from providers.lrclib import fetch_lrclib
from providers.lyrics import FoundLyrics, LyricsQuery, LyricsUnavailable
from providers.musixmatch import fetch_musixmatch
from store.records import CatalogItem, Lyrics

__all__ = ["LyricsView", "get_lyrics", "put_lyrics", "store_lyrics", "lyrics_of_text",
           "SONG_KINDS", "MAX_LYRICS_CHARS"]

log = logging.getLogger("chorus.lyrics")

SONG_KINDS = frozenset({"track", "video", "audio"})
MAX_LYRICS_CHARS = 100_000
DISABLED = frozenset({"", "off", "none", "0"})


class LyricsView(msgspec.Struct, frozen=True, kw_only=True):
    """What get_lyrics answers (Spot On's `{lyrics, source, source_url}`, plus the LRC text)."""

    lyrics: str
    source: str
    source_url: str
    synced: str | None
    fetched_at: float


def _view(found: Lyrics) -> LyricsView:
    return LyricsView(lyrics=found.plain, source=found.source, source_url=found.source_url,
                      synced=found.synced, fetched_at=found.fetched_at)


async def _song(ctx: Context, link: str | None) -> CatalogItem:
    if not link or not link.strip():
        raise Invalid("spotify_url is required", code="missing_spotify_url")
    item = await catalog_item_for(ctx, link.strip())
    if item.kind not in SONG_KINDS:
        raise Invalid(f"Lyrics are for songs, and this link is a {item.kind}",
                      code="not_a_song")
    return item


def _query(item: CatalogItem) -> LyricsQuery | None:
    if not item.name or not item.artist_names:
        return None
    duration = item.duration_ms / 1000 if item.duration_ms else None
    return LyricsQuery(title=item.name, artist=item.artist_names[0], album=item.album_name,
                       duration_s=duration)


async def _from_providers(ctx: Context, query: LyricsQuery) -> tuple[FoundLyrics | None, bool]:
    """The first provider's lyrics, and whether any provider failed to answer."""
    config, failed = ctx.config, False
    if config.lrclib_url.strip().lower() not in DISABLED:
        try:
            found = await fetch_lrclib(ctx.http, config.lrclib_url, query)
            if found is not None:
                return found, failed
        except LyricsUnavailable as exc:
            log.warning("LRCLIB: %s", exc)
            failed = True
    if config.musixmatch_api_key:
        try:
            found = await fetch_musixmatch(ctx.http, config.musixmatch_url,
                                           config.musixmatch_api_key, query)
            if found is not None:
                return found, failed
        except LyricsUnavailable as exc:
            log.warning("Musixmatch: %s", exc)
            failed = True
    return None, failed


async def get_lyrics(ctx: Context, link: str | None, force_refresh: bool = False
                     ) -> LyricsView:
    """The lyrics of the song at `link`: stored ones, else (or with `force_refresh`) the
    providers', stored for next time. A refresh that finds nothing keeps what was stored.

    Raises:
        Invalid: no link, not a music link, not a song.
        NotFound: `lyrics_not_found` when neither the store nor a provider has them.
        BadGateway: `lyrics_unavailable` when nothing is stored and a provider failed.
    """
    item = await _song(ctx, link)
    stored = await ctx.store.lyrics.get(item.id)
    if stored is not None and not force_refresh:
        return _view(stored)
    query = _query(item)
    found, failed = (None, False) if query is None else await _from_providers(ctx, query)
    if found is None:
        if stored is not None:
            return _view(stored)
        if failed:
            raise BadGateway("The lyrics providers could not be reached; try again later",
                             code="lyrics_unavailable")
        raise NotFound("Lyrics not found", code="lyrics_not_found")
    return _view(await store_lyrics(ctx, item, found))


async def store_lyrics(ctx: Context, item: CatalogItem, found: FoundLyrics) -> Lyrics:
    """Keep `found` as the lyrics of `item` (replacing what was there)."""
    lyrics = Lyrics(catalog_id=item.id, plain=found.plain, synced=found.synced,
                    source=found.source, source_url=found.source_url, fetched_at=ctx.clock())
    await ctx.store.lyrics.put(lyrics)
    return lyrics


def lyrics_of_text(text: str, source: str, source_url: str = "") -> FoundLyrics:
    """Lyrics given as text (plain or LRC): LRC keeps its timestamps in `synced`.

    Raises:
        Invalid: empty, too long, or LRC without a single line of words.
    """
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise Invalid("lyrics must not be empty", code="empty_lyrics")
    if len(text) > MAX_LYRICS_CHARS:
        raise Invalid(f"lyrics are limited to {MAX_LYRICS_CHARS} characters",
                      code="lyrics_too_long")
    if not is_lrc(text):
        return FoundLyrics(plain=text, source=source, source_url=source_url)
    plain = "\n".join(line.text for line in parse_lrc(text).lines if line.text)
    if not plain:
        raise Invalid("these LRC lyrics have no words", code="empty_lyrics")
    return FoundLyrics(plain=plain, synced=text, source=source, source_url=source_url)


async def put_lyrics(ctx: Context, principal: Principal, link: str | None, text: str
                     ) -> LyricsView:
    """An admin sets the lyrics of a song (plain text or LRC); source "admin".

    Raises:
        Forbidden: `admin_required`. Invalid: see `_song` and `lyrics_of_text`.
    """
    require_admin(principal)
    found = lyrics_of_text(text, "admin")
    item = await _song(ctx, link)
    return _view(await store_lyrics(ctx, item, found))
