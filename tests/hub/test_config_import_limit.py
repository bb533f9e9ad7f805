"""CHORUS_IMPORT_MAX_BYTES: the listening-history upload limit, 600 MiB unless set."""

from __future__ import annotations

from hub.config import load_config


def test_the_import_limit_defaults_to_600_mib_and_reads_the_environment() -> None:
    assert load_config({}).import_max_bytes == 600 * 1024 * 1024 == 629_145_600
    assert load_config({"CHORUS_IMPORT_MAX_BYTES": "1048576"}).import_max_bytes == 1_048_576
