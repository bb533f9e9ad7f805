"""Load the process secrets from <data_dir>/keys, generating them (mode 0600) on first start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from handlers.crypto import Keys

__all__ = ["load_keys"]


def _read_or_create(path: Path, make: object) -> bytes:
    if path.exists():
        return path.read_bytes()
    data: bytes = make()  # type: ignore[operator]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return data


def _rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_keys(data_dir: Path) -> Keys:
    keys_dir = data_dir / "keys"
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    return Keys(
        signing_key=_read_or_create(keys_dir / "signing.key", lambda: secrets.token_bytes(32)),
        fernet_key=_read_or_create(keys_dir / "fernet.key", Fernet.generate_key),
        rsa_private_pem=_read_or_create(keys_dir / "rsa_private.pem", _rsa_pem),
    )
