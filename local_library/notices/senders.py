"""Senders deliver notices to patrons; the default one appends JSON lines to a log file.

A real deployment plugs in a sender for its SMS gateway, mail server or print service. A sender either
returns (the notice is out) or raises; it must tolerate seeing a notice again after a crash, using
``dedupe_key``.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

from .models import OutgoingNotice


class NoticeSender(Protocol):
    async def send(self, notice: OutgoingNotice) -> None: ...


class LogFileNoticeSender:
    """Appends one JSON object per notice to ``path``, flushed to disk before ``send`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def send(self, notice: OutgoingNotice) -> None:
        record = asdict(notice)
        record["patron_id"] = str(notice.patron_id)
        record["created_at"] = notice.created_at.isoformat()
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        async with self._lock:
            await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # 0600: notices carry names and addresses.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
