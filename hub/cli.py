"""`chorus serve | migrate | config | import | charts | lyrics | bench`: the command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from hub.config import SETTINGS, Config, load_config
from hub.logs import setup_logging

__all__ = ["main", "build_parser", "shown_url"]

log = logging.getLogger("chorus")


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    defaults = Config()
    for setting in SETTINGS:
        flag = "--" + setting.field.replace("_", "-")
        default = getattr(defaults, setting.field)
        shown = ",".join(default) if isinstance(default, tuple) else default
        parser.add_argument(flag, dest=setting.field, default=None, metavar="VALUE",
                            help=f"{setting.help} (env {setting.env}, default {shown!r})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chorus", description="Chorus music hub")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the server")
    _add_setting_flags(serve)
    migrate = sub.add_parser("migrate", help="apply pending database migrations and exit; with "
                             "--from and --to, copy an embedded store into PostgreSQL")
    _add_setting_flags(migrate)
    migrate.add_argument("--from", dest="copy_from", metavar="URL",
                         help="sqlite:///path of the store to copy (with --to)")
    migrate.add_argument("--to", dest="copy_to", metavar="URL",
                         help="postgresql://... store to copy into; it must be empty")
    show = sub.add_parser("config", help="print the effective configuration (no secrets)")
    _add_setting_flags(show)
    load = sub.add_parser("import", help="import Spotify listening-history exports into a user's "
                                         "listens (JSON or the zip Spotify sends)")
    load.add_argument("--user", required=True, metavar="NAME", help="the user's username")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE", help="export files")
    _add_setting_flags(load)
    charts = sub.add_parser("charts", help="Kworb charts for /api/v1/kworb")
    charts_sub = charts.add_subparsers(dest="charts_command", required=True)
    load_charts = charts_sub.add_parser(
        "import", help="load Kworb charts from CSV files or kworb.net pages saved as HTML "
                       "(each file replaces its chart)")
    load_charts.add_argument("files", nargs="+", type=Path, metavar="FILE", help="chart files")
    load_charts.add_argument("--chart", choices=("top_streamed_artists", "monthly_listeners",
                                                 "top_songs"), default=None,
                             help="which chart (default: guessed from the header)")
    load_charts.add_argument("--scraped-at", default=None, metavar="ISO",
                             help="when the page was scraped (default: the file's time)")
    _add_setting_flags(load_charts)
    lyrics = sub.add_parser("lyrics", help="lyrics files: `lyrics import DIR` reads .lrc and "
                                           ".txt files into the store")
    lyrics.add_argument("action", choices=["import"])
    lyrics.add_argument("folder", type=Path, metavar="DIR",
                        help="folder of .lrc/.txt files (tags or 'Artist - Title' names)")
    _add_setting_flags(lyrics)
    bench = sub.add_parser("bench", help="run a benchmark from a source checkout (bench/README.md)",
                           add_help=False)
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)
    return parser


def _config_from(args: argparse.Namespace) -> Config:
    overrides = {s.field: getattr(args, s.field, None) for s in SETTINGS}
    return load_config(**overrides)


async def _migrate(config: Config) -> list[str]:
    from store import open_store

    store = open_store(config.store_url)
    await store.open()  # opening applies pending migrations
    try:
        return await store.migrate()
    finally:
        await store.close()


def shown_url(value: str) -> str:
    """A URL as printed: its password (postgresql://user:PASSWORD@host/db) masked."""
    if "://" not in value or "@" not in value:
        return value
    parts = urlsplit(value)
    if not parts.password:
        return value
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def serve(config: Config) -> None:
    from hub.app import create_app

    url = f"http://{config.host}:{config.port}"
    print(f"Chorus listening on {url}  (data in {config.data_path.resolve()})", flush=True)
    web.run_app(create_app(config), host=config.host, port=config.port, access_log=None,
                print=None, shutdown_timeout=5.0)


def _bench(argv: list[str]) -> int:
    """The benchmarks live in bench/ beside this package (not installed, and above it: they
    drive the whole application), so they are looked up by name at run time, as a plugin."""
    import importlib

    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    bench_main: Callable[[list[str]], int] = importlib.import_module("bench").main
    return bench_main(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # its own parser (bench/__init__.py), --help included
        return _bench(argv[1:])
    args = build_parser().parse_args(argv)
    config = _config_from(args)
    setup_logging(config.log_level)
    if args.command == "serve":
        serve(config)
    elif args.command == "migrate" and (args.copy_from or args.copy_to):
        if not (args.copy_from and args.copy_to):
            print("chorus migrate: --from and --to go together", file=sys.stderr)
            return 2
        from hub.migrate_cli import run_copy

        return asyncio.run(run_copy(args.copy_from, args.copy_to))
    elif args.command == "migrate":
        config.data_path.mkdir(parents=True, exist_ok=True)
        asyncio.run(_migrate(config))
        print(f"store at {shown_url(config.store_url)} is up to date")
    elif args.command == "import":
        from hub.import_cli import run_import

        return asyncio.run(run_import(config, args.user, args.files))
    elif args.command == "charts":
        from hub.charts_cli import run_charts_import

        return asyncio.run(run_charts_import(config, args.files, args.chart, args.scraped_at))
    elif args.command == "lyrics":
        from hub.lyrics_cli import run_lyrics_import

        return asyncio.run(run_lyrics_import(config, args.folder))
    elif args.command == "config":
        for setting in SETTINGS:
            value = getattr(config, setting.field)
            if setting.field.endswith(("password", "secret", "_token")):
                value = "***" if value else ""
            elif isinstance(value, str):
                value = shown_url(value)
            print(f"{setting.env}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
