"""The background task that seals recorded accesses into the audit chain, and what it reports.

The sealer must outlive every failure: if it stopped, accesses would pile up unsealed while the registry
looked healthy. Any exception is logged and the loop goes on after a growing pause (up to a ceiling);
``/health`` shows how far behind it is and whether it is failing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from plumbing.db.types import DbConnection

logger = logging.getLogger(__name__)

SEAL_INTERVAL_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0


@dataclass
class SealerState:
    """What the sealer last did (read by ``/health``)."""

    last_success_at: dt.datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0


def backoff_seconds(consecutive_failures: int, interval: float = SEAL_INTERVAL_SECONDS) -> float:
    """Pause after the n-th failure in a row: doubling from the normal interval, never above the ceiling."""
    if consecutive_failures <= 0:
        return interval
    return float(min(MAX_BACKOFF_SECONDS, interval * 2 ** min(consecutive_failures, 16)))


async def run_sealer(
    seal_round: Callable[[], Awaitable[object]],
    state: SealerState,
    *,
    interval: float = SEAL_INTERVAL_SECONDS,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> None:
    """Call ``seal_round`` for ever; only cancellation ends it."""
    while True:
        try:
            await seal_round()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            state.consecutive_failures += 1
            # The error class only: messages of database errors can quote values.
            state.last_error = type(error).__name__
            logger.exception("sealing audit entries failed (%d in a row); retrying", state.consecutive_failures)
        else:
            state.consecutive_failures = 0
            state.last_error = None
            state.last_success_at = now()
        await asyncio.sleep(backoff_seconds(state.consecutive_failures, interval))


@dataclass(frozen=True)
class SealingLag:
    unsealed: int
    oldest_unsealed_seconds: float


async def sealing_lag(connection: DbConnection) -> SealingLag:
    """How many recorded accesses wait for the sealer, and for how long the oldest has waited."""
    row = await connection.fetchrow(
        "SELECT count(*) AS unsealed, extract(epoch FROM now() - min(occurred_at)) AS age FROM audit_pending"
    )
    assert row is not None
    return SealingLag(unsealed=int(row["unsealed"]), oldest_unsealed_seconds=float(row["age"] or 0.0))
