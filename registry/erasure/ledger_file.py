"""A copy of the erasure ledger outside the database, so a restore from backup cannot forget an erasure.

Backups of the database are older than the erasures made since; this append-only file (kept and backed up
apart from the database) is what ``natreg admin erasure reapply`` reads after a restore. Each line holds
only a patron UUID, the reason and the time: nothing about the person.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from plumbing.files import append_private_line


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
            await asyncio.to_thread(append_private_line, self.path, line)

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
