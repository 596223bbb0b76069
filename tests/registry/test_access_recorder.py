"""Reads' audit entries written in groups (``registry.audit.accesses``): together, only ever answered once
committed, and a failure reaches every reader waiting on it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from plumbing.db.pool import create_pool
from registry.audit.accesses import AccessRecorder
from registry.audit.log import AuditEvent


@pytest.fixture
async def pool(registry_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(registry_database_url, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def db(registry_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(registry_database_url)
    yield connection
    await connection.close()


def _read_by(library_id: str) -> AuditEvent:
    return AuditEvent(
        actor=f"library:{library_id}", library_id=library_id, operation="lookup_by_card", purpose="desk",
        patron_id=uuid.uuid4(),
    )  # fmt: skip


async def _pending(db: asyncpg.Connection) -> list[asyncpg.Record]:
    return await db.fetch("SELECT transaction_id, library_id, patron_id FROM audit_pending ORDER BY entry_id")


async def test_reads_that_finish_together_are_recorded_by_one_statement(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    recorder = AccessRecorder(pool)
    events = [_read_by(f"library-{number}") for number in range(25)]
    await asyncio.gather(*(recorder.record(event) for event in events))
    rows = await _pending(db)
    assert [(row["library_id"], row["patron_id"]) for row in rows] == [(e.library_id, e.patron_id) for e in events]
    assert len({row["transaction_id"] for row in rows}) == 1

    # A lone read later is a statement of its own.
    await recorder.record(_read_by("alone"))
    assert len({row["transaction_id"] for row in await _pending(db)}) == 2


async def test_a_read_is_answered_only_once_its_entry_is_committed(pool: asyncpg.Pool, db: asyncpg.Connection) -> None:
    recorder = AccessRecorder(pool)
    async with db.transaction():
        await db.execute("LOCK TABLE audit_pending IN ACCESS EXCLUSIVE MODE")
        waiting = asyncio.ensure_future(recorder.record(_read_by("asker")))
        await asyncio.sleep(0.3)
        assert not waiting.done()
    await asyncio.wait_for(waiting, 10)
    assert len(await _pending(db)) == 1


async def test_a_failed_statement_fails_every_read_waiting_on_it_and_records_none(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    recorder = AccessRecorder(pool)
    async with db.transaction():
        await db.execute("LOCK TABLE audit_pending IN ACCESS EXCLUSIVE MODE")
        waiting = [asyncio.ensure_future(recorder.record(_read_by(name))) for name in ("asker", "sandnes")]
        # The database ends the recorder's connection mid-statement (a failover, an administrator), once the
        # statement waits for the table.
        for _ in range(600):
            terminated = await db.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                "WHERE relation = 'audit_pending'::regclass AND NOT granted"
            )
            if terminated:
                break
            await asyncio.sleep(0.05)
        assert terminated, "the recorder's statement never waited for the table"
        outcomes = await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), 10)
    assert all(isinstance(outcome, asyncpg.PostgresError | asyncpg.InterfaceError | OSError) for outcome in outcomes)
    assert await _pending(db) == []

    # The next read is recorded on a fresh connection.
    await recorder.record(_read_by("asker"))
    assert len(await _pending(db)) == 1


async def test_a_reader_that_leaves_does_not_cancel_the_others(pool: asyncpg.Pool, db: asyncpg.Connection) -> None:
    recorder = AccessRecorder(pool)
    async with db.transaction():
        await db.execute("LOCK TABLE audit_pending IN ACCESS EXCLUSIVE MODE")
        leaving = asyncio.ensure_future(recorder.record(_read_by("asker")))
        staying = asyncio.ensure_future(recorder.record(_read_by("sandnes")))
        await asyncio.sleep(0.3)
        leaving.cancel()
    await asyncio.wait_for(staying, 10)
    # The read that was cancelled had happened: it is recorded too (erring on the patron's side).
    assert sorted(row["library_id"] for row in await _pending(db)) == ["asker", "sandnes"]
