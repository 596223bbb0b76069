"""The registry's secret keys: loading them from the key directory and handing them out by purpose.

Key directory contract (the files are written by the key-generation command, never by this module):
each file holds 32 random bytes as URL-safe base64 on one line.

* ``kek-v1.key``, ``kek-v2.key``, ... — key-encryption keys that wrap the per-patron data keys. The highest
  version is active for new wraps; every version stays loadable so older wraps can still be unwrapped while a
  rotation is in progress.
* ``blind-index.key`` — HMAC key of the national-ID blind index.
* ``pin-pepper.key`` — secret mixed into every PIN before Argon2id.
* ``audit.key`` — HMAC key of the audit log's hash chain.
* ``credential.key`` — HMAC key under which library secrets are stored.

The keys live on disk (or in a KMS later), never in the database, so a database dump alone decrypts nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

__all__ = ["KEY_SIZE", "KeyRing", "KeyRingError"]

KEY_SIZE = 32

# Every KEK version is stored in 4 big-endian bytes in wrapped data keys.
_MAX_KEK_VERSION = 2**32 - 1
# Canonical names only: "kek-v01.key" next to "kek-v1.key" would make the active version ambiguous.
_KEK_FILE = re.compile(r"kek-v(?P<version>[1-9][0-9]*)\.key")

_URLSAFE_BASE64 = re.compile(rb"[A-Za-z0-9_-]+={0,2}")

_BLIND_INDEX_FILE = "blind-index.key"
_PIN_PEPPER_FILE = "pin-pepper.key"
_AUDIT_FILE = "audit.key"
_CREDENTIAL_FILE = "credential.key"


class KeyRingError(Exception):
    """The key directory is missing a key or holds one that is malformed. Never carries key material."""


@dataclass(frozen=True, eq=False, repr=False)
class KeyRing:
    """All registry keys, by purpose. Immutable; load once at startup and share.

    ``eq=False`` because comparing key rings byte by byte is never what a caller means, and a custom
    ``__repr__`` because the default one would print the keys into logs and tracebacks.
    """

    keks: Mapping[int, bytes] = field(repr=False)
    blind_index_key: bytes = field(repr=False)
    pin_pepper: bytes = field(repr=False)
    audit_key: bytes = field(repr=False)
    credential_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keks:
            raise KeyRingError("the key ring needs at least one key-encryption key")
        for version, key in self.keks.items():
            if not 1 <= version <= _MAX_KEK_VERSION:
                raise KeyRingError(f"key-encryption key version {version} is out of range")
            _check_size(key, f"key-encryption key v{version}")
        _check_size(self.blind_index_key, "blind-index key")
        _check_size(self.pin_pepper, "PIN pepper")
        _check_size(self.audit_key, "audit key")
        _check_size(self.credential_key, "credential key")
        # A read-only copy, so that "frozen" also holds for the mapping the caller passed in.
        object.__setattr__(self, "keks", MappingProxyType(dict(self.keks)))

    @classmethod
    def load(cls, data_dir: Path) -> KeyRing:
        """Read every key from ``data_dir``; raise :class:`KeyRingError` naming the first bad file."""
        if not data_dir.is_dir():
            raise KeyRingError(f"key directory {data_dir} does not exist or is not a directory")
        keks = {version: _read_key(path) for version, path in _find_kek_files(data_dir).items()}
        if not keks:
            raise KeyRingError(f"no key-encryption key (kek-v1.key, kek-v2.key, ...) in {data_dir}")
        return cls(
            keks=keks,
            blind_index_key=_read_key(data_dir / _BLIND_INDEX_FILE),
            pin_pepper=_read_key(data_dir / _PIN_PEPPER_FILE),
            audit_key=_read_key(data_dir / _AUDIT_FILE),
            credential_key=_read_key(data_dir / _CREDENTIAL_FILE),
        )

    @property
    def active_kek_version(self) -> int:
        """The version new data keys are wrapped under: always the highest one present."""
        return max(self.keks)

    @property
    def kek_versions(self) -> tuple[int, ...]:
        """Every loadable KEK version, oldest first."""
        return tuple(sorted(self.keks))

    def kek(self, version: int) -> bytes:
        """The key-encryption key of ``version``; :class:`KeyRingError` if that version is not loaded."""
        try:
            return self.keks[version]
        except KeyError:
            raise KeyRingError(f"key-encryption key version {version} is not in the key ring") from None

    def __repr__(self) -> str:
        versions = list(self.kek_versions)
        return f"KeyRing(kek_versions={versions}, active_kek_version={self.active_kek_version})"


def _check_size(key: bytes, what: str) -> None:
    if len(key) != KEY_SIZE:
        raise KeyRingError(f"{what} must be {KEY_SIZE} bytes, got {len(key)}")


def _find_kek_files(data_dir: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in sorted(data_dir.glob("kek-*.key")):
        match = _KEK_FILE.fullmatch(path.name)
        if match is None:
            # Refuse rather than skip: an ignored "kek-v2.key.bak"-style typo would silently change which
            # version is active.
            raise KeyRingError(f"{path} is not named kek-v<N>.key with N a positive integer")
        version = int(match["version"])
        if version > _MAX_KEK_VERSION:
            raise KeyRingError(f"{path}: version {version} does not fit in 4 bytes")
        found[version] = path
    return found


def _read_key(path: Path) -> bytes:
    """Decode one key file. Messages name the file and the problem, never the content."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyRingError(f"key file {path} is missing") from None
    except OSError as exc:
        raise KeyRingError(f"key file {path} cannot be read: {exc.strerror}") from None
    text = raw.strip()
    # The decoder alone would also take "+/" and skip stray characters; check the alphabet first.
    # Padding is optional so both base64.urlsafe_b64encode and secrets.token_urlsafe output load.
    if _URLSAFE_BASE64.fullmatch(text) is None:
        raise KeyRingError(f"key file {path} is not URL-safe base64 on a single line")
    try:
        key = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        # ``from None``: the decoder's message may quote characters of the key.
        raise KeyRingError(f"key file {path} is not URL-safe base64 on a single line") from None
    if len(key) != KEY_SIZE:
        raise KeyRingError(f"key file {path} decodes to {len(key)} bytes, expected {KEY_SIZE}")
    return key


class KeyRingWatcher:
    """The current key ring, re-read when the key directory changes.

    A new key-encryption key (``natreg keys new-kek``) must be known to every running registry instance
    before ``rotate-keys`` wraps data keys under it; watching the directory makes that happen on the next
    request, without a restart. One ``stat`` per call when nothing changed.
    """

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._stamp = self._read_stamp()
        self._keyring = KeyRing.load(data_dir)

    def _read_stamp(self) -> tuple[int, int]:
        status = self._data_dir.stat()
        return (status.st_mtime_ns, status.st_ino)

    def current(self) -> KeyRing:
        stamp = self._read_stamp()
        if stamp != self._stamp:
            self._keyring = KeyRing.load(self._data_dir)
            self._stamp = stamp
        return self._keyring
