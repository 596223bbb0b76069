"""The outbox queue's own rules, with deliverers standing in for the registry calls: every error counts an
attempt with backoff, an entry that keeps failing waits for staff, and per-patron order holds.
"""

from __future__ import annotations

import datetime as dt
import ssl
import uuid
from dataclasses import dataclass

import asyncpg

from local_library.patrons.queries import insert_patron, next_local_card_number
from local_library.registry_link.outbox import (
    ATTEMPTS_BEFORE_STAFF,
    Deliverer,
    LocalUpdate,
    OutboxCipher,
    OutboxEntry,
    deliver_pending,
    enqueue,
)
from plumbing.db.types import DbConnection
from registry_contract.client import RegistryClient

CIPHER = OutboxCipher(b"k" * 32)


@dataclass
class Clock:
    current: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.current


async def _nothing(conn: object) -> None:
    return None


async def _crashes(client: RegistryClient, entry: OutboxEntry) -> LocalUpdate:
    raise RuntimeError("a bug in this deliverer")


async def _delivers(client: RegistryClient, entry: OutboxEntry) -> LocalUpdate:
    return _nothing


async def _local_patron(conn: DbConnection) -> uuid.UUID:
    patron = await insert_patron(
        conn, kind="local", card_number=await next_local_card_number(conn), name="Kø Testesen",
        birth_date=dt.date(1980, 1, 1), preferred_contact="letter",
    )  # fmt: skip
    return patron.patron_id


async def test_a_failing_entry_backs_off_then_waits_for_staff_and_holds_back_only_its_patron(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        poisoned, other = await _local_patron(conn), await _local_patron(conn)
        await enqueue(conn, CIPHER, "deletion_request", poisoned, {})
        await enqueue(conn, CIPHER, "death_notice", poisoned, {})  # must wait behind the failing one
        await enqueue(conn, CIPHER, "death_notice", other, {})
    deliverers: dict[str, Deliverer] = {"deletion_request": _crashes, "death_notice": _delivers}
    unused = RegistryClient(
        "https://localhost:9", library_id="asker", credential="-", ssl_context=ssl.create_default_context()
    )
    clock = Clock(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))

    first = await deliver_pending(pool, unused, CIPHER, deliverers, now=clock)
    assert (first.delivered, first.retrying) == (1, 1)
    # Within the backoff nothing is tried again.
    assert (await deliver_pending(pool, unused, CIPHER, deliverers, now=clock)).retrying == 0
    for _ in range(ATTEMPTS_BEFORE_STAFF - 1):
        clock.current += dt.timedelta(hours=1)
        await deliver_pending(pool, unused, CIPHER, deliverers, now=clock)
    rows = await pool.fetch(
        "SELECT operation, patron_id, status, attempts, last_error FROM registry_outbox ORDER BY 1, 2"
    )
    by_key = {(row["operation"], row["patron_id"]): row for row in rows}
    failing = by_key["deletion_request", poisoned]
    assert (failing["status"], failing["attempts"], failing["last_error"]) == (
        "needs_staff",
        ATTEMPTS_BEFORE_STAFF,
        "delivery_error",
    )
    assert by_key["death_notice", poisoned]["status"] == "pending"  # per-patron order: still behind it
    assert by_key["death_notice", poisoned]["attempts"] == 0
    assert by_key["death_notice", other]["status"] == "delivered"
