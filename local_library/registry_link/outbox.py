"""The registry outbox: durable, ordered, retried delivery of this node's writes to the registry.

A write is queued in the same transaction as the local change that causes it, so either both happen or
neither. Delivery sends the oldest pending write first with its idempotency key; a registry that is away
only delays it (exponential backoff), a retried request is applied once, and a refusal is recorded for staff.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from natreg.db.types import DbConnection
from registry.client import RegistryClient, RegistryError, RegistryUnavailableError

logger = logging.getLogger(__name__)

NONCE_BYTES = 12
FIRST_RETRY_DELAY = dt.timedelta(seconds=2)
LONGEST_RETRY_DELAY = dt.timedelta(minutes=10)


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


# Applies one delivered entry: calls the registry, then updates local rows in the given transaction.
Deliverer = Callable[[RegistryClient, OutboxEntry], Awaitable[Callable[[DbConnection], Awaitable[None]]]]


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    postponed: int = 0


async def deliver_pending(
    pool: asyncpg.Pool,
    client: RegistryClient,
    cipher: OutboxCipher,
    deliverers: dict[str, Deliverer],
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    limit: int = 100,
    ignore_backoff: bool = False,
) -> DeliveryReport:
    """Deliver due entries oldest first; stop at the first one the registry cannot take yet (order matters:
    a contact change must not overtake the registration it belongs to).

    ``ignore_backoff`` retries a postponed entry at once: for an operator who knows the registry is back.
    """
    report = DeliveryReport()
    for _ in range(limit):
        async with pool.acquire() as conn:
            row = await conn.fetchrow(
                """
                SELECT outbox_id, idempotency_key, operation, patron_id, payload_ciphertext, attempts, next_attempt_at
                FROM registry_outbox WHERE status = 'pending' ORDER BY outbox_id LIMIT 1
                """
            )
        if row is None or (row["next_attempt_at"] > now() and not ignore_backoff):
            return report
        entry = OutboxEntry(
            outbox_id=row["outbox_id"],
            idempotency_key=row["idempotency_key"],
            operation=row["operation"],
            patron_id=row["patron_id"],
            payload=cipher.open(row["idempotency_key"], bytes(row["payload_ciphertext"])),
            attempts=row["attempts"],
        )
        try:
            apply_locally = await deliverers[entry.operation](client, entry)
        except RegistryUnavailableError:
            await _postpone(pool, entry, now())
            report.postponed += 1
            return report
        except RegistryError as error:
            await _finish(pool, entry, status="failed", error=error.code)
            report.failed += 1
            logger.warning("registry refused outbox entry %s (%s): %s", entry.outbox_id, entry.operation, error.code)
            continue
        async with pool.acquire() as conn, conn.transaction():
            await apply_locally(conn)
            await _mark(conn, entry, status="delivered", error=None)
        report.delivered += 1
    return report


async def _postpone(pool: asyncpg.Pool, entry: OutboxEntry, now: dt.datetime) -> None:
    delay = min(FIRST_RETRY_DELAY * (1 << min(entry.attempts, 20)), LONGEST_RETRY_DELAY)
    await pool.execute(
        """
        UPDATE registry_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
        WHERE outbox_id = $1
        """,
        entry.outbox_id,
        now + delay,
        "registry_unavailable",
    )


async def _mark(conn: DbConnection, entry: OutboxEntry, *, status: str, error: str | None) -> None:
    # The payload goes with the attempt: the national ID and PIN of a registration are no longer needed.
    await conn.execute(
        """
        UPDATE registry_outbox SET status = $2, last_error = $3, attempts = attempts + 1, finished_at = now(),
                                   payload_ciphertext = NULL
        WHERE outbox_id = $1
        """,
        entry.outbox_id,
        status,
        error,
    )


async def _finish(pool: asyncpg.Pool, entry: OutboxEntry, *, status: str, error: str | None) -> None:
    async with pool.acquire() as conn:
        await _mark(conn, entry, status=status, error=error)
