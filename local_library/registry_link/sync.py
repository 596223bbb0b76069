"""Keeping this node and the registry in step: deliver the outbox, then follow the change feed.

Runs in the background every few seconds and right after a desk operation queued a write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from local_library.app_keys import NOTICE_SENDER, POOL, REGISTRY, SETTINGS
from local_library.registry_link.follower import FollowReport, follow_changes
from local_library.registry_link.national import DELIVERERS
from local_library.registry_link.outbox import DeliveryReport, OutboxCipher, deliver_pending
from local_library.registry_link.receipts import send_erasure_receipts
from local_library.settings import LibrarySettings
from natreg.keys.files import load_or_create_key_file
from natreg.keys.layout import KeyLayout
from registry.client import RegistryUnavailableError

logger = logging.getLogger(__name__)

OUTBOX_CIPHER = web.AppKey("outbox_cipher", OutboxCipher)
SYNC_LOCK = web.AppKey("sync_lock", asyncio.Lock)


@dataclass(frozen=True)
class SyncReport:
    delivery: DeliveryReport
    follow: FollowReport | None
    registry_reachable: bool


def outbox_cipher(settings: LibrarySettings) -> OutboxCipher:
    return OutboxCipher(load_or_create_key_file(KeyLayout(settings.keys_dir).library_outbox_key(settings.library_id)))


async def sync_with_registry(app: web.Application, *, now: bool = False) -> SyncReport:
    """One round; a lock keeps the background loop and a desk-triggered round from delivering the same entry.

    ``now`` retries postponed writes without waiting for their backoff (an operator's "sync now").
    """
    async with app[SYNC_LOCK]:
        delivery = await deliver_pending(app[POOL], app[REGISTRY], app[OUTBOX_CIPHER], DELIVERERS, ignore_backoff=now)
        if delivery.postponed:
            return SyncReport(delivery, None, registry_reachable=False)
        try:
            follow = await follow_changes(app[POOL], app[REGISTRY])
        except RegistryUnavailableError:
            return SyncReport(delivery, None, registry_reachable=False)
        await send_erasure_receipts(app[POOL], app[NOTICE_SENDER], app[SETTINGS].library_id)
        return SyncReport(delivery, follow, registry_reachable=True)


async def _loop(app: web.Application, interval_seconds: float) -> None:
    while True:
        try:
            await sync_with_registry(app)
        except Exception:  # a failed round must not end the loop; the next one retries
            logger.exception("registry sync round failed; retrying in %s s", interval_seconds)
        await asyncio.sleep(interval_seconds)


async def registry_sync(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the outbox key, and the background sync loop when enabled."""
    settings = app[SETTINGS]
    app[OUTBOX_CIPHER] = outbox_cipher(settings)
    app[SYNC_LOCK] = asyncio.Lock()
    task = (
        asyncio.create_task(_loop(app, settings.registry_sync_interval_seconds))
        if settings.registry_sync_enabled
        else None
    )
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
