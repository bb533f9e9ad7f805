"""Download tasks as Spotizerr shows them: the task object of /api/prgs (with `last_line`,
the latest callback: `{track|album|playlist: {...}, status_info: {status, ...}}`) and the
history entry of /api/history."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import msgspec

from handlers.api.spotizerr.base import iso
from handlers.downloads.tasks import TaskCounts
from store.records import Job, JobStatus

__all__ = ["task_status", "task_json", "history_json", "history_status", "child_json",
           "counts_json",
           "HISTORY_STATUS"]

# job status -> Spotizerr's history status
HISTORY_STATUS = {"queued": "in_progress", "running": "in_progress", "completed": "completed",
                  "failed": "failed", "cancelled": "cancelled", "skipped": "skipped"}
_ENDED = {JobStatus.COMPLETED: "complete", JobStatus.FAILED: "error",
          JobStatus.CANCELLED: "cancelled", JobStatus.SKIPPED: "skipped"}


def _type(job: Job) -> str:
    return str(job.payload.get("download_type") or "track")


def task_status(job: Job) -> str:
    """Spotizerr's state: queued, retrying, initializing, downloading, progress, complete,
    error, cancelled or skipped."""
    if job.status == JobStatus.QUEUED:
        return "retrying" if job.attempts and job.error else "queued"
    if job.status == JobStatus.RUNNING:
        if _type(job) != "track":
            return "progress" if job.progress.get("total_tracks") else "initializing"
        return "downloading" if job.progress.get("bytes") else "initializing"
    return _ENDED[job.status]


def _result(job: Job) -> dict[str, Any]:
    return job.result if isinstance(job.result, dict) else {}


def _status_info(job: Job, status: str) -> dict[str, Any]:
    progress = job.progress
    if status == "retrying":
        return {"status": "retrying", "retry_count": job.attempts, "error": job.error,
                "seconds_left": max(0, round(job.run_after - time.time()))}
    if status == "downloading":
        elapsed = (time.time() - job.started_at) * 1000 if job.started_at else 0
        return {"status": "real-time", "progress": progress.get("percent"),
                "time_elapsed": int(elapsed), "bytes": progress.get("bytes"),
                "total": progress.get("total"), "speed": progress.get("speed")}
    if status == "progress":
        return {"status": "progress", **{k: progress.get(k) for k in (
            "current_track", "total_tracks", "completed_tracks", "failed_tracks",
            "skipped_tracks", "percent")}}
    if status == "complete":
        summary = _result(job).get("summary")
        return {"status": "done", **({"summary": summary} if summary else {})}
    if status == "error":
        return {"status": "error", "error": job.error}
    if status == "skipped":
        return {"status": "skipped", "reason": job.error}
    return {"status": status}


def _item(job: Job) -> dict[str, Any]:
    kind, payload = _type(job), job.payload
    names = [{"name": n.strip()} for n in str(payload.get("artist") or "").split(",") if n.strip()]
    if kind == "track":
        tags = payload.get("tags") or {}
        return {"type": "track", "title": payload.get("name", ""), "artists": names,
                "album": {"type": "album", "title": payload.get("album", "")},
                "track_number": int(tags["tracknumber"]) if str(
                    tags.get("tracknumber", "")).isdigit() else None,
                "ids": {str(payload.get("provider") or "spotify"): payload.get("item_id")}}
    if kind == "playlist":
        return {"type": "playlist", "title": payload.get("name", ""),
                "owner": {"type": "user", "name": payload.get("artist", "")}}
    return {"type": kind, "title": payload.get("name", ""), "artists": names,
            "total_tracks": payload.get("total_tracks")}


def _file_path(job: Job) -> str | None:
    path = _result(job).get("file_path") or job.progress.get("file_path")
    return str(path) if path else None


def task_json(job: Job, base_url: str = "") -> dict[str, Any]:
    """The task object of /api/prgs/list, /api/prgs/<id>, updates and the SSE stream."""
    status, kind = task_status(job), _type(job)
    last_line: dict[str, Any] = {"track" if kind == "track" else kind: _item(job),
                                 "status_info": _status_info(job, status)}
    if kind != "track" and job.progress.get("total_tracks") is not None:
        last_line["total_tracks"] = job.progress.get("total_tracks")
    if job.parent_id:
        last_line["parent"] = {"task_id": job.parent_id}
    # catalog ids are path-safe; a job queued before migration 0050 may still name a URL
    item_id = quote(str(job.payload.get("item_id", "")), safe="")
    task = {"task_id": job.id, "original_url": f"{base_url}/api/{kind}/download/{item_id}",
            "last_line": last_line, "timestamp": job.updated_at, "status_count": job.attempts,
            "created_at": job.created_at, "name": job.payload.get("name", ""),
            "artist": job.payload.get("artist", ""), "type": kind, "download_type": kind,
            "status": status, "progress": job.progress, "error": job.error,
            "file_path": _file_path(job), "completed_at": job.finished_at,
            "parent_task_id": job.parent_id}
    summary = _result(job).get("summary")
    if summary:
        task["summary"] = summary
    return task


def history_status(job: Job) -> str:
    """Spotizerr's history status: "partial" for a completed collection with failed tracks."""
    if job.status == JobStatus.COMPLETED and (_result(job).get("summary") or {}).get(
            "total_failed"):
        return "partial"
    return HISTORY_STATUS[str(job.status)]


def _artist_names(job: Job) -> list[str]:
    return [n.strip() for n in str(job.payload.get("artist") or "").split(",") if n.strip()]


def history_json(job: Job) -> dict[str, Any]:
    """A history entry (/api/history) in both shapes clients read: the document's (`name`,
    `artist`, `created_at` as naive UTC ISO-8601) and the real backend's rows (`title`,
    `artists[]`, `timestamp` in Unix seconds, `service`, `children_table`...). The web UI
    takes an entry with `album_title` for a child row: only `child_json` carries one."""
    summary = _result(job).get("summary") or {}
    kind, payload, path = _type(job), job.payload, _file_path(job)
    service = str(payload.get("provider") or "")
    item_id = payload.get("item_id")
    entry: dict[str, Any] = {
        "task_id": job.id, "id": job.id, "download_type": kind,
        "url": payload.get("item_url") or "", "item_id": item_id,
        "name": payload.get("name", ""), "artist": payload.get("artist", ""),
        "album": payload.get("album"), "status": history_status(job),
        "created_at": iso(job.created_at), "completed_at": iso(job.finished_at),
        "file_path": path, "error": job.error, "parent_task_id": job.parent_id,
        # the real backend's row
        "title": payload.get("name", ""), "artists": _artist_names(job),
        "timestamp": job.finished_at or job.created_at, "service": service,
        "quality_format": path.rsplit(".", 1)[-1].upper() if path and "." in path else "",
        "quality_bitrate": "", "external_ids": {service: item_id} if service and item_id else {},
        "metadata": {}, "release_date": {}, "genres": [], "images": [], "explicit": False,
        "album_type": kind if kind == "album" else "", "duration_total_ms": 0,
        "children_table": None}
    if kind == "playlist":
        entry["owner"] = {"display_name": payload.get("artist", "")}
    if kind != "track":
        entry.update(total_tracks=job.progress.get("total_tracks",
                                                   payload.get("total_tracks")),
                     successful_tracks=summary.get("total_successful", 0),
                     failed_tracks=summary.get("total_failed", 0),
                     skipped_tracks=summary.get("total_skipped", 0),
                     children_table=f"{kind}_{job.id}")
    return entry


def child_json(job: Job, position: int) -> dict[str, Any]:
    """A track of a collection in /api/history/<id>/children: its place and album title too."""
    return {**history_json(job), "position": position,
            "album_title": str(job.payload.get("album") or "")}


def counts_json(counts: TaskCounts) -> dict[str, Any]:
    """`task_counts` and the figures Spotizerr derives from them (`active_tasks`: not ended)."""
    data = msgspec.to_builtins(counts)
    return {"task_counts": data, "total_tasks": counts.active + counts.retrying,
            "active_tasks": counts.active + counts.queued + counts.retrying,
            "all_tasks_count": sum(data.values())}
