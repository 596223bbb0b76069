"""Private files and folders: log-like files appended durably (notices, the erasure ledger), and the
service's data and key folders kept 0700.

Those folders hold personal data (notice logs name patrons, the erasure ledger lists who was erased) and
keys; nobody but the service's own user has any business listing them. They are created 0700 and
tightened at every start, since a folder made by an older version, a copy or a restore may be 0755.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from plumbing.keys.files import SECRET_DIR_MODE, ensure_private_dir

logger = logging.getLogger(__name__)

PRIVATE_FILE_MODE = 0o600
TRAVERSABLE_DIR_MODE = 0o711
"""For a data folder holding the embedded PostgreSQL while running as root: the server runs as its own
user (see ``plumbing.db.embedded``) and must pass through the folder; nobody else can list it."""


def append_private_line(path: Path, line: str) -> None:
    """Append one line to a 0600 file and flush it to disk before returning (blocking: run in a thread)."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line if line.endswith("\n") else line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _tighten(folder: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(folder.stat().st_mode) != mode:
            folder.chmod(mode)
    except OSError as error:  # a read-only mount or another owner: say so, the service still starts
        logger.warning("could not make %s private (%s): check its permissions", folder, error.strerror)


def data_dir_mode(data_dir: Path) -> int:
    embedded_server_passes_through = os.geteuid() == 0 and (data_dir / "pgdata").is_dir()
    return TRAVERSABLE_DIR_MODE if embedded_server_passes_through else SECRET_DIR_MODE


def secure_service_folders(data_dir: Path, keys_dir: Path, data_files: list[Path]) -> None:
    """At start: the data folder, every folder of the key material and the folders of ``data_files`` are
    created 0700 if missing and tightened to 0700 if not.

    A data file configured outside the data folder (a notice log in a shared folder, say) only gets its
    folder created 0700: an existing folder there may be shared on purpose and is left as it is.
    """
    ensure_private_dir(data_dir)
    _tighten(data_dir, data_dir_mode(data_dir))
    if keys_dir.is_dir():
        for folder in [keys_dir, *(path for path in keys_dir.rglob("*") if path.is_dir())]:
            _tighten(folder, SECRET_DIR_MODE)
    resolved_data_dir = data_dir.resolve()
    for path in data_files:
        folder = path.parent
        ensure_private_dir(folder)
        if folder.resolve() != resolved_data_dir and folder.resolve().is_relative_to(resolved_data_dir):
            _tighten(folder, SECRET_DIR_MODE)
