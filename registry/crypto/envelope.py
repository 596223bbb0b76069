"""Envelope encryption of patron data and the national-ID blind index.

Every patron gets a random data key. The data key encrypts each personal field (AES-256-GCM, associated data
binding the ciphertext to the patron and the column, so a ciphertext copied to another row or column fails to
decrypt). The data key itself is stored wrapped by a versioned key-encryption key (KEK) from the
:class:`~registry.crypto.keyring.KeyRing`; rotating the KEK only re-wraps the small data keys, and deleting a
patron's wrapped data key makes every copy of their fields unreadable (crypto-shredding).

Formats (all integers big-endian):

* wrapped data key: ``format (1) | KEK version (4) | nonce (12) | ciphertext + tag (48)``
* encrypted field: ``format (1) | nonce (12) | ciphertext + tag``

The leading format byte lets a later scheme be introduced without guessing what a stored blob is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import struct
import uuid
from collections.abc import Mapping, Sequence
from typing import TypeAlias, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from registry.crypto.keyring import KEY_SIZE, KeyRing, KeyRingError

__all__ = [
    "CryptoError",
    "FieldCipher",
    "JsonInput",
    "JsonValue",
    "Randomness",
    "blind_index",
    "canonical_json",
    "decrypt_field",
    "decrypt_json",
    "encrypt_field",
    "encrypt_json",
    "new_data_key",
    "new_patron_id",
    "patron_random_bytes",
    "rewrap_data_key",
    "unwrap_data_key",
    "wrap_data_key",
    "wrapped_kek_version",
]

# What decrypt_json returns: exactly the shapes json.loads builds.
JsonValue: TypeAlias = dict[str, "JsonValue"] | list["JsonValue"] | str | int | float | bool | None
# What encrypt_json takes: read-only (covariant) containers, so a caller's dict[str, list[str]] type-checks
# where the invariant dict/list of JsonValue would be refused.
JsonInput: TypeAlias = Mapping[str, "JsonInput"] | Sequence["JsonInput"] | str | int | float | bool | None

# Domain separators: the same key must never produce a tag that is valid for another purpose.
_BLIND_INDEX_DOMAIN = b"natreg/national-id/v1\x00"
_WRAP_DOMAIN = b"natreg/data-key/v1\x00"
_FIELD_DOMAIN = b"natreg/field/v1\x00"

_WRAP_FORMAT_V1 = 1
_FIELD_FORMAT_V1 = 1
_NONCE_SIZE = 12  # 96 bits: the GCM nonce size that needs no extra hashing; random is safe at our volumes
_TAG_SIZE = 16
_WRAP_HEADER = struct.Struct(">BI")  # format byte, KEK version
_WRAPPED_SIZE = _WRAP_HEADER.size + _NONCE_SIZE + KEY_SIZE + _TAG_SIZE
_FIELD_MIN_SIZE = 1 + _NONCE_SIZE + _TAG_SIZE
_FIELD_HEADER = bytes([_FIELD_FORMAT_V1])


# Sorted keys and compact separators give one encoding per value; ensure_ascii=False keeps æøå as two UTF-8
# bytes instead of six escape characters. (What json.dumps with these arguments builds on every call, built once.)
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: JsonInput) -> str:
    """The one JSON text of a list or dict field that :meth:`FieldCipher.encrypt_json` encrypts."""
    return _CANONICAL_JSON.encode(value)


class CryptoError(Exception):
    """A ciphertext failed to authenticate or is malformed: tampering, wrong key, wrong patron or column.

    Messages describe the blob's shape only, never plaintext or key material.
    """


def blind_index(keyring: KeyRing, national_id: str) -> bytes:
    """The keyed 32-byte lookup and uniqueness token of an 11-digit national ID.

    Keyed because an unkeyed hash of a national ID is worthless: all ~17 M valid IDs hash in seconds.
    Checksum validation is the caller's job; this only insists on the shape, so that formatting variants
    ("010190 12345") cannot produce a second index for the same person.
    """
    if len(national_id) != 11 or not (national_id.isascii() and national_id.isdigit()):
        # The ID itself is deliberately left out of the message: it is personal data.
        raise ValueError("national ID must be exactly 11 ASCII digits")
    return hmac.digest(keyring.blind_index_key, _BLIND_INDEX_DOMAIN + national_id.encode("ascii"), hashlib.sha256)


class Randomness:
    """Random bytes read from the operating system in one call and handed out in slices, each slice once.

    Bulk import encrypts about eleven values per patron, each needing a fresh random nonce; one ``getrandom``
    call per nonce cost more than the encryption itself. A slice of one large read is exactly as random as a
    separate read, and since no slice is handed out twice, nonces stay unique random 96-bit values.

    Not thread-safe and not copyable (a copy, or a copy in a forked process, would hand out the same bytes
    again): make one where it is used, for one batch, in one thread.
    """

    __slots__ = ("_buffer", "_position")

    def __init__(self, size: int) -> None:
        self._buffer = os.urandom(size)
        self._position = 0

    def take(self, size: int) -> bytes:
        start, end = self._position, self._position + size
        if end > len(self._buffer):
            raise ValueError("the random bytes drawn for this batch are used up")
        self._position = end
        return self._buffer[start:end]

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("Randomness is never copied: a copy would hand out the same nonces again")

    def __copy__(self) -> Randomness:
        raise TypeError("Randomness is never copied: a copy would hand out the same nonces again")


def patron_random_bytes(encrypted_fields: int) -> int:
    """The random bytes one new patron consumes: its ID, its data key, the wrap's nonce, a nonce per field."""
    return 16 + KEY_SIZE + _NONCE_SIZE * (1 + encrypted_fields)


def _random_bytes(size: int, randomness: Randomness | None) -> bytes:
    return secrets.token_bytes(size) if randomness is None else randomness.take(size)


def new_data_key(randomness: Randomness | None = None) -> bytes:
    """A fresh random AES-256 data key for one patron."""
    return _random_bytes(KEY_SIZE, randomness)


def new_patron_id(randomness: Randomness | None = None) -> uuid.UUID:
    """A random (version 4) patron ID."""
    return uuid.UUID(bytes=_random_bytes(16, randomness), version=4)


def wrap_data_key(
    keyring: KeyRing, data_key: bytes, patron_id: uuid.UUID, randomness: Randomness | None = None
) -> bytes:
    """Encrypt ``data_key`` under the active KEK, bound to ``patron_id``."""
    _check_data_key(data_key)
    version = keyring.active_kek_version
    header = _WRAP_HEADER.pack(_WRAP_FORMAT_V1, version)
    nonce = _random_bytes(_NONCE_SIZE, randomness)
    sealed = AESGCM(keyring.kek(version)).encrypt(nonce, data_key, _wrap_associated_data(header, patron_id))
    return header + nonce + sealed


def wrapped_kek_version(wrapped: bytes) -> int:
    """The KEK version a wrapped data key was sealed under, read without any key.

    Rotation uses this to find the rows still wrapped under an old version.
    """
    if len(wrapped) != _WRAPPED_SIZE:
        raise CryptoError(f"wrapped data key must be {_WRAPPED_SIZE} bytes, got {len(wrapped)}")
    format_version, kek_version = _WRAP_HEADER.unpack_from(wrapped)
    if format_version != _WRAP_FORMAT_V1:
        raise CryptoError(f"unknown wrapped data key format {format_version}")
    return cast(int, kek_version)


def unwrap_data_key(keyring: KeyRing, wrapped: bytes, patron_id: uuid.UUID) -> bytes:
    """Recover the data key of ``patron_id``, under whichever KEK version it was wrapped."""
    version = wrapped_kek_version(wrapped)
    try:
        kek = keyring.kek(version)
    except KeyRingError as exc:
        raise CryptoError(f"data key is wrapped under KEK version {version}, which is not loaded") from exc
    header = wrapped[: _WRAP_HEADER.size]
    nonce = wrapped[_WRAP_HEADER.size : _WRAP_HEADER.size + _NONCE_SIZE]
    sealed = wrapped[_WRAP_HEADER.size + _NONCE_SIZE :]
    try:
        return AESGCM(kek).decrypt(nonce, sealed, _wrap_associated_data(header, patron_id))
    except InvalidTag:
        raise CryptoError("wrapped data key failed to authenticate (tampered, or another patron's)") from None


def rewrap_data_key(keyring: KeyRing, wrapped: bytes, patron_id: uuid.UUID) -> bytes:
    """Re-seal a wrapped data key under the active KEK; one step of an online KEK rotation.

    The data key itself is unchanged, so none of the patron's field ciphertexts need touching. Always
    produces a fresh wrap; a batch job skips rows whose :func:`wrapped_kek_version` is already active.
    """
    return wrap_data_key(keyring, unwrap_data_key(keyring, wrapped, patron_id), patron_id)


class FieldCipher:
    """One patron's field encryption: a single AES-GCM instance for all of that patron's columns."""

    def __init__(self, data_key: bytes, patron_id: uuid.UUID, randomness: Randomness | None = None) -> None:
        _check_data_key(data_key)
        self._aead = AESGCM(data_key)
        self._patron_id = patron_id
        # The part of every field's associated data that is the same for all of this patron's columns.
        self._associated_prefix = _FIELD_DOMAIN + patron_id.bytes
        self._randomness = randomness

    def encrypt(self, column: str, plaintext: str) -> bytes:
        randomness = self._randomness
        nonce = secrets.token_bytes(_NONCE_SIZE) if randomness is None else randomness.take(_NONCE_SIZE)
        associated = self._associated_prefix + column.encode("utf-8")
        return _FIELD_HEADER + nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8"), associated)

    def encrypt_many(self, columns: Sequence[str], plaintexts: Sequence[str | None]) -> list[bytes | None]:
        """:meth:`encrypt` for each column with its plaintext (None stays None), in one loop: a new patron's
        fields at once, which a bulk import does a million times."""
        randomness = self._randomness
        take = secrets.token_bytes if randomness is None else randomness.take
        encrypt, prefix = self._aead.encrypt, self._associated_prefix
        sealed: list[bytes | None] = []
        for column, plaintext in zip(columns, plaintexts, strict=True):
            if plaintext is None:
                sealed.append(None)
                continue
            nonce = take(_NONCE_SIZE)
            associated = prefix + column.encode("utf-8")
            sealed.append(_FIELD_HEADER + nonce + encrypt(nonce, plaintext.encode("utf-8"), associated))
        return sealed

    def decrypt(self, column: str, blob: bytes) -> str:
        if len(blob) < _FIELD_MIN_SIZE:
            raise CryptoError(f"encrypted field must be at least {_FIELD_MIN_SIZE} bytes, got {len(blob)}")
        if blob[0] != _FIELD_FORMAT_V1:
            raise CryptoError(f"unknown encrypted field format {blob[0]}")
        nonce = blob[1 : 1 + _NONCE_SIZE]
        sealed = blob[1 + _NONCE_SIZE :]
        try:
            plaintext = self._aead.decrypt(nonce, sealed, _field_associated_data(self._patron_id, column))
        except InvalidTag:
            raise CryptoError(
                f"encrypted field {column!r} failed to authenticate (tampered, wrong key, patron or column)"
            ) from None
        return plaintext.decode("utf-8")

    def encrypt_json(self, column: str, value: JsonInput) -> bytes:
        """A list or dict field (e.g. addresses) as canonical JSON."""
        return self.encrypt(column, canonical_json(value))

    def decrypt_json(self, column: str, blob: bytes) -> JsonValue:
        # json.loads can only build JsonValue shapes; the cast just tells mypy so.
        return cast(JsonValue, json.loads(self.decrypt(column, blob)))


def encrypt_field(data_key: bytes, patron_id: uuid.UUID, column: str, plaintext: str) -> bytes:
    """Encrypt one personal field of ``patron_id`` for storage in ``column``."""
    return FieldCipher(data_key, patron_id).encrypt(column, plaintext)


def decrypt_field(data_key: bytes, patron_id: uuid.UUID, column: str, blob: bytes) -> str:
    """Decrypt a field written by :func:`encrypt_field` for the same patron and column."""
    return FieldCipher(data_key, patron_id).decrypt(column, blob)


def encrypt_json(data_key: bytes, patron_id: uuid.UUID, column: str, value: JsonInput) -> bytes:
    """Encrypt a list or dict field (e.g. addresses) as canonical JSON."""
    return FieldCipher(data_key, patron_id).encrypt_json(column, value)


def decrypt_json(data_key: bytes, patron_id: uuid.UUID, column: str, blob: bytes) -> JsonValue:
    """Decrypt a field written by :func:`encrypt_json`."""
    return FieldCipher(data_key, patron_id).decrypt_json(column, blob)


def _check_data_key(data_key: bytes) -> None:
    if len(data_key) != KEY_SIZE:
        raise ValueError(f"data key must be {KEY_SIZE} bytes, got {len(data_key)}")


def _wrap_associated_data(header: bytes, patron_id: uuid.UUID) -> bytes:
    # The header is authenticated too, so the KEK version and format cannot be edited undetected.
    return _WRAP_DOMAIN + patron_id.bytes + header


def _field_associated_data(patron_id: uuid.UUID, column: str) -> bytes:
    # patron_id.bytes is always 16 bytes, so the column name that follows cannot be confused with it.
    return _FIELD_DOMAIN + patron_id.bytes + column.encode("utf-8")
