"""Writing secret files: 0600 from the first byte, never silently replacing what exists."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from pathlib import Path

SECRET_FILE_MODE = 0o600
SECRET_DIR_MODE = 0o700
DATA_KEY_BYTES = 32


class KeyMaterialError(Exception):
    """Key material is missing, malformed, or would be overwritten."""


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents as 0700 (``mkdir(parents=True)`` would leave parents 0755)."""
    for directory in [*reversed(path.parents), path]:
        if not directory.exists():
            directory.mkdir(mode=SECRET_DIR_MODE)


def _write_temporary(directory: Path, name: str, content: bytes) -> Path:
    """Write ``content`` to a new 0600 temporary file next to its final place and flush it to disk.

    The temporary name starts with a dot and ends in ``.tmp``, so no reader's pattern (``kek-v*.key``) sees it.
    """
    temporary = directory / f".{name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _sync_directory(directory: Path) -> None:
    """Make the new name itself durable (a crash after rename must not lose the file)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new_file(path: Path, content: bytes) -> None:
    """Create ``path`` with mode 0600 and all of ``content`` at once; refuse if it already exists.

    The content goes to a temporary file first (0600 from its first byte, flushed to disk) and is then
    hard-linked to its name: a running registry that watches the key folder never reads a half-written key,
    and the link fails if the name exists, so the refusal stays race-free.
    """
    ensure_private_dir(path.parent)
    if path.exists():
        raise KeyMaterialError(f"{path} already exists; refusing to overwrite key material")
    temporary = _write_temporary(path.parent, path.name, content)
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise KeyMaterialError(f"{path} already exists; refusing to overwrite key material") from None
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)


def replace_file(path: Path, content: bytes) -> None:
    """Atomically replace ``path`` (for files that are meant to change: the CRL, the library list, renewed
    certificates): readers see the old content or the new, never a mixture."""
    ensure_private_dir(path.parent)
    temporary = _write_temporary(path.parent, path.name, content)
    os.replace(temporary, path)
    _sync_directory(path.parent)


def new_data_key_file(path: Path) -> None:
    """Write 32 random bytes as one line of URL-safe base64."""
    write_new_file(path, base64.urlsafe_b64encode(secrets.token_bytes(DATA_KEY_BYTES)) + b"\n")


def read_data_key_file(path: Path) -> bytes:
    try:
        text = path.read_bytes().strip()
    except FileNotFoundError:
        raise KeyMaterialError(f"missing key file {path}; run `natreg keys init`") from None
    try:
        key = base64.urlsafe_b64decode(text)
    except ValueError:
        raise KeyMaterialError(f"key file {path} is not URL-safe base64") from None
    if len(key) != DATA_KEY_BYTES:
        raise KeyMaterialError(f"key file {path} must hold {DATA_KEY_BYTES} bytes")
    return key


def load_or_create_key_file(path: Path) -> bytes:
    """A node's own key (PIN pepper, outbox key): created 0600 on first use, read ever after."""
    if not path.exists():
        # Another process may create it between our check and our write; then we read theirs.
        with contextlib.suppress(KeyMaterialError):
            new_data_key_file(path)
    return read_data_key_file(path)
