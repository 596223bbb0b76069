"""Recording, sealing and verifying the hash-chained audit log.

An access is recorded in ``audit_pending`` inside the transaction of the access (it commits or rolls back
with it) and without any lock, so audited requests run in parallel. A single sealer — whichever registry
instance holds the sealing lock — moves committed entries into ``audit_log`` in commit order, giving each its
sequence number and hash: an HMAC (audit key, kept outside the database) over the previous entry's hash and
the entry's own fields. Someone who can write to the database but lacks the key cannot forge a consistent
chain; editing, inserting or deleting a sealed row breaks every link from there on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

import asyncpg

from plumbing.db.types import DbConnection

GENESIS_HASH = b"\x00" * 32
# Only one sealer at a time: each sealed entry needs the hash of the one before it.
AUDIT_SEALER_LOCK_ID = 7_425_118_002
SEAL_BATCH_SIZE = 5000


@dataclass(frozen=True)
class AuditEvent:
    """What happened to which patron record, by whom and why."""

    actor: str
    operation: str
    purpose: str
    library_id: str | None = None
    patron_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AuditEntry:
    sequence_number: int
    occurred_at: dt.datetime
    actor: str
    library_id: str | None
    operation: str
    purpose: str
    patron_id: uuid.UUID | None


@dataclass(frozen=True)
class ChainVerdict:
    entries_checked: int
    first_broken_sequence_number: int | None
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_sequence_number is None


def _entry_hash(audit_key: bytes, previous_hash: bytes, entry: AuditEntry) -> bytes:
    canonical = json.dumps(
        [
            entry.sequence_number,
            entry.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            entry.actor,
            entry.library_id,
            entry.operation,
            entry.purpose,
            str(entry.patron_id) if entry.patron_id else None,
        ],
        separators=(",", ":"),
    ).encode()
    return hmac.new(audit_key, previous_hash + canonical, hashlib.sha256).digest()


async def record(connection: DbConnection, event: AuditEvent) -> None:
    """Record one access inside the caller's transaction (so it commits or rolls back with the access)."""
    await connection.execute(
        "INSERT INTO audit_pending (actor, library_id, operation, purpose, patron_id) VALUES ($1, $2, $3, $4, $5)",
        event.actor,
        event.library_id,
        event.operation,
        event.purpose,
        event.patron_id,
    )


def recording_from(source: str, first_parameter: int) -> str:
    """SQL that records an access for every patron row of the CTE ``source``, inside another statement.

    For reads, so that the row and its audit entry come from one statement: atomic without a transaction.
    The four parameters from ``first_parameter`` on are actor, library_id, operation and purpose; the
    patron comes from the row.
    """
    n = first_parameter
    columns = "INSERT INTO audit_pending (actor, library_id, operation, purpose, patron_id) "
    return columns + f"SELECT ${n}, ${n + 1}, ${n + 2}, ${n + 3}, patron_id FROM {source}"  # noqa: S608


def recording_arguments(event: AuditEvent) -> tuple[str, str | None, str, str]:
    return (event.actor, event.library_id, event.operation, event.purpose)


async def record_many(connection: DbConnection, events: list[AuditEvent]) -> None:
    """Record many accesses at once (bulk import), in order."""
    await connection.copy_records_to_table(
        "audit_pending",
        records=[(e.actor, e.library_id, e.operation, e.purpose, e.patron_id) for e in events],
        columns=["actor", "library_id", "operation", "purpose", "patron_id"],
    )


async def seal_pending(
    connection: DbConnection, audit_key: bytes, *, batch_size: int = SEAL_BATCH_SIZE, wait_turn: bool = False
) -> int:
    """Chain one batch of committed pending entries; return how many (0 if another sealer is at work and
    ``wait_turn`` is off: the background sealers of several instances skip rather than queue on the lock).

    Only entries of transactions older than every transaction still running are taken, in (transaction,
    entry) order: an entry that commits later can then never belong before one already sealed.
    """
    async with connection.transaction():
        if wait_turn:
            await connection.execute("SELECT pg_advisory_xact_lock($1)", AUDIT_SEALER_LOCK_ID)
        elif not await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", AUDIT_SEALER_LOCK_ID):
            return 0
        pending = await connection.fetch(
            """
            SELECT entry_id, occurred_at, actor, library_id, operation, purpose, patron_id FROM audit_pending
            WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
            ORDER BY transaction_id, entry_id
            LIMIT $1
            """,
            batch_size,
        )
        if not pending:
            return 0
        head = await connection.fetchrow(
            "SELECT sequence_number, entry_hash FROM audit_log ORDER BY sequence_number DESC LIMIT 1"
        )
        sequence_number = 0 if head is None else head["sequence_number"]
        previous_hash = GENESIS_HASH if head is None else bytes(head["entry_hash"])
        sealed = []
        for row in pending:
            sequence_number += 1
            entry = AuditEntry(
                sequence_number=sequence_number,
                occurred_at=row["occurred_at"],
                actor=row["actor"],
                library_id=row["library_id"],
                operation=row["operation"],
                purpose=row["purpose"],
                patron_id=row["patron_id"],
            )
            entry_hash = _entry_hash(audit_key, previous_hash, entry)
            sealed.append((
                sequence_number, entry.occurred_at, entry.actor, entry.library_id, entry.operation, entry.purpose,
                entry.patron_id, previous_hash, entry_hash,
            ))  # fmt: skip
            previous_hash = entry_hash
        await connection.copy_records_to_table(
            "audit_log",
            records=sealed,
            columns=[
                "sequence_number", "occurred_at", "actor", "library_id", "operation", "purpose", "patron_id",
                "previous_hash", "entry_hash",
            ],
        )  # fmt: skip
        await connection.execute("SET LOCAL natreg.audit_sealer = 'on'")
        await connection.execute(
            "DELETE FROM audit_pending WHERE entry_id = ANY($1::bigint[])", [row["entry_id"] for row in pending]
        )
        return len(pending)


async def seal_all(connection: DbConnection, audit_key: bytes, *, wait_turn: bool = True) -> int:
    """Seal until nothing committed is left pending (before verifying the chain, say).

    By default it waits while another sealer holds the lock, so that "nothing left" is true when it returns
    (a background sealer of this or another instance may be mid-batch).
    """
    total = 0
    while sealed := await seal_pending(connection, audit_key, wait_turn=wait_turn):
        total += sealed
    return total


async def verify_chain(connection: DbConnection, audit_key: bytes, *, batch_size: int = 10_000) -> ChainVerdict:
    """Walk the whole chain in order and name the first entry that does not fit."""
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    while True:
        rows = await connection.fetch(
            """
            SELECT sequence_number, occurred_at, actor, library_id, operation, purpose, patron_id,
                   previous_hash, entry_hash
            FROM audit_log WHERE sequence_number >= $1 ORDER BY sequence_number LIMIT $2
            """,
            expected_sequence,
            batch_size,
        )
        if not rows:
            return ChainVerdict(checked, None, None)
        for row in rows:
            entry = _entry_from_row(row)
            if entry.sequence_number != expected_sequence:
                return ChainVerdict(checked, expected_sequence, f"entry {expected_sequence} is missing")
            if bytes(row["previous_hash"]) != previous_hash:
                return ChainVerdict(checked, entry.sequence_number, "does not point to the entry before it")
            expected_hash = _entry_hash(audit_key, previous_hash, entry)
            if not hmac.compare_digest(expected_hash, bytes(row["entry_hash"])):
                return ChainVerdict(checked, entry.sequence_number, "its contents do not match its hash")
            previous_hash = expected_hash
            expected_sequence += 1
            checked += 1


def _entry_from_row(row: asyncpg.Record) -> AuditEntry:
    return AuditEntry(
        sequence_number=row["sequence_number"],
        occurred_at=row["occurred_at"],
        actor=row["actor"],
        library_id=row["library_id"],
        operation=row["operation"],
        purpose=row["purpose"],
        patron_id=row["patron_id"],
    )


async def last_sealed_entry(connection: DbConnection) -> tuple[int, dt.datetime] | None:
    """The newest sealed entry's sequence number and time (None while the chain is empty)."""
    row = await connection.fetchrow(
        "SELECT sequence_number, occurred_at FROM audit_log ORDER BY sequence_number DESC LIMIT 1"
    )
    return None if row is None else (row["sequence_number"], row["occurred_at"])


async def entries_for_patron(connection: DbConnection, patron_id: uuid.UUID) -> list[AuditEntry]:
    """Every access to one patron's record, oldest first, sealed or not yet (for the patron's insight page).

    Entries not yet sealed have no sequence number yet; they are listed after the sealed ones as 0.
    """
    rows = await connection.fetch(
        """
        SELECT sequence_number, occurred_at, actor, library_id, operation, purpose, patron_id
        FROM (
            SELECT sequence_number, 0 AS transaction_id, 0 AS entry_id, occurred_at, actor, library_id, operation,
                   purpose, patron_id
            FROM audit_log WHERE patron_id = $1
            UNION ALL
            SELECT 0, transaction_id, entry_id, occurred_at, actor, library_id, operation, purpose, patron_id
            FROM audit_pending WHERE patron_id = $1
        ) accesses
        ORDER BY sequence_number = 0, sequence_number, transaction_id, entry_id
        """,
        patron_id,
    )
    return [_entry_from_row(row) for row in rows]
