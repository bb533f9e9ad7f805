"""The children of a collection download job, asked by workers.download_parent when the job
runs: an album's or a playlist's tracks (read from the catalog one page at a time), an
artist's albums (named in its payload when it was queued).
"""

from __future__ import annotations

from handlers.catalog.factory import catalog_for
from handlers.catalog.interface import Album, Track
from handlers.context import Context
from handlers.downloads.settings import DOWNLOAD_KIND_TRACK, DownloadSettings, download_settings
from handlers.downloads.start import ALBUM_PAGE, DOWNLOAD_KIND_COLLECTION, dedupe_key
from handlers.downloads.tracks import local_item, track_payload
from handlers.errors import DomainError, RateLimited, Unavailable
from store.records import Job
from workers.jobs import JobError, RetryableError
from workers.payloads import ChildSpec, CollectionDownload

__all__ = ["CollectionExpander"]


class CollectionExpander:
    """The Expander (workers.payloads) of this Context's collection jobs."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def children(self, job: Job, payload: CollectionDownload) -> list[ChildSpec]:
        """The children of a collection job.

        Raises:
            RetryableError: the catalog is rate limited or unreachable. JobError: anything else.
        """
        kind = payload.download_type
        try:
            if kind == "album":
                return await _album_children(self.ctx, payload)
            if kind == "playlist":
                return await _playlist_children(self.ctx, payload)
            if kind == "artist":
                return _artist_children(job, payload)
        except (RateLimited, Unavailable) as err:
            raise RetryableError(err.message, delay=err.retry_after) from err
        except DomainError as err:
            if err.status >= 500:
                raise RetryableError(err.message) from err
            raise JobError(err.message) from err
        raise JobError(f"not a collection download: {kind or None!r}")


async def _album_children(ctx: Context, payload: CollectionDownload) -> list[ChildSpec]:
    catalog, settings = catalog_for(ctx), await download_settings(ctx)
    children: list[ChildSpec] = []
    offset = 0
    while True:
        album = await catalog.album(payload.item_id, limit=ALBUM_PAGE, offset=offset)
        page = album.tracks.items if album.tracks else []
        for track in page:
            children.append(await _track_child(ctx, settings, track, len(children), album))
        offset += len(page)
        if not page or album.tracks is None or offset >= album.tracks.total:
            return children


async def _playlist_children(ctx: Context, payload: CollectionDownload) -> list[ChildSpec]:
    settings = await download_settings(ctx)
    tracks = await catalog_for(ctx).playlist_tracks(payload.item_id)
    return [await _track_child(ctx, settings, t, i) for i, t in enumerate(tracks)]


async def _track_child(ctx: Context, settings: DownloadSettings, track: Track, position: int,
                       album: Album | None = None) -> ChildSpec:
    item = await local_item(ctx, track.provider, track.id)
    payload = await track_payload(ctx, settings, track, album=album, item=item)
    return ChildSpec(kind=DOWNLOAD_KIND_TRACK, key=f"{position}:{track.id}", payload=payload,
                     max_attempts=settings.maxRetries + 1)


def _artist_children(job: Job, payload: CollectionDownload) -> list[ChildSpec]:
    owner = job.owner_id or 0
    return [ChildSpec(kind=DOWNLOAD_KIND_COLLECTION, key=a.id,
                      dedupe_key=dedupe_key(owner, "album", a.id),
                      payload=CollectionDownload(download_type="album", item_id=a.id, name=a.name,
                                                 artist=a.artist, total_tracks=a.total_tracks))
            for a in payload.albums]
