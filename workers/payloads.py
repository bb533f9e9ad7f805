"""The download jobs' payloads, the typed contract between handlers.downloads (which queues
them) and the workers that run them (workers.downloader, workers.download_parent).

A payload is stored in the job row as JSON (`JobSubmitter.submit` encodes the Struct); a worker
reads it back with `payload_of`. The field names are those of the rows written before these
types existed, so a job queued by an older process still runs; fields added since have
defaults. `ChildSpec` and `Expander` say how a collection job learns its children.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import msgspec

from providers.sources import SourceSpec
from store.records import Job
from workers.jobs import JobError

__all__ = ["DownloadItem", "TrackDownload", "AlbumEntry", "CollectionDownload", "ChildSpec",
           "Expander", "payload_of"]

P = TypeVar("P", bound=msgspec.Struct)


class DownloadItem(msgspec.Struct, kw_only=True, frozen=True):
    """What every download job says of its item (the task views show it)."""

    download_type: str = ""  # track, album, playlist, artist
    item_id: str = ""
    provider: str = ""  # whose id item_id is (spotify, youtube, file...); "" in older rows
    name: str = ""
    artist: str = ""
    child_key: str | None = None  # the job's name among its parent's children, set by the parent


class TrackDownload(DownloadItem, kw_only=True, frozen=True):
    """A "download.track" job: where the bytes are, the final path, and the tags to write."""

    download_type: str = "track"
    album: str = ""
    item_url: str = ""
    target: str
    tags: dict[str, str] = {}
    sources: list[SourceSpec] = []
    url: str = ""  # one direct URL, for payloads that name no located sources
    no_source: str = ""  # why there is no source (e.g. a Spotify track: Chorus breaks no DRM)

    def candidates(self) -> list[SourceSpec]:
        if self.sources:
            return list(self.sources)
        return [SourceSpec(kind="http", location=self.url, source="direct")] if self.url else []


class AlbumEntry(msgspec.Struct, kw_only=True):
    """One album of an artist download, queued as a child collection job."""

    id: str
    name: str = ""
    total_tracks: int = 0
    artist: str = ""


class CollectionDownload(DownloadItem, kw_only=True, frozen=True):
    """A "download.collection" job: an album, a playlist, or an artist's `albums`."""

    total_tracks: int = 0
    album_types: list[str] = []  # an artist download's album types
    albums: list[AlbumEntry] = []  # an artist download's albums


class ChildSpec(msgspec.Struct, kw_only=True):
    """One child job to have: `key` identifies it among its siblings (e.g. "3:<track id>")."""

    kind: str
    key: str
    payload: DownloadItem
    dedupe_key: str | None = None
    max_attempts: int = 3


class Expander(Protocol):
    """What a collection job asks the domain when it runs (hub.app passes the domain's)."""

    async def children(self, job: Job, payload: CollectionDownload) -> list[ChildSpec]:
        """The children the collection job should have. Raises JobError (or RetryableError)
        when the collection cannot be read."""
        ...


def payload_of(job: Job, kind: type[P], what: str = "download") -> P:
    """The job's stored payload read as `kind`; JobError ("invalid <what> payload: ...") when
    the row holds something else."""
    try:
        return msgspec.convert(job.payload, kind)
    except msgspec.ValidationError as exc:
        raise JobError(f"invalid {what} payload: {exc}") from exc
