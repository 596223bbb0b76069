"""The pace at which a library may look up patrons it is not linked to, and the alert when one goes beyond it.

A desk looks up a stranger when someone new stands in front of it: a few a minute at the busiest library. A
stolen library credential harvesting the registry looks up thousands. Each library has one counter per
fixed window in the database, so every registry instance counts the same lookups; past the limit the
lookups are refused with 429 until the window ends, and the library is named in a warning log line (once
per window) and in ``/health`` for as long as it stays over the limit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

logger = logging.getLogger(__name__)

# The window the database clock falls into: every instance computes the same start, whatever its own clock.
_WINDOW_START = "to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2::integer) * $2::integer)"


@dataclass(frozen=True)
class LookupLimit:
    """At most ``per_window`` lookups of unlinked patrons per library in each ``window_seconds``."""

    per_window: int = 30
    window_seconds: int = 60


async def count_unlinked_lookup(connection: DbConnection, library_id: str, limit: LookupLimit) -> DomainError | None:
    """Count one lookup of a patron the library is not linked to; the refusal if it goes beyond the limit.

    Refused lookups count too: a library that keeps trying stays refused, and stays visible to operators.
    """
    row = await connection.fetchrow(
        f"""
        INSERT INTO unlinked_lookup_windows AS counted (library_id, window_started_at, lookups)
        VALUES ($1, {_WINDOW_START}, 1)
        ON CONFLICT (library_id) DO UPDATE SET
            lookups = CASE WHEN excluded.window_started_at > counted.window_started_at THEN 1
                           ELSE counted.lookups + 1 END,
            window_started_at = greatest(excluded.window_started_at, counted.window_started_at)
        RETURNING lookups, extract(
            epoch FROM window_started_at + make_interval(secs => $2::integer) - clock_timestamp()
        ) AS seconds_left
        """,  # noqa: S608 - a fixed fragment, no input
        library_id,
        limit.window_seconds,
    )
    assert row is not None
    lookups: int = row["lookups"]
    if lookups <= limit.per_window:
        return None
    if lookups == limit.per_window + 1:
        # Once per window and library; the library id and the numbers only, never what was looked up.
        logger.warning(
            "library %s looked up more than %d patrons it is not linked to within %d s; its lookups are refused "
            "until the window ends (a stolen credential harvesting the registry?)",
            library_id,
            limit.per_window,
            limit.window_seconds,
        )
    return DomainError(
        ErrorKind.TOO_MANY_REQUESTS,
        "lookup_rate_limited",
        "too many lookups of patrons not linked to this library; wait before looking up more",
        retry_after_seconds=max(1, int(row["seconds_left"]) + 1),
    )


async def libraries_over_limit(connection: DbConnection, limit: LookupLimit) -> list[str]:
    """The libraries refused in the current window (for the operators' alert in ``/health``)."""
    rows = await connection.fetch(
        f"""
        SELECT library_id FROM unlinked_lookup_windows
        WHERE window_started_at >= {_WINDOW_START} AND lookups > $1
        ORDER BY library_id
        """,  # noqa: S608 - a fixed fragment, no input
        limit.per_window,
        limit.window_seconds,
    )
    return [row["library_id"] for row in rows]
