"""A copy of the erasure ledger outside the database, so a restore from backup cannot forget an erasure.

Backups of the database are older than the erasures made since; this append-only file (kept and backed up
apart from the database) is what ``natreg admin erasure reapply`` reads after a restore. Each line holds
only a patron UUID, the reason and the time: nothing about the person.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LedgerLine:
    patron_id: uuid.UUID
    reason: str
    erased_at: dt.datetime


class ErasureLedgerFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def append(self, patron_id: uuid.UUID, reason: str, erased_at: dt.datetime) -> None:
        line = json.dumps({"patron_id": str(patron_id), "reason": reason, "erased_at": erased_at.isoformat()})
        async with self._lock:
            await asyncio.to_thread(self._append, line + "\n")

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def read(self) -> list[LedgerLine]:
        if not self.path.exists():
            return []
        lines = []
        for text in self.path.read_text(encoding="utf-8").splitlines():
            if not text.strip():
                continue
            entry = json.loads(text)
            lines.append(
                LedgerLine(
                    uuid.UUID(entry["patron_id"]), entry["reason"], dt.datetime.fromisoformat(entry["erased_at"])
                )
            )
        return lines
