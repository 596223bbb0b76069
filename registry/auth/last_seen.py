"""When each library last authenticated: remembered cheaply, for the administrators' desk.

A node calls many times a second; the registry writes a library's time at most once a minute per instance,
off the request's path (a background write that may fail without failing the request: "last seen" is a
hint for an administrator, never a reason to refuse a library).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable

import asyncpg

from plumbing.db.types import DbConnection

logger = logging.getLogger(__name__)

RECORD_EVERY_SECONDS = 60.0


async def store_last_seen(connection: DbConnection, library_id: str, seen_at: dt.datetime) -> None:
    await connection.execute(
        """
        INSERT INTO library_last_seen (library_id, last_seen_at) VALUES ($1, $2)
        ON CONFLICT (library_id) DO UPDATE SET last_seen_at = greatest(library_last_seen.last_seen_at, $2)
        """,
        library_id,
        seen_at,
    )


async def last_seen_by_library(connection: DbConnection) -> dict[str, dt.datetime]:
    rows = await connection.fetch("SELECT library_id, last_seen_at FROM library_last_seen")
    return {row["library_id"]: row["last_seen_at"] for row in rows}


class LastSeenRecorder:
    """Notes authenticated libraries; writes each one's time at most every ``every_seconds``."""

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        *,
        every_seconds: float = RECORD_EVERY_SECONDS,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._pool = pool
        self._every = every_seconds
        self._now = now
        self._recorded: dict[str, float] = {}
        self._writes: set[asyncio.Task[None]] = set()

    def seen(self, library_id: str) -> None:
        """Called on every authenticated request; costs a dictionary lookup unless a write is due."""
        moment = time.monotonic()
        last = self._recorded.get(library_id)
        if last is not None and moment - last < self._every:
            return
        self._recorded[library_id] = moment
        task = asyncio.create_task(self._write(library_id, self._now()))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write(self, library_id: str, seen_at: dt.datetime) -> None:
        try:
            async with self._pool().acquire() as connection:
                await store_last_seen(connection, library_id, seen_at)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            # Try again on the library's next request rather than a minute later.
            self._recorded.pop(library_id, None)
            logger.warning("could not record when library %s was last seen", library_id)

    async def drain(self) -> None:
        """Let pending writes finish (at shutdown, before the pool closes)."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
