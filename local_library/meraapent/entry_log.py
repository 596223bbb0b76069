"""The entry log's lifetime and its readers: expiry into daily counts, staff look-ups (logged), own entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from local_library.clock import Clock
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection

from . import queries
from .access import patron_reference


@dataclass(frozen=True)
class Entry:
    door: str
    at: datetime
    admitted: bool
    reason: str


def _zone_name(clock: Clock) -> str:
    # The node's clock runs in the library's zone (SystemClock); a bare UTC clock counts UTC days.
    return getattr(clock.now().tzinfo, "key", None) or "UTC"


async def expire_entry_log(conn: DbConnection, policy: LibraryPolicy, clock: Clock) -> int:
    """Delete entries older than the policy's ``entry_log_days``, keeping their daily counts; how many went."""
    cutoff = clock.now() - timedelta(days=policy.unstaffed.entry_log_days)
    return await queries.expire_entries(conn, cutoff, _zone_name(clock))


async def own_entries(conn: DbConnection, entry_key: bytes, patron_id: UUID) -> list[Entry]:
    """A patron's own entries (Min side): found by the same keyed reference the door wrote."""
    rows = await queries.entries_for(conn, patron_reference(entry_key, patron_id))
    return [Entry(row["door"], row["at"], row["admitted"], row["reason"]) for row in rows]


async def staff_lookup(
    conn: DbConnection, entry_key: bytes, clock: Clock, staff: str, *, patron_id: UUID | None, door: str | None
) -> list[Entry]:
    """Entries for one patron or one door (or all), read by staff; the look-up is logged in the same transaction."""
    await queries.log_lookup(conn, staff, clock.now(), patron_id, door)
    if patron_id is not None:
        rows = await queries.entries_for(conn, patron_reference(entry_key, patron_id))
        rows = [row for row in rows if door is None or row["door"] == door]
    else:
        rows = await queries.entries_at_door(conn, door)
    return [Entry(row["door"], row["at"], row["admitted"], row["reason"]) for row in rows]
