"""The population register job's SQL: its position in the event feed and the backfill's progress.

Both are single rows locked ``FOR UPDATE SKIP LOCKED`` by the transaction that works: a second registry
instance finds the row taken and leaves the work to the first (no session-level lock outlives a transaction).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from plumbing.db.types import DbConnection


@dataclass(frozen=True)
class FeedPosition:
    last_sequence_number: int
    etag: str | None


async def lock_feed_position(connection: DbConnection) -> FeedPosition | None:
    """The position, locked until the transaction ends; None while another instance holds it."""
    row = await connection.fetchrow(
        "SELECT last_sequence_number, etag FROM population_feed_position FOR UPDATE SKIP LOCKED"
    )
    return None if row is None else FeedPosition(row["last_sequence_number"], row["etag"])


async def read_feed_position(connection: DbConnection) -> FeedPosition:
    row = await connection.fetchrow("SELECT last_sequence_number, etag FROM population_feed_position")
    assert row is not None  # the migration made the row
    return FeedPosition(row["last_sequence_number"], row["etag"])


async def save_feed_position(connection: DbConnection, last_sequence_number: int, etag: str | None) -> None:
    await connection.execute(
        "UPDATE population_feed_position SET last_sequence_number = $1, etag = $2, updated_at = now()",
        last_sequence_number,
        etag,
    )


@dataclass(frozen=True)
class BackfillProgress:
    last_patron_id: uuid.UUID | None
    checked: int
    finished: bool


async def lock_backfill_progress(connection: DbConnection) -> BackfillProgress | None:
    """The progress, locked until the transaction ends; None while another backfill holds it."""
    row = await connection.fetchrow(
        "SELECT last_patron_id, checked, finished_at IS NOT NULL AS finished FROM population_backfill_progress "
        "FOR UPDATE SKIP LOCKED"
    )
    if row is None:
        return None
    return BackfillProgress(row["last_patron_id"], row["checked"], row["finished"])


async def restart_backfill(connection: DbConnection) -> None:
    await connection.execute(
        "UPDATE population_backfill_progress SET last_patron_id = NULL, checked = 0, started_at = now(), "
        "finished_at = NULL"
    )


async def save_backfill_progress(
    connection: DbConnection, last_patron_id: uuid.UUID | None, checked: int, *, finished: bool
) -> None:
    await connection.execute(
        "UPDATE population_backfill_progress SET last_patron_id = $1, checked = $2, "
        "finished_at = CASE WHEN $3 THEN now() END",
        last_patron_id,
        checked,
        finished,
    )


async def ensure_backfill_row(connection: DbConnection) -> None:
    await connection.execute("INSERT INTO population_backfill_progress DEFAULT VALUES ON CONFLICT DO NOTHING")


async def patrons_after(connection: DbConnection, last_patron_id: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """The next patrons in ``patron_id`` order (the backfill's walk; new patrons join wherever their id falls)."""
    rows = await connection.fetch(
        "SELECT patron_id FROM patrons WHERE $1::uuid IS NULL OR patron_id > $1 ORDER BY patron_id LIMIT $2",
        last_patron_id,
        limit,
    )
    return [row["patron_id"] for row in rows]


async def count_patrons(connection: DbConnection) -> int:
    return int(await connection.fetchval("SELECT count(*) FROM patrons"))


async def approve_register_death_notice(connection: DbConnection, patron_id: uuid.UUID, actor: str) -> None:
    """A death the operator lets the register erase at once: its pending notices are decided with it."""
    await connection.execute(
        """
        UPDATE erasure_requests SET status = 'approved', decided_at = now(), decided_by = $2,
               decision_note = 'erased at once: death registered in the population register'
        WHERE patron_id = $1 AND status = 'pending'
        """,
        patron_id,
        actor,
    )
