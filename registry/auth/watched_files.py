"""Noticing that a key file changed on disk, with a ``stat`` per file and nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

FileStamps = tuple[tuple[int, int], ...]


def file_stamps(paths: Sequence[Path]) -> FileStamps:
    """Each file's modification time and size; (0, 0) for a missing file."""
    stamps = []
    for path in paths:
        try:
            status = path.stat()
        except FileNotFoundError:
            stamps.append((0, 0))
        else:
            stamps.append((status.st_mtime_ns, status.st_size))
    return tuple(stamps)
