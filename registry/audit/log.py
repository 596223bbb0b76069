"""Appending to and verifying the hash-chained audit log.

Each entry's hash is an HMAC (audit key, kept outside the database) over the previous entry's hash and the
entry's own fields. Someone who can write to the database but lacks the key cannot forge a consistent
chain; editing, inserting or deleting a row breaks every link from there on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

import asyncpg

from natreg.db.types import DbConnection

GENESIS_HASH = b"\x00" * 32
# Serialises appends: each entry needs the hash of the one before it. Held until the caller's transaction
# commits, so the chain order is the commit order.
AUDIT_APPEND_LOCK_ID = 7_425_118_002


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


async def record(connection: DbConnection, audit_key: bytes, event: AuditEvent) -> None:
    """Append one entry inside the caller's transaction (so it commits or rolls back with the access)."""
    await record_many(connection, audit_key, [event])


async def record_many(connection: DbConnection, audit_key: bytes, events: list[AuditEvent]) -> None:
    """Append entries in order, taking the chain lock once (bulk import writes thousands at a time)."""
    await connection.execute("SELECT pg_advisory_xact_lock($1)", AUDIT_APPEND_LOCK_ID)
    head = await connection.fetchrow(
        "SELECT sequence_number, entry_hash FROM audit_log ORDER BY sequence_number DESC LIMIT 1"
    )
    sequence_number = 0 if head is None else head["sequence_number"]
    previous_hash = GENESIS_HASH if head is None else bytes(head["entry_hash"])
    # Python's datetime has microsecond precision, like timestamptz, so the stored value hashes the same.
    occurred_at = dt.datetime.now(dt.UTC)
    rows = []
    for event in events:
        sequence_number += 1
        entry = AuditEntry(
            sequence_number=sequence_number,
            occurred_at=occurred_at,
            actor=event.actor,
            library_id=event.library_id,
            operation=event.operation,
            purpose=event.purpose,
            patron_id=event.patron_id,
        )
        entry_hash = _entry_hash(audit_key, previous_hash, entry)
        rows.append((
            sequence_number, occurred_at, event.actor, event.library_id, event.operation, event.purpose,
            event.patron_id, previous_hash, entry_hash,
        ))  # fmt: skip
        previous_hash = entry_hash
    await connection.executemany(
        """
        INSERT INTO audit_log (sequence_number, occurred_at, actor, library_id, operation, purpose, patron_id,
                               previous_hash, entry_hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        rows,
    )


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


async def entries_for_patron(connection: DbConnection, patron_id: uuid.UUID) -> list[AuditEntry]:
    """Every access to one patron's record, oldest first (for the patron's insight page)."""
    rows = await connection.fetch(
        """
        SELECT sequence_number, occurred_at, actor, library_id, operation, purpose, patron_id
        FROM audit_log WHERE patron_id = $1 ORDER BY sequence_number
        """,
        patron_id,
    )
    return [_entry_from_row(row) for row in rows]
