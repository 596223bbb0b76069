"""SQL for the notice outbox; the caller owns the transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from local_library.policy import Channel
from plumbing.db.types import DbConnection

from .models import NoticeKind, OutgoingNotice, Recipient


async def insert_notice(
    conn: DbConnection,
    *,
    dedupe_key: str,
    patron_id: UUID,
    kind: NoticeKind,
    channel: Channel,
    content: dict[str, Any],
    created_at: datetime,
) -> bool:
    """Queue a notice unless one with ``dedupe_key`` exists; whether it was queued now."""
    notice_id = await conn.fetchval(
        """
        INSERT INTO notices (dedupe_key, patron_id, kind, channel, payload, created_at)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6)
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING notice_id
        """,
        dedupe_key,
        patron_id,
        kind,
        channel,
        json.dumps(content, default=str),
        created_at,
    )
    return notice_id is not None


async def lock_next_unsent(conn: DbConnection, after_notice_id: int) -> OutgoingNotice | None:
    """The oldest unsent notice after ``after_notice_id``, locked; one a concurrent run holds is skipped."""
    row = await conn.fetchrow(
        """
        SELECT n.notice_id, n.dedupe_key, n.patron_id, n.kind, n.channel, n.payload, n.created_at,
               p.name, p.email, p.phone, p.postal_address
        FROM notices n JOIN patrons p USING (patron_id)
        WHERE n.sent_at IS NULL AND n.notice_id > $1
        ORDER BY n.notice_id
        LIMIT 1
        FOR UPDATE OF n SKIP LOCKED
        """,
        after_notice_id,
    )
    return None if row is None else _outgoing(row)


def _outgoing(row: asyncpg.Record) -> OutgoingNotice:
    # The address is read at delivery, not at queueing: a patron who just corrected it gets the notice there.
    return OutgoingNotice(
        notice_id=row["notice_id"],
        dedupe_key=row["dedupe_key"],
        patron_id=row["patron_id"],
        kind=row["kind"],
        channel=row["channel"],
        recipient=Recipient(row["name"], row["email"], row["phone"], row["postal_address"]),
        content=json.loads(row["payload"]),
        created_at=row["created_at"],
    )


async def mark_sent(conn: DbConnection, notice_id: int, sent_at: datetime) -> None:
    await conn.execute(
        "UPDATE notices SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE notice_id = $1",
        notice_id,
        sent_at,
    )


async def mark_failed(conn: DbConnection, notice_id: int, error: str) -> None:
    await conn.execute(
        "UPDATE notices SET attempts = attempts + 1, last_error = $2 WHERE notice_id = $1",
        notice_id,
        error[:500],
    )


async def notices_of_patron(conn: DbConnection, patron_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """
        SELECT notice_id, dedupe_key, kind, channel, payload, created_at, sent_at, attempts
        FROM notices WHERE patron_id = $1 ORDER BY notice_id
        """,
        patron_id,
    )
    return [{**dict(row), "payload": json.loads(row["payload"])} for row in rows]
