"""The registry outbox: durable, retried delivery of this node's writes to the registry, each entry on its own.

A write is queued in the same transaction as the local change that causes it, so either both happen or
neither. Delivery rules:

- **Each entry on its own.** An entry is claimed with ``FOR UPDATE SKIP LOCKED`` in a transaction that stays
  open while the registry is called and the local change is applied, so two node processes on one database
  (or the background loop and a desk request) never send the same entry twice; a process that dies releases
  its claim with its connection, and the entry is sent again with the same idempotency key.
- **Per-patron order.** An entry waits while an earlier entry of the same patron is open (pending or waiting
  for staff): a contact change never overtakes the registration it belongs to. Other patrons' entries pass.
- **Faults.** "Try again" answers (no answer or 5xx: ``RegistryUnavailableError``) keep the entry pending
  with exponential backoff, however long the outage, and end the round; a 429 waits its backoff too. Any
  other 4xx refusal cannot succeed by resending: the entry goes to ``needs_staff`` with the registry's code.
  Any other error (an unexpected
  answer, a local change that fails) counts an attempt with backoff, and after ``ATTEMPTS_BEFORE_STAFF`` such
  attempts the entry goes to ``needs_staff`` too. Staff see these entries (``GET /api/staff/registry-outbox``)
  and retry or discard them.
- **Secrets have a time limit.** A registration's national ID and PIN, and a new PIN, wait encrypted in the
  payload only until the registry answers, and never longer than the configured maximum age: then the payload
  is destroyed and the entry waits for staff with ``payload_expired`` (the desk registers the patron again).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryClient, RegistryError, RegistryUnavailableError

logger = logging.getLogger(__name__)

NONCE_BYTES = 12
FIRST_RETRY_DELAY = dt.timedelta(seconds=2)
LONGEST_RETRY_DELAY = dt.timedelta(minutes=10)
# Unexpected errors (not an outage, not a refusal) tried this many times before staff are asked to look.
ATTEMPTS_BEFORE_STAFF = 5
# Operations whose payload holds a national ID or a PIN: the payload age limit applies to these.
OPERATIONS_WITH_SECRETS = ("register", "change_pin")
TOO_MANY_REQUESTS = 429


class OutboxCipher:
    """Payload encryption with the node's outbox key, bound to the entry's idempotency key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, idempotency_key: uuid.UUID, payload: dict[str, Any]) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, json.dumps(payload).encode(), idempotency_key.bytes)

    def open(self, idempotency_key: uuid.UUID, sealed: bytes) -> dict[str, Any]:
        try:
            plain = self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], idempotency_key.bytes)
        except InvalidTag:
            raise ValueError("outbox payload does not decrypt with this node's outbox key") from None
        payload: dict[str, Any] = json.loads(plain)
        return payload


@dataclass(frozen=True)
class OutboxEntry:
    outbox_id: int
    idempotency_key: uuid.UUID
    operation: str
    patron_id: uuid.UUID
    payload: dict[str, Any]
    attempts: int


class NeedsStaff(Exception):  # noqa: N818 - an outcome, not a fault: the entry waits for staff with this code
    """Raised by a deliverer (or its local change) when the entry cannot succeed without a person deciding."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def enqueue(
    conn: DbConnection, cipher: OutboxCipher, operation: str, patron_id: uuid.UUID, payload: dict[str, Any]
) -> uuid.UUID:
    """Queue a write in the caller's transaction; returns its idempotency key."""
    key = uuid.uuid4()
    await conn.execute(
        """
        INSERT INTO registry_outbox (idempotency_key, operation, patron_id, payload_ciphertext)
        VALUES ($1, $2, $3, $4)
        """,
        key,
        operation,
        patron_id,
        cipher.seal(key, payload),
    )
    return key


LocalUpdate = Callable[[DbConnection], Awaitable[None]]
# Applies one delivered entry: calls the registry, then returns the local update for the claim's transaction.
Deliverer = Callable[[RegistryClient, OutboxEntry], Awaitable[LocalUpdate]]


@dataclass
class DeliveryReport:
    delivered: int = 0
    needs_staff: int = 0
    retrying: int = 0
    postponed: int = 0


_CLAIM_NEXT = """
    SELECT entry.outbox_id, entry.idempotency_key, entry.operation, entry.patron_id, entry.payload_ciphertext,
           entry.attempts
    FROM registry_outbox AS entry
    WHERE entry.status = 'pending'
      AND ($2 OR entry.next_attempt_at <= $1)
      AND ($3::uuid IS NULL OR entry.patron_id = $3)
      AND entry.outbox_id <> ALL ($4::bigint[])
      AND NOT EXISTS (
          SELECT 1 FROM registry_outbox AS earlier
          WHERE earlier.patron_id = entry.patron_id AND earlier.outbox_id < entry.outbox_id
            AND earlier.status IN ('pending', 'needs_staff')
      )
    ORDER BY entry.outbox_id
    LIMIT 1
    FOR UPDATE OF entry SKIP LOCKED
"""


async def deliver_pending(
    pool: asyncpg.Pool,
    client: RegistryClient,
    cipher: OutboxCipher,
    deliverers: dict[str, Deliverer],
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    limit: int = 100,
    ignore_backoff: bool = False,
    patron_id: uuid.UUID | None = None,
) -> DeliveryReport:
    """Deliver due entries, each on its own, oldest first; stop when the registry cannot take any now.

    ``ignore_backoff`` tries postponed entries at once (an operator who knows the registry is back, or a desk
    acting for the patron); ``patron_id`` limits the round to one patron's entries (the desk's short attempt).
    """
    delivery = _Round(pool, client, cipher, deliverers, ignore_backoff=ignore_backoff, patron_id=patron_id)
    report = DeliveryReport()
    for _ in range(limit):
        outcome = await delivery.deliver_next(now())
        if outcome is None:
            break
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "postponed":
            break
    return report


@dataclass
class _Round:
    pool: asyncpg.Pool
    client: RegistryClient
    cipher: OutboxCipher
    deliverers: dict[str, Deliverer]
    ignore_backoff: bool
    patron_id: uuid.UUID | None
    tried: list[int] = field(default_factory=list)

    async def deliver_next(self, now: dt.datetime) -> str | None:
        """Claim and deliver one entry; returns the name of the outcome's counter, or None when none is due."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(_CLAIM_NEXT, now, self.ignore_backoff, self.patron_id, self.tried)
            if row is None:
                return None
            self.tried.append(row["outbox_id"])
            try:
                entry = _open_entry(self.cipher, row)
                apply_locally = await self.deliverers[entry.operation](self.client, entry)
                async with conn.transaction():  # a savepoint: a failing local change leaves the claim usable
                    await apply_locally(conn)
            except Exception as error:  # noqa: BLE001 - every failure is settled per entry, never stops the others
                return await _settle_failure(conn, row, now, error)
            await conn.execute(
                """
                UPDATE registry_outbox SET status = 'delivered', last_error = NULL, attempts = attempts + 1,
                                           finished_at = now(), payload_ciphertext = NULL
                WHERE outbox_id = $1
                """,
                row["outbox_id"],
            )
            return "delivered"


async def _settle_failure(conn: DbConnection, row: asyncpg.Record, now: dt.datetime, error: Exception) -> str:
    if isinstance(error, RegistryUnavailableError):
        await _retry_later(conn, row, now, "registry_unavailable")
        return "postponed"
    if isinstance(error, NeedsStaff):
        return await _park(conn, row, error.code)
    if isinstance(error, RegistryError) and error.status == TOO_MANY_REQUESTS:
        await _retry_later(conn, row, now, error.code)  # throttled: later, the same request will pass
        return "retrying"
    if isinstance(error, RegistryError) and 400 <= error.status < 500:
        return await _park(conn, row, error.code)  # a refusal: the same request would be refused again
    if isinstance(error, RegistryError):
        return await _retry_or_park(conn, row, now, error.code)
    logger.error("delivering outbox entry %s (%s) failed", row["outbox_id"], row["operation"], exc_info=error)
    return await _retry_or_park(conn, row, now, "delivery_error")


def _open_entry(cipher: OutboxCipher, row: asyncpg.Record) -> OutboxEntry:
    if row["payload_ciphertext"] is None:
        raise NeedsStaff("payload_missing")
    try:
        payload = cipher.open(row["idempotency_key"], bytes(row["payload_ciphertext"]))
    except ValueError:
        raise NeedsStaff("payload_unreadable") from None
    return OutboxEntry(
        outbox_id=row["outbox_id"], idempotency_key=row["idempotency_key"], operation=row["operation"],
        patron_id=row["patron_id"], payload=payload, attempts=row["attempts"],
    )  # fmt: skip


async def _retry_later(conn: DbConnection, row: asyncpg.Record, now: dt.datetime, code: str) -> None:
    delay = min(FIRST_RETRY_DELAY * (1 << min(row["attempts"], 20)), LONGEST_RETRY_DELAY)
    await conn.execute(
        """
        UPDATE registry_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
        WHERE outbox_id = $1
        """,
        row["outbox_id"],
        now + delay,
        code,
    )


async def _retry_or_park(conn: DbConnection, row: asyncpg.Record, now: dt.datetime, code: str) -> str:
    if row["attempts"] + 1 >= ATTEMPTS_BEFORE_STAFF:
        return await _park(conn, row, code)
    await _retry_later(conn, row, now, code)
    return "retrying"


async def _park(conn: DbConnection, row: asyncpg.Record, code: str) -> str:
    # The payload stays (encrypted, and for secrets within the age limit) so that staff can retry.
    await conn.execute(
        "UPDATE registry_outbox SET status = 'needs_staff', attempts = attempts + 1, last_error = $2 "
        "WHERE outbox_id = $1",
        row["outbox_id"],
        code,
    )
    logger.warning("outbox entry %s (%s) waits for staff: %s", row["outbox_id"], row["operation"], code)
    return "needs_staff"


async def expire_secret_payloads(conn: DbConnection, max_age: dt.timedelta, now: dt.datetime) -> int:
    """Destroy national IDs and PINs that waited longer than ``max_age``; their entries wait for staff."""
    expired = await conn.fetch(
        """
        UPDATE registry_outbox SET payload_ciphertext = NULL, status = 'needs_staff', last_error = 'payload_expired'
        WHERE outbox_id IN (
            -- An entry being delivered right now is left to that delivery (and expires next round if still due).
            SELECT outbox_id FROM registry_outbox
            WHERE operation = ANY ($1::text[]) AND status IN ('pending', 'needs_staff')
              AND payload_ciphertext IS NOT NULL AND created_at < $2
            FOR UPDATE SKIP LOCKED
        )
        RETURNING outbox_id
        """,
        list(OPERATIONS_WITH_SECRETS),
        now - max_age,
    )
    if expired:
        logger.warning(
            "%d outbox entries held a national ID or PIN longer than %s; destroyed, staff must redo them",
            len(expired),
            max_age,
        )
    return len(expired)


# Staff decisions on entries that wait for them.


async def _waiting_entry(conn: DbConnection, outbox_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT outbox_id, status, payload_ciphertext IS NOT NULL AS has_payload FROM registry_outbox "
        "WHERE outbox_id = $1 FOR UPDATE",
        outbox_id,
    )
    if row is None:
        raise DomainError(ErrorKind.NOT_FOUND, "outbox_entry_not_found", "no such outbox entry")
    if row["status"] != "needs_staff":
        raise DomainError(
            ErrorKind.CONFLICT,
            "outbox_entry_not_waiting",
            "only an entry that waits for staff can be retried or discarded",
        )
    return row


async def retry_entry(conn: DbConnection, outbox_id: int) -> None:
    """Send a parked entry again (its attempt count starts over)."""
    row = await _waiting_entry(conn, outbox_id)
    if not row["has_payload"]:
        raise DomainError(
            ErrorKind.CONFLICT, "outbox_payload_gone",
            "this entry's data was destroyed; discard it and do the operation at the desk again",
        )  # fmt: skip
    await conn.execute(
        "UPDATE registry_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL "
        "WHERE outbox_id = $1",
        outbox_id,
    )


async def discard_entry(conn: DbConnection, outbox_id: int) -> None:
    """Give a parked entry up for good: the registry never gets it, its payload is destroyed."""
    await _waiting_entry(conn, outbox_id)
    await conn.execute(
        "UPDATE registry_outbox SET status = 'discarded', payload_ciphertext = NULL, finished_at = now() "
        "WHERE outbox_id = $1",
        outbox_id,
    )
