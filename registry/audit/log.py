"""Recording, sealing and verifying the hash-chained audit log.

An access is recorded in ``audit_pending`` inside the transaction of the access (it commits or rolls back with
it) and without any lock, so audited requests run in parallel; a read outside any transaction is answered once
its entry is committed, written together with the other reads of that moment (``accesses``). A single sealer —
whichever registry instance holds the sealing lock — moves committed entries into ``audit_log`` in commit order,
giving each its sequence number and hash: an HMAC (audit key, kept outside the database) over the previous
entry's hash and the entry's own fields. Someone who can write to the database but lacks the key cannot forge a
consistent chain; editing, inserting or deleting a sealed row breaks every link from there on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii

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


def _json_text(value: str | None) -> str:
    # Exactly what json.dumps (ensure_ascii, its default) writes for a string or None.
    return "null" if value is None else encode_basestring_ascii(value)


def _shared_text(occurred_at: dt.datetime, actor: str, library_id: str | None, operation: str, purpose: str) -> str:
    """The middle of an entry's canonical JSON (all but sequence number and patron), as _entry_hash writes it."""
    at = occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return ",".join(map(_json_text, (at, actor, library_id, operation, purpose)))


def _entry_hashes(audit_key: bytes, previous_hash: bytes, entries: Sequence[AuditEntry]) -> list[bytes]:
    """The hashes :func:`_entry_hash` gives ``entries``, chained from ``previous_hash``, byte for byte.

    Sealing is one thread walking the chain, so its cost per entry bounds how fast accesses can be recorded
    (a bulk import records one per patron). Here the canonical JSON is written directly with the json
    module's own string encoder, the part of consecutive entries that repeats (time, actor, library, operation,
    purpose: the same for a whole import batch) is encoded once, and the HMAC is the one-shot C function.
    tests/registry/test_audit_hashing.py holds it to _entry_hash on varied entries.
    """
    hashes = []
    shared_key: tuple[object, ...] | None = None
    shared = ""
    for entry in entries:
        key = (entry.occurred_at, entry.actor, entry.library_id, entry.operation, entry.purpose)
        if key != shared_key:
            shared_key = key
            shared = _shared_text(entry.occurred_at, entry.actor, entry.library_id, entry.operation, entry.purpose)
        patron = _json_text(str(entry.patron_id) if entry.patron_id else None)
        canonical = f"[{entry.sequence_number},{shared},{patron}]".encode()
        previous_hash = hmac.digest(audit_key, previous_hash + canonical, "sha256")
        hashes.append(previous_hash)
    return hashes


# Patron IDs as str(uuid.UUID) writes them, comma-separated: text that JSON writes as it is, between quotes.
_UUID_TEXT = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_CANONICAL_PATRON_IDS = re.compile(f"{_UUID_TEXT}(?:,{_UUID_TEXT})*")


def _uniform_hashes(
    audit_key: bytes, previous_hash: bytes, first_sequence_number: int, shared: str, patron_ids: Sequence[str]
) -> list[bytes]:
    """:func:`_entry_hashes` for entries that differ only in sequence number and patron (canonical text)."""
    hashes = []
    for sequence_number, patron_id in enumerate(patron_ids, start=first_sequence_number):
        canonical = f'[{sequence_number},{shared},"{patron_id}"]'.encode()
        previous_hash = hmac.digest(audit_key, previous_hash + canonical, "sha256")
        hashes.append(previous_hash)
    return hashes


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
        return await _seal_committed_pending(connection, audit_key, batch_size)


async def _seal_committed_pending(connection: DbConnection, audit_key: bytes, batch_size: int) -> int:
    """Chain up to ``batch_size`` committed pending entries (the caller's transaction holds the sealing lock)."""
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
    first = 1 if head is None else head["sequence_number"] + 1
    previous_hash = GENESIS_HASH if head is None else bytes(head["entry_hash"])
    entries = [_entry_from_row(row, sequence_number=first + offset) for offset, row in enumerate(pending)]
    await _append(connection, entries, previous_hash, _entry_hashes(audit_key, previous_hash, entries))
    await connection.execute("SET LOCAL natreg.audit_sealer = 'on'")
    await connection.execute(
        "DELETE FROM audit_pending WHERE entry_id = ANY($1::bigint[])", [row["entry_id"] for row in pending]
    )
    return len(pending)


_AUDIT_LOG_COLUMNS = [
    "sequence_number", "occurred_at", "actor", "library_id", "operation", "purpose", "patron_id", "previous_hash",
    "entry_hash",
]  # fmt: skip


async def _append(
    connection: DbConnection, entries: list[AuditEntry], previous_hash: bytes, hashes: list[bytes]
) -> None:
    """COPY chained entries into audit_log (the caller holds the sealing lock)."""
    await connection.copy_records_to_table(
        "audit_log",
        records=[
            (e.sequence_number, e.occurred_at, e.actor, e.library_id, e.operation, e.purpose, e.patron_id, previous, h)
            for e, previous, h in zip(entries, [previous_hash, *hashes[:-1]], hashes, strict=True)
        ],
        columns=_AUDIT_LOG_COLUMNS,
    )


async def record_sealed_many(
    connection: DbConnection, audit_key: bytes, access: AuditEvent, patron_ids: Sequence[str]
) -> None:
    """Record ``access`` to each of ``patron_ids`` (as ``str(uuid.UUID)`` writes them) straight into the hash
    chain, inside the caller's transaction (bulk import).

    For a transaction that writes thousands of entries at once, staging them in audit_pending for the sealer to
    read back, chain and delete costs the database several times what appending them does. Here the caller's
    transaction takes the sealing lock (held until it commits or rolls back, so the chain's head cannot move
    meanwhile: other sealers skip, or wait if told to), reads the head and appends the entries chained to it,
    all stamped with the database's clock at that moment. They commit or roll back with the access, as
    :func:`record` does. Entries already committed to audit_pending are sealed first, so that they stay ahead
    of these in the chain. Take the lock late in the transaction: sealing waits while it is held.
    """
    if not patron_ids:
        return
    if access.patron_id is not None or not _CANONICAL_PATRON_IDS.fullmatch(",".join(patron_ids)):
        # A patron ID in another spelling would be hashed as written but read back canonical: a broken chain.
        raise ValueError("patron IDs must be given as str(uuid.UUID) writes them, and only there")
    await connection.execute("SELECT pg_advisory_xact_lock($1)", AUDIT_SEALER_LOCK_ID)
    while await _seal_committed_pending(connection, audit_key, SEAL_BATCH_SIZE) == SEAL_BATCH_SIZE:
        pass
    head = await connection.fetchrow(
        "SELECT clock_timestamp() AS now, "
        "(SELECT sequence_number FROM audit_log ORDER BY sequence_number DESC LIMIT 1) AS sequence_number, "
        "(SELECT entry_hash FROM audit_log ORDER BY sequence_number DESC LIMIT 1) AS entry_hash"
    )
    assert head is not None
    first = 1 if head["sequence_number"] is None else head["sequence_number"] + 1
    previous_hash = GENESIS_HASH if head["entry_hash"] is None else bytes(head["entry_hash"])
    now: dt.datetime = head["now"]
    shared = _shared_text(now, access.actor, access.library_id, access.operation, access.purpose)
    hashes = _uniform_hashes(audit_key, previous_hash, first, shared, patron_ids)
    constant = (now, access.actor, access.library_id, access.operation, access.purpose)
    await connection.copy_records_to_table(
        "audit_log",
        records=[
            (number, *constant, patron_id, previous, entry_hash)
            for number, patron_id, previous, entry_hash in zip(
                itertools.count(first), patron_ids, [previous_hash, *hashes[:-1]], hashes, strict=False
            )
        ],
        columns=_AUDIT_LOG_COLUMNS,
    )


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


def _entry_from_row(row: asyncpg.Record, sequence_number: int | None = None) -> AuditEntry:
    """An entry read back; ``sequence_number`` for a pending one, which has none yet."""
    return AuditEntry(
        sequence_number=row["sequence_number"] if sequence_number is None else sequence_number,
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
