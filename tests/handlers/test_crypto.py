"""The process secrets on a data directory several processes share."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from handlers.crypto import load_keys


def _keys_of(data_dir: str) -> tuple[bytes, bytes, bytes]:
    keys = load_keys(Path(data_dir))
    return keys.signing_key, keys.fernet_key, keys.rsa_private_pem


def test_processes_starting_together_on_one_data_directory_agree_on_one_key(tmp_path):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        seen = pool.map(_keys_of, [str(tmp_path)] * 8)
    assert len(set(seen)) == 1
    signing, fernet, rsa_pem = seen[0]
    assert len(signing) == 32 and fernet and rsa_pem.startswith(b"-----BEGIN PRIVATE KEY")
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [
        "fernet.key", "rsa_private.pem", "signing.key"]  # no drafts left behind
    assert _keys_of(str(tmp_path)) == seen[0]  # a later start reads them
