"""Password hashing, token minting and hashing, encryption at rest: the crypto of identity, and
the process secrets it keys from (`load_keys`: <data_dir>/keys, generated with mode 0600 on
first start).

Passwords: argon2id over the hex MD5 of the password (DESIGN §4), so Openwhyd's clients, which
send the MD5 themselves, verify against the same hash as every plain-text login. No MD5 is stored.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import argon2
import jwt
import msgspec
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "Keys",
    "load_keys",
    "PasswordHasher",
    "AccessClaims",
    "md5_hex",
    "new_token",
    "hash_token",
    "sign_access_token",
    "read_access_token",
    "TokenExpired",
    "TokenInvalid",
    "Vault",
    "decrypt_rsa_password",
    "safe_redirect",
]


class Keys(msgspec.Struct, frozen=True):
    """Secrets generated on first start into <data_dir>/keys (mode 0600)."""

    signing_key: bytes
    fernet_key: bytes
    rsa_private_pem: bytes

    @property
    def rsa_private(self) -> rsa.RSAPrivateKey:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(self.rsa_private_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def rsa_public_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return self.rsa_private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


def md5_hex(password: str) -> str:
    return hashlib.md5(password.encode("utf-8")).hexdigest()  # noqa: S324 - wire compat only


class PasswordHasher:
    """argon2id off the event loop: hashing is CPU-bound and must not stall the hub."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
        self._dummy: str | None = None

    async def hash_md5(self, md5: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._hasher.hash, md5.lower())

    async def hash_password(self, password: str) -> str:
        return await self.hash_md5(md5_hex(password))

    async def verify_md5(self, stored: str | None, md5: str) -> bool:
        """True when `md5` matches; a missing hash still costs one verification (no timing leak)."""
        if stored is None:
            if self._dummy is None:
                self._dummy = await self.hash_md5(md5_hex(secrets.token_hex(8)))
            stored, md5 = self._dummy, "0" * 32
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._verify, stored, md5.lower())

    def _verify(self, stored: str, md5: str) -> bool:
        try:
            return self._hasher.verify(stored, md5)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

    def close(self) -> None:
        self._pool.shutdown(wait=False)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """How opaque tokens (refresh, reset, session cookie) are stored: SHA-256 hex."""
    return hashlib.sha256(token.encode()).hexdigest()


class AccessClaims(msgspec.Struct, frozen=True):
    sub: str
    sid: str
    exp: int
    iat: int
    role: str = "user"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def sign_access_token(key: bytes, user_id: int, session_id: str, role: str, ttl: int) -> str:
    now = int(time.time())
    payload = {"sub": str(user_id), "sid": session_id, "role": role, "iat": now, "exp": now + ttl}
    return jwt.encode(payload, key, algorithm="HS256")


def read_access_token(key: bytes, token: str) -> AccessClaims:
    try:
        payload: dict[str, Any] = jwt.decode(
            token, key, algorithms=["HS256"], options={"require": ["sub", "exp", "sid"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.PyJWTError as exc:
        raise TokenInvalid(str(exc)) from exc
    try:
        return msgspec.convert(payload, AccessClaims)
    except msgspec.ValidationError as exc:
        raise TokenInvalid(str(exc)) from exc


class Vault:
    """Encrypts provider tokens and credentials at rest (Fernet: AES-128-CBC + HMAC-SHA256)."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, plain: str | None) -> str | None:
        return None if plain is None else self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None


def decrypt_rsa_password(keys: Keys, ciphertext_b64: str) -> str | None:
    """Sono's X-Password-Encrypted: base64 RSA-OAEP(SHA-256) ciphertext; None if unreadable."""
    try:
        data = base64.b64decode(ciphertext_b64, validate=True)
        plain = keys.rsa_private.decrypt(
            data,
            padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )
        return plain.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


UNSAFE_IN_REDIRECT = frozenset("<>\"'`\\")


def safe_redirect(target: str, allowed_origins: Iterable[str]) -> str | None:
    """`target` if it is a path on this site (`/stream`) or an http(s) URL on one of
    `allowed_origins` ("scheme://host[:port]"), else None. Refused besides: other hosts,
    scheme-relative `//host`, `javascript:`, relative paths without their leading slash, and
    any quote, angle bracket, backslash, space or control character (a target is written
    into a Location header and into a page's script)."""
    if not target or any(c in UNSAFE_IN_REDIRECT or ord(c) < 0x21 or ord(c) == 0x7F
                          for c in target):
        return None
    if target.startswith("//"):
        return None
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc:
        return target if target.startswith("/") else None
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return target if origin in {o.rstrip("/").lower() for o in allowed_origins} else None


# -- the process secrets -------------------------------------------------------------------


def _read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The key at `path`, made if absent. Processes starting together on one data directory
    agree on one key: it is written whole to a file of its own, then linked into place (an
    atomic create-if-absent), so nobody reads a half-written key, and whoever loses the race
    reads the winner's."""
    if path.exists():
        return path.read_bytes()
    data = make()
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(draft, path)
    except FileExistsError:
        return path.read_bytes()
    finally:
        draft.unlink(missing_ok=True)
    return data


def _rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_keys(data_dir: Path) -> Keys:
    """The signing, encryption and RSA keys under <data_dir>/keys, made on first start."""
    keys_dir = data_dir / "keys"
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    return Keys(
        signing_key=_read_or_create(keys_dir / "signing.key", lambda: secrets.token_bytes(32)),
        fernet_key=_read_or_create(keys_dir / "fernet.key", Fernet.generate_key),
        rsa_private_pem=_read_or_create(keys_dir / "rsa_private.pem", _rsa_pem),
    )
