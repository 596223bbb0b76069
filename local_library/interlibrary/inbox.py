"""Messages from other library nodes, applied exactly once per idempotency key.

A message sent again (the sender's retry after a lost answer, its outbox run by a restarted process, a peer
answering twice) gets the answer the first one got, refusal included, and changes nothing: the key and its
answer are stored in the transaction of the change, and a lock on the key serialises two copies arriving at
once. The states' forward-only rule (``states``) covers what keys cannot: the same change under another key.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import asyncpg

from local_library.clock import Clock
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .borrowing import apply_from_owner
from .lending import apply_from_borrower, renew_for_borrower
from .messages import OPERATIONS_TO_BORROWER, OPERATIONS_TO_OWNER, PeerAnswer, PeerMessage, RenewalAsk

RENEW_OPERATION = "renew_item"


@dataclass(frozen=True)
class PeerDesk:
    """What the node needs to answer other libraries about interlibrary requests."""

    pool: asyncpg.Pool
    policy: LibraryPolicy
    clock: Clock


async def receive_message(
    desk: PeerDesk, caller_library: str, operation: str, idempotency_key: uuid.UUID, body: PeerMessage | RenewalAsk
) -> PeerAnswer:
    """Apply ``caller_library``'s message once; a repeat of ``idempotency_key`` gets the first outcome again."""
    async with desk.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{caller_library}:{idempotency_key}"
        )
        stored = await conn.fetchval(
            "SELECT answer FROM interlibrary_inbox WHERE peer_library = $1 AND idempotency_key = $2",
            caller_library,
            idempotency_key,
        )
        if stored is not None:
            return _replay(json.loads(stored))
        try:
            async with conn.transaction():  # a savepoint: a refusal leaves nothing half-done
                answer = await _apply(desk, conn, caller_library, operation, body)
            outcome: dict[str, object] = {"answer": answer.model_dump(mode="json")}
        except DomainError as refusal:
            if refusal.kind in (ErrorKind.UNAVAILABLE, ErrorKind.TOO_MANY_REQUESTS):
                raise  # try again later: nothing to remember
            outcome = {"refusal": {"kind": refusal.kind.value, "code": refusal.code, "message": refusal.message}}
        await conn.execute(
            """
            INSERT INTO interlibrary_inbox
                (peer_library, idempotency_key, operation, request_id, answer, received_at)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6)
            """,
            caller_library,
            idempotency_key,
            operation,
            body.request_id,
            json.dumps(outcome),
            desk.clock.now(),
        )
    return _replay(outcome)


def _replay(outcome: dict[str, object]) -> PeerAnswer:
    refusal = outcome.get("refusal")
    if isinstance(refusal, dict):
        raise DomainError(ErrorKind(refusal["kind"]), str(refusal["code"]), str(refusal["message"]))
    return PeerAnswer.model_validate(outcome["answer"])


async def _apply(
    desk: PeerDesk, conn: DbConnection, caller_library: str, operation: str, body: PeerMessage | RenewalAsk
) -> PeerAnswer:
    now = desk.clock.now()
    if operation == RENEW_OPERATION and isinstance(body, RenewalAsk):
        return await renew_for_borrower(conn, desk.policy, desk.clock, caller_library, body)
    if isinstance(body, PeerMessage) and operation in OPERATIONS_TO_OWNER:
        return await apply_from_borrower(
            conn, desk.policy, now, borrower_library=caller_library, operation=operation, message=body
        )
    if isinstance(body, PeerMessage) and operation in OPERATIONS_TO_BORROWER:
        return await apply_from_owner(conn, now, caller_library, operation, body)
    raise DomainError(ErrorKind.NOT_FOUND, "not_found", "no such interlibrary operation")
