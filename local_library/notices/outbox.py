"""Queueing notices with the event that causes them, and delivering them at least once.

``enqueue_notice`` runs inside the caller's transaction, so a loan and its receipt, or a reminder fee and
its reminder, commit together or not at all. ``deliver_pending_notices`` sends each notice inside its own
short transaction holding the row lock and marks it sent before committing: a crash after the send and
before the commit leaves the row unsent, so it is sent again (at least once, never lost), and its stable
``dedupe_key`` lets the receiving end recognise the repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import asyncpg

from local_library.clock import Clock
from local_library.patrons.models import Patron
from local_library.policy import Channel
from plumbing.db.types import DbConnection

from .models import DeliveryReport, NoticeKind
from .queries import insert_notice, lock_next_unsent, mark_failed, mark_sent
from .senders import NoticeSender

logger = logging.getLogger(__name__)


def choose_channel(patron: Patron, allowed: Sequence[Channel]) -> Channel:
    """The patron's preferred method if the library sends this notice that way, else the first it can use."""
    reachable = {"email": patron.email, "sms": patron.phone, "letter": patron.postal_address}
    if patron.preferred_contact in allowed:
        return patron.preferred_contact
    for channel in allowed:
        if reachable[channel] is not None:
            return channel
    return patron.preferred_contact


async def enqueue_notice(
    conn: DbConnection,
    clock: Clock,
    *,
    dedupe_key: str,
    patron: Patron,
    kind: NoticeKind,
    allowed_channels: Sequence[Channel],
    content: dict[str, Any],
) -> bool:
    """Queue a notice in the caller's transaction; ``False`` if this ``dedupe_key`` was queued before."""
    return await insert_notice(
        conn,
        dedupe_key=dedupe_key,
        patron_id=patron.patron_id,
        kind=kind,
        channel=choose_channel(patron, allowed_channels),
        content=content,
        created_at=clock.now(),
    )


async def deliver_pending_notices(pool: asyncpg.Pool, sender: NoticeSender, clock: Clock) -> DeliveryReport:
    """Send every unsent notice once in this run; a notice whose sender fails stays queued for the next run."""
    sent = failed = 0
    last_seen = 0
    async with pool.acquire() as conn:
        while True:
            async with conn.transaction():
                notice = await lock_next_unsent(conn, last_seen)
                if notice is None:
                    break
                last_seen = notice.notice_id
                try:
                    await sender.send(notice)
                except Exception as error:  # noqa: BLE001 - any sender failure leaves the notice queued
                    logger.warning("notice %s not delivered: %s", notice.notice_id, type(error).__name__)
                    await mark_failed(conn, notice.notice_id, f"{type(error).__name__}: {error}")
                    failed += 1
                    continue
                await mark_sent(conn, notice.notice_id, clock.now())
                sent += 1
    return DeliveryReport(sent=sent, failed=failed)
