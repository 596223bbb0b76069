"""Checking every registered patron against the population register's bulk lookup, once.

For patrons registered before the registry followed the register (or after a gap in the feed): the patrons
are walked in ``patron_id`` order, 1,000 per bulk lookup, at most ``backfill_calls_per_second`` lookups a
second. Each batch is applied and its progress stored in one transaction, so a backfill stopped or killed
anywhere resumes after the last batch that committed, and a batch is never applied half.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry.crypto.envelope import decrypt_field
from registry.patrons import store
from registry.patrons.core import RegistryCore
from registry.population import store as population_store
from registry.population.apply import apply_to_patrons
from registry.population.client import PopulationRegisterClient, PopulationRegisterUnavailable
from registry.population.settings import PopulationRegisterSettings
from registry.population.wire import BULK_LOOKUP_MAX

BACKFILL_PURPOSE = "population register backfill"


@dataclass(frozen=True)
class BackfillStep:
    checked: int
    total: int
    updated: int
    death_notices: int
    finished: bool


async def backfill(
    core: RegistryCore,
    register: PopulationRegisterClient,
    settings: PopulationRegisterSettings,
    *,
    restart: bool = False,
    batch_size: int = BULK_LOOKUP_MAX,
    progress: Callable[[BackfillStep], None] = lambda step: None,
    sleep: Callable[[float], object] = asyncio.sleep,
) -> BackfillStep:
    """Run (or resume) the backfill to its end; ``restart`` starts from the first patron again."""
    if not 1 <= batch_size <= BULK_LOOKUP_MAX:
        raise ValueError(f"batch_size must be 1-{BULK_LOOKUP_MAX}")
    async with core.pool.acquire() as connection:
        await population_store.ensure_backfill_row(connection)
        total = await population_store.count_patrons(connection)
    first = True
    least_interval = 1 / settings.backfill_calls_per_second
    last_call = -least_interval
    while True:
        wait = last_call + least_interval - time.monotonic()
        if wait > 0:
            await sleep(wait)  # type: ignore[misc]  # asyncio.sleep or a test's stand-in
        last_call = time.monotonic()
        try:
            step = await _one_batch(
                core, register, settings, restart=restart and first, batch_size=batch_size, total=total
            )
        except PopulationRegisterUnavailable as unavailable:
            await sleep(unavailable.retry_after)  # type: ignore[misc]
            continue
        first = False
        progress(step)
        if step.finished:
            return step


async def _one_batch(
    core: RegistryCore, register: PopulationRegisterClient, settings: PopulationRegisterSettings, *, restart: bool,
    batch_size: int, total: int,
) -> BackfillStep:  # fmt: skip
    async with core.pool.acquire() as connection, connection.transaction():
        if restart:
            await population_store.restart_backfill(connection)
        progress = await population_store.lock_backfill_progress(connection)
        if progress is None:
            raise DomainError(ErrorKind.CONFLICT, "backfill_running", "another backfill is running")
        if progress.finished:
            return BackfillStep(progress.checked, total, 0, 0, finished=True)
        patron_ids = await population_store.patrons_after(connection, progress.last_patron_id, batch_size)
        national_ids = [await _national_id(core, connection, patron_id) for patron_id in patron_ids]
        applied = await apply_to_patrons(
            core, connection, register, [digits for digits in national_ids if digits is not None],
            death_action=settings.death_action, purpose=BACKFILL_PURPOSE,
        )  # fmt: skip
        finished = len(patron_ids) < batch_size
        checked = progress.checked + len(patron_ids)
        last = patron_ids[-1] if patron_ids else progress.last_patron_id
        await population_store.save_backfill_progress(connection, last, checked, finished=finished)
    await applied.remember_erasures(core)
    return BackfillStep(checked, max(total, checked), applied.updated, applied.death_notices, finished=finished)


async def _national_id(core: RegistryCore, connection: DbConnection, patron_id: uuid.UUID) -> str | None:
    row = await store.national_id_row(connection, patron_id)
    if row is None:
        return None
    data_key = store.data_key_of(core.keyring, row)
    return decrypt_field(data_key, patron_id, "national_id", bytes(row["national_id_ciphertext"]))
