"""One track's download job payload: where its bytes are (download sources) and where they go
(the filename template under the download folder), with the tags to write.

Sources, in order: an uploaded file in the audio store (the only source of an upload), a
file in the media store, the track's own audio URL (an Openwhyd `/fi/`
link, a SoundCloud or Bandcamp stream in its eId), then the operator's templates
(CHORUS_DOWNLOAD_SOURCES). Chorus circumvents no DRM: a Spotify or Deezer track that no
configured source serves gets no source, and its job fails with "no download source for
spotify track <id>".
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from handlers.catalog.interface import Album, Track
from handlers.catalog.links import parse_link
from handlers.catalog.local import TRACK_KINDS
from handlers.context import Context
from handlers.downloads.paths import download_root, target_path
from handlers.downloads.settings import DownloadSettings
from handlers.media.audio import audio_root
from handlers.media.images import media_root
from providers.sources import (
    DirectSource,
    MediaStoreSource,
    Source,
    SourceSpec,
    TrackRef,
    locate,
    parse_source_templates,
)
from store.records import CatalogItem
from workers.payloads import TrackDownload

__all__ = ["source_url", "download_sources", "check_download_sources", "local_item",
           "track_ref", "track_tags", "audio_store_source", "track_payload", "AUDIO_EXTENSIONS"]

AUDIO_EXTENSIONS = ("mp3", "ogg", "m4a", "flac", "wav", "aac", "opus")


def source_url(item: CatalogItem) -> str:
    """The item's downloadable audio: a direct file, or the stream an eId carries; "" if none
    (Spotify, Deezer, YouTube... have no source Chorus may use)."""
    if item.provider == "file":
        return item.url
    try:
        return parse_link(item.eid).stream_url
    except Exception:  # noqa: BLE001 - an unparsable eId simply has no stream
        return ""


def download_sources(ctx: Context) -> list[Source]:
    """The process's sources: media store, direct URLs, then CHORUS_DOWNLOAD_SOURCES."""
    state = ctx.download_state
    if state.sources is None:
        state.sources = [MediaStoreSource(media_root(ctx), ctx.config.base_url), DirectSource(),
                         *parse_source_templates(ctx.config.download_sources)]
    return state.sources


def check_download_sources(ctx: Context) -> None:
    """Read CHORUS_DOWNLOAD_SOURCES at start (ValueError stops the start with the reason)."""
    download_sources(ctx)


async def local_item(ctx: Context, provider: str, item_id: str) -> CatalogItem | None:
    """The local catalog's track (or audio, video) of `provider` with that id."""
    for kind in TRACK_KINDS:
        item = await ctx.store.catalog.find(provider, kind, item_id)
        if item is not None:
            return item
    return None


async def track_ref(ctx: Context, track: Track, item: CatalogItem | None = None) -> TrackRef:
    """What the sources need to know of `track` (its local catalog entry gives the links)."""
    if item is None or item.provider != track.provider:
        item = await local_item(ctx, track.provider, track.id)
    return TrackRef(provider=track.provider, id=track.id, kind=item.kind if item else "track",
                    url=item.url if item else track.external_url,
                    stream_url=source_url(item) if item else "", isrc=track.isrc or "")


async def audio_store_source(ctx: Context, item: CatalogItem | None) -> SourceSpec | None:
    """The uploaded file behind `item` in the audio store (None: the item is no upload, or its
    bytes are gone). Visibility is the caller's to check (downloads.start does)."""
    if item is None or item.provider != "file":
        return None
    audio = (await ctx.store.audio.by_catalog([item.id])).get(item.id)
    if audio is None:
        return None
    root = audio_root(ctx).resolve()
    path = (root / audio.stored_name).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return SourceSpec(kind="file", location=str(path), source="audio")


def track_tags(track: Track, album: Album | None = None) -> dict[str, str]:
    """Title, artist, album, album artist, track and disc number, date and ISRC, as known."""
    artists = ", ".join(a.name for a in track.artists if a.name)
    album_artists = ", ".join(a.name for a in album.artists if a.name) if album else ""
    tags = {"title": track.name, "artist": artists,
            "album": album.name if album else (track.album.name if track.album else ""),
            "albumartist": album_artists or artists,
            "tracknumber": str(track.track_number or ""),
            "discnumber": str(track.disc_number or ""),
            "date": album.release_date if album else
            (track.album.release_date if track.album else ""),
            "isrc": track.isrc or ""}
    return {k: v for k, v in tags.items() if v}


def _extension(location: str) -> str:
    suffix = PurePosixPath(urlsplit(location).path).suffix.lower().lstrip(".")
    return suffix if suffix in AUDIO_EXTENSIONS else ""


async def track_payload(ctx: Context, settings: DownloadSettings, track: Track, *,
                        album: Album | None = None, item: CatalogItem | None = None
                        ) -> TrackDownload:
    """The "download.track" payload: its sources, target and tags, and what the task views
    show (download_type, item_id, name, artist, album, item_url).

    Raises:
        Invalid: the filename template would leave the download folder.
    """
    ref = await track_ref(ctx, track, item)
    upload = await audio_store_source(ctx, item if item is not None and
                                      item.provider == track.provider else None)
    specs = [upload] if upload else locate(download_sources(ctx), ref)
    tags = track_tags(track, album)
    ext = (_extension(specs[0].location) if specs else "") or settings.fileFormat
    target = target_path(download_root(ctx, settings), settings,
                         {**tags, "album_artist": tags.get("albumartist", "")}, ext)
    return TrackDownload(download_type="track", item_id=track.id, provider=track.provider,
                         name=track.name, artist=tags.get("artist", ""),
                         album=tags.get("album", ""), item_url=ref.url or track.external_url,
                         target=str(target), tags=tags, sources=specs,
                         no_source="" if specs else
                         f"no download source for {track.provider} {ref.kind} {track.id}")
