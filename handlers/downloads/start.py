"""Downloads (Spotizerr): a track, album, playlist or artist download is a durable job owned by
the user who asked; its audio comes from download sources (handlers.downloads.tracks), never
from a DRM-protected stream.

- track: one "download.track" job.
- album, playlist: a "download.collection" job; when it runs it asks
  handlers.downloads.expand for its tracks and makes them its children.
- artist: a "download.collection" job whose children are the artist's album jobs (of the
  album types asked for), queued at once so that the caller learns their task ids; an album
  already queued or running is reported as a duplicate and left where it is.

A second request by the same owner for something queued or running returns the existing job
(`duplicate`), by the dedupe key `<owner id>:<type>:<id>`. Owners may be given as a Principal,
a User or a user id (the watcher passes ids).
"""

from __future__ import annotations

import msgspec

from handlers.catalog.factory import catalog_for
from handlers.catalog.interface import ALBUM_TYPES, DEFAULT_ALBUM_TYPES, Album, Track
from handlers.catalog.local import TRACK_KINDS, catalog_id, track_of
from handlers.context import Context
from handlers.downloads.settings import DOWNLOAD_KIND_TRACK, download_settings
from handlers.downloads.tracks import source_url, track_payload
from handlers.errors import FieldError, Invalid, NotFound, Unavailable
from handlers.identity.auth import Principal
from handlers.media.audio import hidden_uploads
from store.records import CatalogItem, Job, User
from workers.jobs import JobSubmitter
from workers.payloads import AlbumEntry, CollectionDownload

__all__ = ["DOWNLOAD_KIND_TRACK", "DOWNLOAD_KIND_COLLECTION", "DOWNLOAD_KINDS", "DOWNLOAD_TYPES",
           "COLLECTION_CONCURRENCY", "ALBUM_PAGE", "ArtistQueued", "Owner", "job_submitter",
           "start_download", "start_artist_download", "owner_user", "dedupe_key", "source_url"]

DOWNLOAD_KIND_COLLECTION = "download.collection"
DOWNLOAD_KINDS = (DOWNLOAD_KIND_TRACK, DOWNLOAD_KIND_COLLECTION)
DOWNLOAD_TYPES = ("track", "album", "playlist", "artist")
# collection jobs mostly wait for their children: many may run without using download slots
COLLECTION_CONCURRENCY = 64
ALBUM_PAGE = 50

Owner = Principal | User | int


class ArtistQueued(msgspec.Struct, kw_only=True):
    """An artist download: its job, and the album task ids queued now or already active."""

    job: Job
    duplicate: bool = False
    queued: list[str] = []
    duplicates: list[str] = []


def job_submitter(ctx: Context) -> JobSubmitter:
    """The job runner (Unavailable when this process runs none)."""
    if ctx.jobs is None:
        raise Unavailable("Downloads are not running", code="jobs_unavailable")
    return ctx.jobs


async def owner_user(ctx: Context, owner: Owner) -> User:
    if isinstance(owner, Principal):
        return owner.user
    if isinstance(owner, User):
        return owner
    user = await ctx.store.users.get(owner)
    if user is None:
        raise NotFound(f"User {owner} not found", code="user_not_found")
    return user


def dedupe_key(owner_id: int, download_type: str, item_id: str) -> str:
    return f"{owner_id}:{download_type}:{item_id}"


async def _resolve_track(ctx: Context, user: User, track_id: str
                         ) -> tuple[Track, CatalogItem | None]:
    """The track and its local catalog entry: a local item with a source of its own wins
    (the Spotify catalog does not know a posted file); else the catalog's answer. An uploaded
    file follows its visibility rule: someone else's private file is not found."""
    local = await ctx.store.catalog_search.by_provider_id(TRACK_KINDS, catalog_id(track_id))
    if local is not None and await hidden_uploads(ctx, user, [local.id]):
        raise NotFound(f"Track {track_id} not found", code="track_not_found")
    if local is not None and source_url(local):
        return track_of(local), local
    try:
        track = await catalog_for(ctx).track(track_id)
    except (NotFound, Invalid):
        if local is None:
            raise NotFound(f"Track {track_id} not found", code="track_not_found") from None
        return track_of(local), local
    return track, local if local is not None and local.provider == track.provider else None


async def _start_track(ctx: Context, user: User, track_id: str) -> tuple[Job, bool]:
    track, item = await _resolve_track(ctx, user, track_id)
    settings = await download_settings(ctx)
    payload = await track_payload(ctx, settings, track, item=item)
    submitted = await job_submitter(ctx).submit(DOWNLOAD_KIND_TRACK, payload, owner_id=user.id,
                                        dedupe_key=dedupe_key(user.id, "track", track.id),
                                        max_attempts=settings.maxRetries + 1)
    return submitted.job, submitted.duplicate


def _artists(names: list[str]) -> str:
    return ", ".join(n for n in names if n)


async def _submit_collection(ctx: Context, user: User, download_type: str, item_id: str,
                             name: str, artist: str, total: int, parent_id: str | None = None,
                             provider: str = "") -> tuple[Job, bool]:
    payload = CollectionDownload(download_type=download_type, item_id=item_id, name=name,
                                 artist=artist, total_tracks=total, provider=provider)
    submitted = await job_submitter(ctx).submit(DOWNLOAD_KIND_COLLECTION, payload, owner_id=user.id,
                                        parent_id=parent_id,
                                        dedupe_key=dedupe_key(user.id, download_type, item_id))
    return submitted.job, submitted.duplicate


async def _start_collection(ctx: Context, user: User, download_type: str, item_id: str
                            ) -> tuple[Job, bool]:
    """An album or playlist job, named from the catalog (NotFound when it does not know it)."""
    catalog = catalog_for(ctx)
    if download_type == "album":
        album = await catalog.album(item_id, limit=1)
        return await _submit_collection(ctx, user, "album", item_id, album.name,
                                        _artists([a.name for a in album.artists]),
                                        album.total_tracks, provider=album.provider)
    playlist = await catalog.playlist(item_id)
    return await _submit_collection(ctx, user, "playlist", item_id, playlist.name,
                                    playlist.owner, playlist.total_tracks,
                                    provider=playlist.provider)


def _album_types(album_types: list[str] | None) -> list[str]:
    types = list(dict.fromkeys(album_types or DEFAULT_ALBUM_TYPES))
    unknown = [t for t in types if t not in ALBUM_TYPES]
    if unknown:
        raise Invalid(f"Invalid album_type: use {', '.join(ALBUM_TYPES)}", code="invalid_type",
                      fields=[FieldError(("query", "album_type"), "unknown album type")])
    return types


async def _artist_albums(ctx: Context, artist_id: str, types: list[str]) -> list[Album]:
    catalog, albums, offset = catalog_for(ctx), [], 0
    while True:
        page = await catalog.artist_albums(artist_id, types, limit=ALBUM_PAGE, offset=offset)
        albums += page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return list({a.id: a for a in albums}.values())


async def start_artist_download(ctx: Context, owner: Owner, artist_id: str,
                                album_types: list[str] | None = None) -> ArtistQueued:
    """Queue the artist's albums of `album_types` (default album, single, compilation).

    Raises:
        NotFound: no such artist, or no album of those types.
    """
    user, types = await owner_user(ctx, owner), _album_types(album_types)
    artist = await catalog_for(ctx).artist(artist_id)
    albums = await _artist_albums(ctx, artist_id, types)
    if not albums:
        raise NotFound(f"Artist {artist.name} has no {', '.join(types)} to download",
                       code="no_albums")
    entries = [AlbumEntry(id=a.id, name=a.name, total_tracks=a.total_tracks,
                          artist=_artists([r.name for r in a.artists]) or artist.name)
               for a in albums]
    payload = CollectionDownload(download_type="artist", item_id=artist_id, name=artist.name,
                                 artist=artist.name, album_types=types, total_tracks=len(albums),
                                 albums=entries, provider=artist.provider)
    submitted = await job_submitter(ctx).submit(
        DOWNLOAD_KIND_COLLECTION, payload, owner_id=user.id,
        dedupe_key=dedupe_key(user.id, "artist", f"{artist_id}:{','.join(sorted(types))}"))
    queued = ArtistQueued(job=submitted.job, duplicate=submitted.duplicate)
    for album in entries:
        job, duplicate = await _submit_collection(
            ctx, user, "album", album.id, album.name, album.artist, album.total_tracks,
            parent_id=submitted.job.id, provider=artist.provider)
        # the artist job may have queued this album itself a moment ago: still ours
        ours = job.parent_id == submitted.job.id and not submitted.duplicate
        (queued.queued if ours or not duplicate else queued.duplicates).append(job.id)
    return queued


async def start_download(ctx: Context, owner: Owner, kind: str, item_id: str,
                         album_types: list[str] | None = None) -> tuple[Job, bool]:
    """Queue a download of `kind` (track, album, playlist, artist) for `owner`; (job,
    duplicate). The watcher's entry point as well as the REST dialects'.

    Raises:
        NotFound: the item is unknown to the catalog. Invalid: an unknown kind or album type.
        Unavailable: the job runner is not running.
    """
    user = await owner_user(ctx, owner)
    if kind == "track":
        return await _start_track(ctx, user, item_id)
    if kind in ("album", "playlist"):
        return await _start_collection(ctx, user, kind, item_id)
    if kind == "artist":
        queued = await start_artist_download(ctx, user, item_id, album_types)
        return queued.job, queued.duplicate
    raise Invalid(f"Unknown download type {kind!r}: use {', '.join(DOWNLOAD_TYPES)}",
                  code="invalid_type")
