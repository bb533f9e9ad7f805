"""Serve an aiohttp app for a benchmark: free loopback port, `READY <port>`, stop on SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web

__all__ = ["serve"]


async def serve(app: web.Application) -> None:
    """Listen on a free loopback port, say `READY <port>`, run until SIGTERM or SIGINT."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=3.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    port = runner.addresses[0][1]
    print(f"READY {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
