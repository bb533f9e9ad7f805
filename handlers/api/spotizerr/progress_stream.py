"""`GET /api/prgs/stream`: Spotizerr's Server-Sent Events, plain `data: <json>` frames.

On connect: a snapshot (`change_type` "update", `initial: true`) of the active tasks only, as
the real backend sends (its web UI shows every task of it as running), then a replay of each
active task's last callback (`change_type` "callback", `replay: true`). Afterwards, every
CHORUS_PRGS_POLL_INTERVAL seconds, the user's top-level tasks updated since are sent as one
"update"; when nothing changed for CHORUS_PRGS_HEARTBEAT seconds, a "heartbeat" with the
counts. A failure to read is told as an "error" event and the stream goes on. The stream reads
the job rows (the same rows whose every progress write is pushed on the owner's `user:#<id>`
channel), so it works with any number of processes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import msgspec
from aiohttp import web

from handlers.api._auth import require_stream_principal
from handlers.api.keys import context
from handlers.api.spotizerr.params import base_url
from handlers.api.spotizerr.tasks import counts_json, task_json
from handlers.context import Context
from handlers.downloads import tasks
from handlers.identity.auth import Principal
from hub.keys import node_key
from store.records import Job

__all__ = ["stream_progress", "LAG"]

log = logging.getLogger("chorus.downloads")

LAG = 2.0  # seconds of updates read again, for writes that commit out of time order
HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "X-Accel-Buffering": "no",
           "Cache-Control": "private, no-cache, no-store, must-revalidate, max-age=0"}


def frame(data: dict[str, Any]) -> bytes:
    return b"data: " + msgspec.json.encode(data) + b"\n\n"


class _Changes:
    """One user's top-level tasks, and which versions of them this stream has sent."""

    def __init__(self, ctx: Context, principal: Principal, url: str) -> None:
        self.ctx, self.principal, self.url = ctx, principal, url
        self.cursor = 0.0
        self.sent: set[tuple[str, float]] = set()  # (task id, updated_at) already sent

    def _mark(self, jobs: list[Job]) -> list[Job]:
        """The jobs not sent yet in this version; remembers them."""
        fresh = [j for j in jobs if (j.id, j.updated_at) not in self.sent]
        for job in fresh:
            self.sent.add((job.id, job.updated_at))
            self.cursor = max(self.cursor, job.updated_at)
        floor = self.cursor - LAG
        self.sent = {key for key in self.sent if key[1] >= floor}
        return fresh

    async def counts(self) -> dict[str, Any]:
        return counts_json(await tasks.task_counts(self.ctx, self.principal))

    async def snapshot(self) -> tuple[dict[str, Any], list[Job]]:
        """The first event: every active task (ended ones are the list routes' business)."""
        now = time.time()
        self.cursor = now
        found = await tasks.task_updates(self.ctx, self.principal, None, active_only=True)
        self._mark(found.active)  # the cursor stays at least `now`
        return {"change_type": "update", "initial": True, "current_timestamp": now,
                "since_timestamp": now, "updated_count": 0,
                "tasks": [task_json(j, self.url) for j in found.active],
                **await self.counts()}, found.active

    async def update(self) -> dict[str, Any] | None:
        since = self.cursor
        fresh = self._mark(await tasks.tasks_changed_since(self.ctx, self.principal, since - LAG))
        if not fresh:
            return None
        return {"change_type": "update", "trigger_reason": "progress_update",
                "current_timestamp": time.time(), "since_timestamp": since,
                "updated_count": len(fresh), "tasks": [task_json(j, self.url) for j in fresh],
                **await self.counts()}

    async def heartbeat(self) -> dict[str, Any]:
        counts = await self.counts()
        return {"change_type": "heartbeat", "current_timestamp": time.time(), "tasks": [],
                "total_tasks": counts["total_tasks"], "task_counts": counts["task_counts"]}


def _replay(job: Job, url: str) -> dict[str, Any]:
    return {"task_id": job.id, "callback_data": task_json(job, url)["last_line"],
            "timestamp": job.updated_at, "change_type": "callback",
            "event_type": "progress_update", "replay": True}


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _next_event(changes: _Changes, idle_for: float, heartbeat: float
                      ) -> dict[str, Any] | None:
    try:
        event = await changes.update()
        if event is None and idle_for >= heartbeat:
            event = await changes.heartbeat()
        return event
    except Exception:  # the store hiccuped: say so, and keep the stream
        log.exception("progress stream: reading tasks failed")
        return {"error": "Internal server error", "timestamp": time.time(),
                "change_type": "error", "tasks": []}


async def stream_progress(request: web.Request) -> web.StreamResponse:
    principal, ctx = await require_stream_principal(request), context(request)
    node, config = request.app[node_key], ctx.config
    changes = _Changes(ctx, principal, base_url(request))
    response = web.StreamResponse(headers=HEADERS)
    if request.keep_alive:
        response.headers["Connection"] = "keep-alive"
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    try:
        first, active = await changes.snapshot()
        await response.write(frame(first))
        for job in active:
            await response.write(frame(_replay(job, changes.url)))
        last = loop.time()
        while not node.shutting_down and not _gone(request):
            await asyncio.sleep(config.prgs_poll_interval)
            event = await _next_event(changes, loop.time() - last, config.prgs_heartbeat)
            if event is not None:
                await response.write(frame(event))
                last = loop.time()
    except (ConnectionError, RuntimeError):
        pass  # the client went away
    return response
