"""Keeping the erasure ledger file and the ``erasure_ledger`` table in step, both ways.

An erasure commits in the database first and is appended to the file after; a crash, a full disk or a
lost write in between leaves the file short of an erasure, which a later restore would then forget. A
database restored from a backup is short of erasures the file remembers. At start and periodically the
registry copies what either side lacks to the other, and erases again any patron the file names that the
database still holds.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field

from registry.erasure.admin import reapply_erasures
from registry.patrons.core import Caller, RegistryCore

logger = logging.getLogger(__name__)

RECONCILER = Caller(actor="system:erasure-ledger")


@dataclass
class ReconcileReport:
    appended_to_file: int = 0
    erased_again: list[uuid.UUID] = field(default_factory=list)


async def reconcile_erasure_ledger(core: RegistryCore) -> ReconcileReport:
    """Append to the file every ledgered erasure it lacks; record and re-apply every one the table lacks."""
    report = ReconcileReport()
    ledger_file = core.ledger_file
    if ledger_file is None:
        return report
    async with core.pool.acquire() as connection:
        rows = await connection.fetch("SELECT patron_id, reason, erased_at FROM erasure_ledger ORDER BY erased_at")
    in_file = {line.patron_id for line in await asyncio.to_thread(ledger_file.read)}
    for row in rows:
        if row["patron_id"] not in in_file:
            await ledger_file.append(row["patron_id"], row["reason"], row["erased_at"])
            report.appended_to_file += 1
    # reapply_erasures records the file's lines in the table first, then erases whoever came back.
    report.erased_again = await reapply_erasures(core, RECONCILER)
    if report.appended_to_file or report.erased_again:
        logger.warning(
            "erasure ledger reconciled: %d erasure(s) added to the file, %d patron(s) erased again",
            report.appended_to_file,
            len(report.erased_again),
        )
    return report


async def reconcile_regularly(core: RegistryCore, interval_seconds: float) -> None:
    """Reconcile now and then every ``interval_seconds`` (0: only now); failures are logged and retried."""
    while True:
        try:
            await reconcile_erasure_ledger(core)
        except Exception:
            logger.exception("reconciling the erasure ledger failed; retrying later")
        if interval_seconds <= 0:
            return
        await asyncio.sleep(interval_seconds)
