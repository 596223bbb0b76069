"""Recording read accesses in groups: one INSERT and one commit for all the reads that finished together.

Every lookup is audited, and the entry must be committed before the record leaves the registry. Recording
each one in the read's own statement made every lookup a write transaction of its own: a commit (and a WAL
flush) per read, most of a lookup's PostgreSQL CPU (issue 15). Here a read waits for its entry like before,
but the entries of all the reads that are waiting are written by one statement: while it runs, the next
reads queue up for the statement after it (group commit). Under load a statement carries dozens of entries;
a lone read pays one extra round trip.

Nothing is lost or answered early: :meth:`AccessRecorder.record` returns only once the entry is committed and
raises if it could not be (the caller then answers with an error, not the record). A read whose client went
away may still be recorded, which errs on the side of the patron.
"""

from __future__ import annotations

import asyncio

import asyncpg

from registry.audit.log import AuditEvent

# Bounds one statement (arrays of this many entries); more waiting entries go in the next one.
MAX_ENTRIES_PER_STATEMENT = 1000

_RECORD_ENTRIES = """
    INSERT INTO audit_pending (actor, library_id, operation, purpose, patron_id)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[])
"""


class AccessRecorder:
    """Writes audit entries of reads in groups; one per registry process, over its pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._waiting: list[tuple[AuditEvent, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, event: AuditEvent) -> None:
        """Return once ``event`` is committed in ``audit_pending``; raise the database's error if it was not."""
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, committed))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_waiting())
        # Shielded: a reader that is cancelled (its client left) must not cancel the statement others wait on.
        await asyncio.shield(committed)

    async def _write_while_waiting(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[:MAX_ENTRIES_PER_STATEMENT]
                del self._waiting[:MAX_ENTRIES_PER_STATEMENT]
                await self._write(group)
        finally:
            self._writer = None

    async def _write(self, group: list[tuple[AuditEvent, asyncio.Future[None]]]) -> None:
        events = [event for event, _ in group]
        try:
            async with self._pool.acquire() as connection:
                await connection.execute(
                    _RECORD_ENTRIES,
                    [event.actor for event in events],
                    [event.library_id for event in events],
                    [event.operation for event in events],
                    [event.purpose for event in events],
                    [event.patron_id for event in events],
                )
        except BaseException as error:
            # Every waiting reader gets the failure and answers with it; none waits for a statement that ended.
            failure = error if isinstance(error, Exception) else ConnectionError("the registry is stopping")
            for _, committed in group:
                if not committed.done():
                    committed.set_exception(failure)
            if failure is not error:
                raise
            return
        for _, committed in group:
            if not committed.done():
                committed.set_result(None)
