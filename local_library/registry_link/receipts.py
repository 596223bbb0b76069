"""Erasure receipts: the patron hears from the library that the national record is gone.

Queued in the transaction that applies the tombstone (with the contact details it needs, since the local
record may be erased in the same step) and removed once the sender has taken it: at least once, and the
contact details do not outlive the receipt.
"""

from __future__ import annotations

import json
import uuid

import asyncpg

from local_library.notices.models import OutgoingNotice, Recipient
from local_library.notices.senders import NoticeSender
from plumbing.db.types import DbConnection


async def queue_erasure_receipt(conn: DbConnection, registry_patron_id: uuid.UUID, local_patron_id: uuid.UUID) -> None:
    row = await conn.fetchrow(
        "SELECT name, email, phone, postal_address, preferred_contact FROM patrons WHERE patron_id = $1",
        local_patron_id,
    )
    if row is None:
        return
    recipient = {key: row[key] for key in ("name", "email", "phone", "postal_address")}
    await conn.execute(
        """
        INSERT INTO erasure_receipts (registry_patron_id, channel, recipient) VALUES ($1, $2, $3)
        ON CONFLICT (registry_patron_id) DO NOTHING
        """,
        registry_patron_id,
        row["preferred_contact"],
        json.dumps(recipient),
    )


async def send_erasure_receipts(pool: asyncpg.Pool, sender: NoticeSender, library_id: str) -> int:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT receipt_id, registry_patron_id, channel, recipient, created_at FROM erasure_receipts "
            "ORDER BY receipt_id LIMIT 100"
        )
    for row in rows:
        recipient = json.loads(row["recipient"])
        await sender.send(
            OutgoingNotice(
                notice_id=row["receipt_id"],
                dedupe_key=f"erasure-receipt:{row['registry_patron_id']}",
                # The local record may be gone: the receipt names the patron by the registry's UUID.
                patron_id=row["registry_patron_id"],
                kind="receipt",
                channel=row["channel"],
                recipient=Recipient(**recipient),
                content={"library": library_id, "subject": "national_record_erased"},
                created_at=row["created_at"],
            )
        )
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM erasure_receipts WHERE receipt_id = $1", row["receipt_id"])
    return len(rows)
