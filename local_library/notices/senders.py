"""Senders deliver notices to patrons; the default one appends JSON lines to a log file.

A real deployment plugs in a sender for its SMS gateway, mail server or print service. A sender either
returns (the notice is out) or raises; it must tolerate seeing a notice again after a crash, using
``dedupe_key``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

from plumbing.files import append_private_line

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
            # A private file: notices carry names and addresses.
            await asyncio.to_thread(append_private_line, self.path, line)
