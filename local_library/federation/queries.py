"""The node's records of calls from other nodes: answers to idempotent state changes, patron accesses."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from plumbing.db.types import DbConnection


@dataclass(frozen=True)
class RecordedAnswer:
    request_fingerprint: bytes
    status: int
    body: Any


async def lock_idempotency_key(connection: DbConnection, caller_library: str, idempotency_key: str) -> None:
    """Serialise two deliveries of the same call (until the transaction ends), so the second sees the first's answer."""
    # Two int4 keys: the caller and the key (a rare hash collision only makes two unrelated calls take turns).
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", f"peer-call:{caller_library}", idempotency_key
    )


async def recorded_answer(connection: DbConnection, caller_library: str, idempotency_key: str) -> RecordedAnswer | None:
    row = await connection.fetchrow(
        "SELECT request_fingerprint, status, body::text AS body FROM peer_call_results"
        " WHERE caller_library = $1 AND idempotency_key = $2",
        caller_library,
        idempotency_key,
    )
    if row is None:
        return None
    return RecordedAnswer(bytes(row["request_fingerprint"]), row["status"], json.loads(row["body"]))


async def record_answer(
    connection: DbConnection, caller_library: str, idempotency_key: str, fingerprint: bytes, *, status: int, body: Any
) -> None:
    await connection.execute(
        "INSERT INTO peer_call_results (caller_library, idempotency_key, request_fingerprint, status, body)"
        " VALUES ($1, $2, $3, $4, $5::jsonb)",
        caller_library,
        idempotency_key,
        fingerprint,
        status,
        json.dumps(body),
    )


async def record_patron_access(
    connection: DbConnection, caller_library: str, patron_id: uuid.UUID, scope: str, statement_id: str
) -> None:
    await connection.execute(
        "INSERT INTO peer_patron_accesses (caller_library, patron_id, scope, statement_id) VALUES ($1, $2, $3, $4)",
        caller_library,
        patron_id,
        scope,
        statement_id,
    )


async def national_patron_id(connection: DbConnection, registry_patron_id: uuid.UUID) -> uuid.UUID | None:
    """This node's patron linked to the registry record, if the patron is linked here at all."""
    found: uuid.UUID | None = await connection.fetchval(
        "SELECT patron_id FROM patrons WHERE registry_patron_id = $1 AND kind = 'national'", registry_patron_id
    )
    return found
