"""Following the registry's change feed: cached contact data stays current, tombstones are applied.

The cursor is stored in the same transaction as the changes of its page, so a crash replays a page rather
than skipping it (applying a change twice is harmless: it sets the cache to the registry's current record).

An entry this node cannot apply (the registry's record breaks the contract, or this database refuses it)
is recorded in ``registry_feed_skipped`` with a code, never its contents, and skipped: one bad record must
not stop every later change from arriving. A registry that cannot be reached still stops the round (and
the next round retries from the stored cursor).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from local_library.patrons.queries import next_local_card_number, retire_card, update_patron
from local_library.registry_link.cache import store_national_patron
from local_library.registry_link.receipts import queue_erasure_receipt
from plumbing.db.types import DbConnection
from registry_contract.client import UNEXPECTED_RESPONSE, RegistryClient, RegistryError
from registry_contract.models import Change, PatronRecord
from registry_contract.refusals import RetiredCardReason

logger = logging.getLogger(__name__)

TOMBSTONES = frozenset({"deleted", "deceased", "opted_out", "unlinked"})
PAGE_SIZE = 200

RECORD_UNREADABLE = "record_unreadable"
"""The registry's record does not parse under the contract (e.g. a control character in a name)."""
RECORD_NOT_STORABLE = "record_not_storable"
"""This node's database refused the record (a constraint or a value it cannot hold); see ``sqlstate``."""


Counter = Literal["refreshed", "tombstones", "skipped"]


@dataclass
class FollowReport:
    refreshed: int = 0
    tombstones: int = 0
    skipped: int = 0

    def add(self, counter: Counter) -> None:
        if counter == "refreshed":
            self.refreshed += 1
        elif counter == "tombstones":
            self.tombstones += 1
        else:
            self.skipped += 1


@dataclass(frozen=True)
class _Unreadable:
    """Stands in for a record the registry sent but this node could not parse."""


async def _cursor(conn: DbConnection) -> str | None:
    cursor: str | None = await conn.fetchval("SELECT cursor FROM registry_feed_position")
    return cursor


async def _save_cursor(conn: DbConnection, cursor: str) -> None:
    await conn.execute(
        """
        INSERT INTO registry_feed_position (singleton, cursor) VALUES (true, $1)
        ON CONFLICT (singleton) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()
        """,
        cursor,
    )


async def _current_records(
    client: RegistryClient, changes: list[Change]
) -> dict[uuid.UUID, PatronRecord | _Unreadable | None]:
    """The current record of every patron a page mentions (None: no longer readable by this library)."""
    records: dict[uuid.UUID, PatronRecord | _Unreadable | None] = {}
    for change in changes:
        if change.change in TOMBSTONES or change.patron_id in records:
            continue
        try:
            records[change.patron_id] = await client.get_patron(change.patron_id, purpose="change feed")
        except RegistryError as error:
            if error.code == UNEXPECTED_RESPONSE:
                records[change.patron_id] = _Unreadable()
            elif error.code == "patron_not_found":
                records[change.patron_id] = None
            else:
                raise
    return records


async def _record_skipped(conn: DbConnection, change: Change, code: str, sqlstate: str | None = None) -> None:
    await conn.execute(
        """
        INSERT INTO registry_feed_skipped (registry_patron_id, change, patron_version, code, sqlstate)
        VALUES ($1, $2, $3, $4, $5)
        """,
        change.patron_id,
        change.change,
        change.patron_version,
        code,
        sqlstate,
    )
    # Ids and codes only: the record's contents are exactly what must not reach a log.
    logger.warning("skipped a change-feed entry this node cannot apply: %s %s", code, sqlstate or "")


async def _apply(
    conn: DbConnection, client: RegistryClient, change: Change, record: PatronRecord | _Unreadable | None
) -> Counter | None:
    """Apply one change; the report counter it adds to, or None."""
    if change.change in TOMBSTONES:
        return "tombstones" if await apply_tombstone(conn, change.patron_id, change.change) else None
    if isinstance(record, _Unreadable):
        await _record_skipped(conn, change, RECORD_UNREADABLE)
        return "skipped"
    if record is not None and client.library_id in record.libraries:
        await _refresh(conn, record)
        return "refreshed"
    return None


async def follow_changes(pool: asyncpg.Pool, client: RegistryClient) -> FollowReport:
    """Apply every change the registry has for this library, page by page, until none are left."""
    report = FollowReport()
    while True:
        async with pool.acquire() as conn:
            cursor = await _cursor(conn)
        page = await client.changes(cursor, limit=PAGE_SIZE)
        records = await _current_records(client, page.changes)
        async with pool.acquire() as conn, conn.transaction():
            for change in page.changes:
                try:
                    # A savepoint per change: a refused one is undone alone, the page goes on.
                    async with conn.transaction():
                        counter = await _apply(conn, client, change, records.get(change.patron_id))
                except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as error:
                    await _record_skipped(conn, change, RECORD_NOT_STORABLE, error.sqlstate)
                    counter = "skipped"
                if counter is not None:
                    report.add(counter)
            await _save_cursor(conn, page.next_cursor)
        if not page.has_more:
            return report


async def _refresh(conn: DbConnection, record: PatronRecord) -> None:
    old_card = await conn.fetchval(
        "SELECT card_number FROM patrons WHERE registry_patron_id = $1 FOR UPDATE", record.patron_id
    )
    patron = await store_national_patron(conn, record)
    if old_card is not None and old_card != record.card_number:
        # The registry gives a national card a new number only when it is reported lost.
        await retire_card(conn, patron.patron_id, old_card, await conn.fetchval("SELECT now()"), "lost")


# Why a tombstone retires the national card at this library (``registry_contract.refusals``).
_RETIRED_BY_TOMBSTONE: dict[str, RetiredCardReason] = {
    "deleted": "erased", "deceased": "erased", "opted_out": "opted_out", "unlinked": "unlinked",
}  # fmt: skip


async def apply_tombstone(conn: DbConnection, registry_patron_id: uuid.UUID, change: str) -> int:
    """The national record is gone (or no longer this library's): handle the local copy.

    With nothing open here (no loans, reservations or unpaid fees) the local record is erased as well. With
    open matters, a blocked local-only record keeps just what those matters need: loans and fees between the
    patron and this library stay local, and staff settle them.
    """
    row = await conn.fetchrow(
        "SELECT patron_id, card_number FROM patrons WHERE registry_patron_id = $1 FOR UPDATE", registry_patron_id
    )
    if row is None:
        return 0
    patron_id: uuid.UUID = row["patron_id"]
    if change == "deleted":
        await queue_erasure_receipt(conn, registry_patron_id, patron_id)
    open_matters = await conn.fetchval(
        """
        SELECT EXISTS (SELECT 1 FROM loans WHERE patron_id = $1 AND returned_on IS NULL)
            OR EXISTS (SELECT 1 FROM reservations WHERE patron_id = $1 AND status IN ('waiting', 'ready'))
            OR EXISTS (SELECT 1 FROM fees WHERE patron_id = $1 AND status = 'open')
        """,
        patron_id,
    )
    if not open_matters:
        await erase_local_patron(conn, patron_id)
        return 1
    if row["card_number"] is not None:
        retired_at = await conn.fetchval("SELECT now()")
        await retire_card(conn, patron_id, row["card_number"], retired_at, _RETIRED_BY_TOMBSTONE[change])
    await update_patron(
        conn, patron_id, kind="local", registry_patron_id=None, registry_version=None,
        card_number=await next_local_card_number(conn), blocked=True, blocked_reason="staff",
    )  # fmt: skip
    await conn.execute(
        "UPDATE reservations SET status = 'cancelled' WHERE patron_id = $1 AND status = 'waiting'", patron_id
    )
    return 1


async def erase_local_patron(conn: DbConnection, patron_id: uuid.UUID) -> None:
    """Remove the patron and everything this library kept about them (history included)."""
    for table in ("notices", "fees", "reservations", "loans", "retired_cards", "registry_outbox"):
        # Fixed table names; every one of them refers to the patron, so the patron row can go last.
        await conn.execute(f"DELETE FROM {table} WHERE patron_id = $1", patron_id)  # noqa: S608 - fixed names
    await conn.execute("DELETE FROM patrons WHERE patron_id = $1", patron_id)
