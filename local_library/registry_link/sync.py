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
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiohttp import web

from local_library.app_keys import NOTICE_SENDER, POOL, REGISTRY, SETTINGS
from local_library.registry_link.follower import FollowReport, follow_changes
from local_library.registry_link.national import DELIVERERS
from local_library.registry_link.outbox import DeliveryReport, OutboxCipher, deliver_pending, expire_secret_payloads
from local_library.registry_link.receipts import send_erasure_receipts
from local_library.settings import LibrarySettings
from plumbing.keys.files import load_or_create_key_file
from plumbing.keys.layout import KeyLayout
from registry_contract.client import RegistryUnavailableError

logger = logging.getLogger(__name__)

OUTBOX_CIPHER = web.AppKey("outbox_cipher", OutboxCipher)
SYNC_LOCK = web.AppKey("sync_lock", asyncio.Lock)
SYNC_WAKE = web.AppKey("sync_wake", asyncio.Event)
DESK_DELIVERIES = web.AppKey("desk_deliveries", set[asyncio.Task[DeliveryReport]])
DESK_DELIVERY_SLOTS = web.AppKey("desk_delivery_slots", asyncio.Semaphore)
CONCURRENT_DESK_DELIVERIES = 3


@dataclass(frozen=True)
class SyncReport:
    delivery: DeliveryReport
    follow: FollowReport | None
    registry_reachable: bool


def outbox_cipher(settings: LibrarySettings) -> OutboxCipher:
    return OutboxCipher(load_or_create_key_file(KeyLayout(settings.keys_dir).library_outbox_key(settings.library_id)))


async def sync_with_registry(app: web.Application, *, now: bool = False) -> SyncReport:
    """One round; the lock keeps the loop and an operator's "sync now" from following the feed at once.

    ``now`` retries postponed writes without waiting for their backoff (an operator's "sync now"). Delivery
    itself is safe against any other deliverer by its row claims.
    """
    async with app[SYNC_LOCK]:
        async with app[POOL].acquire() as conn:
            max_age = dt.timedelta(hours=app[SETTINGS].outbox_payload_max_age_hours)
            await expire_secret_payloads(conn, max_age, dt.datetime.now(dt.UTC))
        delivery = await deliver_pending(app[POOL], app[REGISTRY], app[OUTBOX_CIPHER], DELIVERERS, ignore_backoff=now)
        if delivery.postponed:
            return SyncReport(delivery, None, registry_reachable=False)
        try:
            follow = await follow_changes(app[POOL], app[REGISTRY])
        except RegistryUnavailableError:
            return SyncReport(delivery, None, registry_reachable=False)
        await send_erasure_receipts(app[POOL], app[NOTICE_SENDER], app[SETTINGS].library_id)
        return SyncReport(delivery, follow, registry_reachable=True)


async def deliver_for_patron(app: web.Application, patron_id: uuid.UUID) -> DeliveryReport | None:
    """A desk's bounded attempt at one patron's queued writes; None when it did not finish in time.

    The attempt runs as its own task, so a slow registry only stops the desk from waiting, never cuts a
    delivery in half; the background loop is woken either way.
    """
    task = asyncio.create_task(_deliver_patron_entries(app, patron_id))
    deliveries = app[DESK_DELIVERIES]
    deliveries.add(task)
    task.add_done_callback(_forget(deliveries))
    try:
        done, _ = await asyncio.wait({task}, timeout=app[SETTINGS].registry_desk_wait_seconds)
    finally:
        app[SYNC_WAKE].set()
    if task not in done or task.exception() is not None:
        return None
    return task.result()


async def _deliver_patron_entries(app: web.Application, patron_id: uuid.UUID) -> DeliveryReport:
    # A claim holds a database connection while the registry answers: a slow registry must not let many
    # desks at once use up the node's pool, so only a few desk attempts run at a time (the others queue).
    async with app[DESK_DELIVERY_SLOTS]:
        return await deliver_pending(
            app[POOL], app[REGISTRY], app[OUTBOX_CIPHER], DELIVERERS, ignore_backoff=True, patron_id=patron_id,
            limit=10,
        )  # fmt: skip


def _forget(deliveries: set[asyncio.Task[DeliveryReport]]) -> Callable[[asyncio.Task[DeliveryReport]], None]:
    def forget(task: asyncio.Task[DeliveryReport]) -> None:
        deliveries.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a desk's outbox delivery failed; the sync loop retries", exc_info=task.exception())

    return forget


def wake_sync(app: web.Application) -> None:
    """Ask the background loop for a round now (after staff released an entry, say)."""
    app[SYNC_WAKE].set()


async def _loop(app: web.Application, interval_seconds: float) -> None:
    wake = app[SYNC_WAKE]
    while True:
        wake.clear()
        try:
            await sync_with_registry(app)
        except Exception:  # a failed round must not end the loop; the next one retries
            logger.exception("registry sync round failed; retrying in %s s", interval_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), interval_seconds)


async def registry_sync(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the outbox key, and the background sync loop when enabled."""
    settings = app[SETTINGS]
    app[OUTBOX_CIPHER] = outbox_cipher(settings)
    app[SYNC_LOCK] = asyncio.Lock()
    app[SYNC_WAKE] = asyncio.Event()
    app[DESK_DELIVERIES] = set()
    app[DESK_DELIVERY_SLOTS] = asyncio.Semaphore(CONCURRENT_DESK_DELIVERIES)
    task = (
        asyncio.create_task(_loop(app, settings.registry_sync_interval_seconds))
        if settings.registry_sync_enabled
        else None
    )
    yield
    running = [*app[DESK_DELIVERIES], *([task] if task is not None else [])]
    for each in running:
        each.cancel()
    await asyncio.gather(*running, return_exceptions=True)
