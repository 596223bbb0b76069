"""The interlibrary outbox: every state change another library must hear of, delivered once it can listen.

A message is queued in the transaction of the state change that causes it, so both happen or neither. It is
delivered by the same rules as the registry outbox (``registry_link.outbox``): each entry claimed with
``FOR UPDATE SKIP LOCKED`` in a transaction that stays open while the peer is called and its answer applied
(two processes never send one entry at once; a process that dies releases its claim and the entry is sent
again with the same idempotency key, which the peer recognises); messages about one request go in order;
a peer that is down, slow or answers 5xx only delays its messages (exponential backoff, however long), and
other peers' messages pass meanwhile; a refusal (4xx) that the sender's ``settle`` does not turn into a
state change waits for staff (``needs_staff``) with the peer's code.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from local_library.federation.peer_client import PeerRefusedError, PeerUnavailableError
from local_library.registry_link.outbox import (
    ATTEMPTS_BEFORE_STAFF,
    FIRST_RETRY_DELAY,
    LONGEST_RETRY_DELAY,
    NeedsStaff,
)
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .messages import PeerAnswer, PeerMessage, RenewalAsk

logger = logging.getLogger(__name__)


class PeerTransport(Protocol):
    """Sends one message to another library's node over mutual TLS, with its idempotency key."""

    async def send(
        self, peer_library: str, operation: str, idempotency_key: uuid.UUID, message: PeerMessage | RenewalAsk
    ) -> PeerAnswer:
        """The peer's answer; raises ``PeerUnavailableError`` (down, slow, 5xx) or ``PeerRefusedError`` (4xx)."""


@dataclass(frozen=True)
class QueuedMessage:
    outbox_id: int
    idempotency_key: uuid.UUID
    peer_library: str
    operation: str
    message: PeerMessage
    attempts: int


# Applies the peer's answer (or its refusal) in the claim's transaction; raising NeedsStaff parks the entry.
Settle = Callable[[DbConnection, QueuedMessage, PeerAnswer | PeerRefusedError], Awaitable[None]]


async def enqueue_message(
    conn: DbConnection, now: dt.datetime, peer_library: str, operation: str, message: PeerMessage
) -> uuid.UUID:
    """Queue ``message`` for ``peer_library`` in the caller's transaction; returns its idempotency key."""
    key = uuid.uuid4()
    await conn.execute(
        """
        INSERT INTO interlibrary_outbox
            (idempotency_key, peer_library, operation, request_id, payload, next_attempt_at, created_at)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6)
        """,
        key,
        peer_library,
        operation,
        message.request_id,
        message.model_dump_json(exclude_none=True),
        now,
    )
    return key


@dataclass
class PeerDeliveryReport:
    delivered: int = 0
    needs_staff: int = 0
    retrying: int = 0


_CLAIM_NEXT = """
    SELECT entry.outbox_id, entry.idempotency_key, entry.peer_library, entry.operation, entry.payload,
           entry.attempts
    FROM interlibrary_outbox AS entry
    WHERE entry.status = 'pending'
      AND entry.next_attempt_at <= $1
      AND entry.peer_library <> ALL ($2::text[])
      AND NOT EXISTS (
          SELECT 1 FROM interlibrary_outbox AS earlier
          WHERE earlier.request_id = entry.request_id AND earlier.outbox_id < entry.outbox_id
            AND earlier.status IN ('pending', 'needs_staff')
      )
    ORDER BY entry.outbox_id
    LIMIT 1
    FOR UPDATE OF entry SKIP LOCKED
"""


async def deliver_messages(
    pool: asyncpg.Pool, transport: PeerTransport, settle: Settle, now: Callable[[], dt.datetime], *, limit: int = 100
) -> PeerDeliveryReport:
    """Deliver due messages oldest first, each on its own; a peer that is away is skipped for the round."""
    report = PeerDeliveryReport()
    away: list[str] = []  # peers that did not answer this round: their later messages wait, others pass
    for _ in range(limit):
        outcome = await _deliver_next(pool, transport, settle, now(), away)
        if outcome is None:
            break
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


async def _deliver_next(
    pool: asyncpg.Pool, transport: PeerTransport, settle: Settle, now: dt.datetime, away: list[str]
) -> str | None:
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(_CLAIM_NEXT, now, away)
        if row is None:
            return None
        queued = QueuedMessage(
            outbox_id=row["outbox_id"],
            idempotency_key=row["idempotency_key"],
            peer_library=row["peer_library"],
            operation=row["operation"],
            message=PeerMessage.model_validate(json.loads(row["payload"])),
            attempts=row["attempts"],
        )
        try:
            try:
                answer: PeerAnswer | PeerRefusedError = await transport.send(
                    queued.peer_library, queued.operation, queued.idempotency_key, queued.message
                )
            except PeerRefusedError as refusal:
                answer = refusal
            async with conn.transaction():  # a savepoint: a failing local change leaves the claim usable
                await settle(conn, queued, answer)
        except PeerUnavailableError as unavailable:
            away.append(queued.peer_library)
            await _retry_later(conn, queued, now, f"peer_{unavailable.reason}")  # not_reachable, timed_out, failed
            return "retrying"
        except NeedsStaff as parked:
            return await _park(conn, queued, parked.code)
        except Exception:  # every failure is settled per entry, never stops the others
            logger.exception("interlibrary message %s (%s) failed", queued.outbox_id, queued.operation)
            if queued.attempts + 1 >= ATTEMPTS_BEFORE_STAFF:
                return await _park(conn, queued, "delivery_error")
            await _retry_later(conn, queued, now, "delivery_error")
            return "retrying"
        await conn.execute(
            "UPDATE interlibrary_outbox SET status = 'delivered', attempts = attempts + 1, last_error = NULL, "
            "finished_at = $2 WHERE outbox_id = $1",
            queued.outbox_id,
            now,
        )
        return "delivered"


async def _retry_later(conn: DbConnection, queued: QueuedMessage, now: dt.datetime, code: str) -> None:
    delay = min(FIRST_RETRY_DELAY * (1 << min(queued.attempts, 20)), LONGEST_RETRY_DELAY)
    await conn.execute(
        "UPDATE interlibrary_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 "
        "WHERE outbox_id = $1",
        queued.outbox_id,
        now + delay,
        code,
    )


async def _park(conn: DbConnection, queued: QueuedMessage, code: str) -> str:
    await conn.execute(
        "UPDATE interlibrary_outbox SET status = 'needs_staff', attempts = attempts + 1, last_error = $2 "
        "WHERE outbox_id = $1",
        queued.outbox_id,
        code,
    )
    logger.warning("interlibrary message %s (%s) waits for staff: %s", queued.outbox_id, queued.operation, code)
    return "needs_staff"


def refusal_needs_staff(refusal: PeerRefusedError) -> NeedsStaff:
    """A refusal the sender has no state change for: staff look at it (the peer's code is kept)."""
    return NeedsStaff(refusal.code)


async def messages_waiting(conn: DbConnection) -> list[dict[str, Any]]:
    """Messages not yet delivered (pending or waiting for staff), for the staff API and desk."""
    rows = await conn.fetch(
        """
        SELECT outbox_id, peer_library, operation, request_id, status, attempts, last_error, next_attempt_at,
               created_at
        FROM interlibrary_outbox WHERE status IN ('pending', 'needs_staff') ORDER BY outbox_id
        """
    )
    return [dict(row) for row in rows]


async def retry_message(conn: DbConnection, outbox_id: int, now: dt.datetime) -> None:
    """Send a message that waits for staff again (its attempt count starts over)."""
    done = await conn.execute(
        "UPDATE interlibrary_outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL "
        "WHERE outbox_id = $1 AND status = 'needs_staff'",
        outbox_id,
        now,
    )
    if done == "UPDATE 0":
        raise DomainError(
            ErrorKind.CONFLICT, "outbox_entry_not_waiting", "only an entry that waits for staff can be retried"
        )
