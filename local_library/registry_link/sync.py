"""Keeping this node and the registry in step: deliver the outbox, then follow the change feed.

The background loop runs every few seconds, and at once when woken: a desk request never runs a sync round
itself. It commits its local change with the queued write, gives just that patron's entries a short, bounded
attempt (``registry_desk_wait_seconds``; the attempt goes on in the background if the registry is slow), wakes
the loop, and answers from what it knows then (201/200 done, 202 queued).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from local_library.notices.senders import NoticeSender
from local_library.registry_link.follower import FollowReport, follow_changes
from local_library.registry_link.national import DELIVERERS
from local_library.registry_link.outbox import DeliveryReport, OutboxCipher, deliver_pending, expire_secret_payloads
from local_library.registry_link.receipts import send_erasure_receipts
from local_library.settings import LibrarySettings
from plumbing.keys.files import load_or_create_key_file
from plumbing.keys.layout import KeyLayout
from registry_contract.client import RegistryClient, RegistryUnavailableError

logger = logging.getLogger(__name__)

CONCURRENT_DESK_DELIVERIES = 3


@dataclass(frozen=True)
class RegistryLink:
    """What keeping in step with the registry works with, built once when the node starts (``app.py``).

    The lock, the wake-up event and the desk's delivery tasks belong to one running node: the background loop,
    an operator's "sync now" and the desks share them.
    """

    pool: asyncpg.Pool
    client: RegistryClient
    cipher: OutboxCipher
    notice_sender: NoticeSender
    library_id: str
    payload_max_age: dt.timedelta
    desk_wait_seconds: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    desk_deliveries: set[asyncio.Task[DeliveryReport]] = field(default_factory=set)
    desk_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CONCURRENT_DESK_DELIVERIES))

    @classmethod
    def for_node(
        cls, settings: LibrarySettings, pool: asyncpg.Pool, client: RegistryClient, notice_sender: NoticeSender
    ) -> RegistryLink:
        return cls(
            pool=pool,
            client=client,
            cipher=outbox_cipher(settings),
            notice_sender=notice_sender,
            library_id=settings.library_id,
            payload_max_age=dt.timedelta(hours=settings.outbox_payload_max_age_hours),
            desk_wait_seconds=settings.registry_desk_wait_seconds,
        )


@dataclass(frozen=True)
class SyncReport:
    delivery: DeliveryReport
    follow: FollowReport | None
    registry_reachable: bool


def outbox_cipher(settings: LibrarySettings) -> OutboxCipher:
    return OutboxCipher(load_or_create_key_file(KeyLayout(settings.keys_dir).library_outbox_key(settings.library_id)))


async def sync_with_registry(link: RegistryLink, *, now: bool = False) -> SyncReport:
    """One round; the lock keeps the loop and an operator's "sync now" from following the feed at once.

    ``now`` retries postponed writes without waiting for their backoff (an operator's "sync now"). Delivery
    itself is safe against any other deliverer by its row claims.
    """
    async with link.lock:
        async with link.pool.acquire() as conn:
            await expire_secret_payloads(conn, link.payload_max_age, dt.datetime.now(dt.UTC))
        delivery = await deliver_pending(link.pool, link.client, link.cipher, DELIVERERS, ignore_backoff=now)
        if delivery.postponed:
            return SyncReport(delivery, None, registry_reachable=False)
        try:
            follow = await follow_changes(link.pool, link.client)
        except RegistryUnavailableError:
            return SyncReport(delivery, None, registry_reachable=False)
        await send_erasure_receipts(link.pool, link.notice_sender, link.library_id)
        return SyncReport(delivery, follow, registry_reachable=True)


async def deliver_for_patron(link: RegistryLink, patron_id: uuid.UUID) -> DeliveryReport | None:
    """A desk's bounded attempt at one patron's queued writes; None when it did not finish in time.

    The attempt runs as its own task, so a slow registry only stops the desk from waiting, never cuts a
    delivery in half; the background loop is woken either way.
    """
    task = asyncio.create_task(_deliver_patron_entries(link, patron_id))
    link.desk_deliveries.add(task)
    task.add_done_callback(_forget(link.desk_deliveries))
    try:
        done, _ = await asyncio.wait({task}, timeout=link.desk_wait_seconds)
    finally:
        link.wake.set()
    if task not in done or task.exception() is not None:
        return None
    return task.result()


async def _deliver_patron_entries(link: RegistryLink, patron_id: uuid.UUID) -> DeliveryReport:
    # A claim holds a database connection while the registry answers: a slow registry must not let many
    # desks at once use up the node's pool, so only a few desk attempts run at a time (the others queue).
    async with link.desk_slots:
        return await deliver_pending(
            link.pool, link.client, link.cipher, DELIVERERS, ignore_backoff=True, patron_id=patron_id, limit=10
        )


def _forget(deliveries: set[asyncio.Task[DeliveryReport]]) -> Callable[[asyncio.Task[DeliveryReport]], None]:
    def forget(task: asyncio.Task[DeliveryReport]) -> None:
        deliveries.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a desk's outbox delivery failed; the sync loop retries", exc_info=task.exception())

    return forget


def wake_sync(link: RegistryLink) -> None:
    """Ask the background loop for a round now (after staff released an entry, say)."""
    link.wake.set()


async def run_sync_loop(link: RegistryLink, interval_seconds: float) -> None:
    """The background loop: a round every ``interval_seconds``, or at once when woken; until cancelled."""
    while True:
        link.wake.clear()
        try:
            await sync_with_registry(link)
        except Exception:  # a failed round must not end the loop; the next one retries
            logger.exception("registry sync round failed; retrying in %s s", interval_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(link.wake.wait(), interval_seconds)


async def stop_desk_deliveries(link: RegistryLink) -> None:
    """Cancel the desks' delivery attempts still running (the node is stopping; the entries stay queued)."""
    running = list(link.desk_deliveries)
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
