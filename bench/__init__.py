"""Benchmarks (`chorus bench ...`): they print figures and are not tests; see bench/README.md."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """`chorus bench <name> ...`: parse the benchmark's arguments and run it."""
    from bench import collections, downloads, fanout, listening, media, quiz, serverapi, social

    parser = argparse.ArgumentParser(prog="chorus bench", description=__doc__)
    sub = parser.add_subparsers(dest="bench", required=True)
    fanout.add_parser(sub)
    social.add_parser(sub)
    serverapi.add_parser(sub)
    downloads.add_parser(sub)
    listening.add_parser(sub)
    collections.add_parser(sub)
    media.add_parser(sub)
    quiz.add_parser(sub)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result
