"""What the desk and staff read about the registry link: outbox state, skipped feed entries, feed freshness.

Query functions take the connection first; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from plumbing.db.types import DbConnection

# The staff listings are for people to read: the newest entries, a bounded number.
LISTING_LIMIT = 500


@dataclass(frozen=True)
class PatronOutboxState:
    """One patron's queued registry writes, as a desk answer reports them."""

    pending: int
    waiting_for_staff: dict[str, Any] | None
    """The latest entry that waits for staff (``outbox_id``, ``operation``, ``code``), if any."""


async def patron_outbox_state(conn: DbConnection, patron_id: uuid.UUID) -> PatronOutboxState:
    pending = await conn.fetchval(
        "SELECT count(*) FROM registry_outbox WHERE patron_id = $1 AND status = 'pending'", patron_id
    )
    waiting = await conn.fetchrow(
        "SELECT outbox_id, operation, last_error AS code FROM registry_outbox WHERE patron_id = $1 "
        "AND status = 'needs_staff' ORDER BY outbox_id DESC LIMIT 1",
        patron_id,
    )
    return PatronOutboxState(pending=pending, waiting_for_staff=None if waiting is None else dict(waiting))


async def outbox_overview(conn: DbConnection) -> list[dict[str, Any]]:
    """What this node still owes the registry, what it refused, and what went in the last day (no payloads)."""
    rows = await conn.fetch(
        """
        SELECT outbox_id, operation, patron_id, status, attempts, last_error, next_attempt_at, created_at,
               finished_at, folded_from
        FROM registry_outbox
        WHERE status IN ('pending', 'needs_staff') OR finished_at > now() - interval '1 day'
        ORDER BY outbox_id DESC LIMIT $1
        """,
        LISTING_LIMIT,
    )
    return [dict(row) for row in rows]


async def skipped_changes(conn: DbConnection) -> list[dict[str, Any]]:
    """Change-feed entries this node could not apply and skipped, newest first."""
    rows = await conn.fetch(
        """
        SELECT skipped_id, registry_patron_id, change, patron_version, code, sqlstate, skipped_at
        FROM registry_feed_skipped ORDER BY skipped_id DESC LIMIT $1
        """,
        LISTING_LIMIT,
    )
    return [dict(row) for row in rows]


async def registry_patron_id_of_card(conn: DbConnection, card_number: str) -> uuid.UUID | None:
    """The registry's id for the patron holding ``card_number`` here; None for a local or unknown card."""
    registry_patron_id: uuid.UUID | None = await conn.fetchval(
        "SELECT registry_patron_id FROM patrons WHERE card_number = $1", card_number
    )
    return registry_patron_id


async def feed_followed_within(conn: DbConnection, minutes: int) -> bool:
    """Whether this node followed the change feed successfully within the last ``minutes``."""
    fresh: bool | None = await conn.fetchval(
        "SELECT now() - updated_at <= make_interval(mins => $1) FROM registry_feed_position", minutes
    )
    return bool(fresh)


@dataclass(frozen=True)
class RegistryRequest:
    """One of a patron's writes to the registry, as a receipt or the patron page shows it (never the payload)."""

    outbox_id: int
    operation: str
    status: str
    last_error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


_REQUEST_COLUMNS = "outbox_id, operation, status, last_error, created_at, finished_at"


async def registry_requests_of_patron(conn: DbConnection, patron_id: uuid.UUID) -> list[RegistryRequest]:
    """The patron's registry writes, newest first (a bounded number)."""
    rows = await conn.fetch(
        f"SELECT {_REQUEST_COLUMNS} FROM registry_outbox WHERE patron_id = $1 ORDER BY outbox_id DESC LIMIT $2",  # noqa: S608 - constant
        patron_id,
        LISTING_LIMIT,
    )
    return [RegistryRequest(**dict(row)) for row in rows]


async def registry_request_of_patron(
    conn: DbConnection, patron_id: uuid.UUID, outbox_id: int
) -> RegistryRequest | None:
    """One registry write of this patron; None if there is none with that id (or it is another patron's)."""
    row = await conn.fetchrow(
        f"SELECT {_REQUEST_COLUMNS} FROM registry_outbox WHERE patron_id = $1 AND outbox_id = $2",  # noqa: S608 - constant
        patron_id,
        outbox_id,
    )
    return None if row is None else RegistryRequest(**dict(row))
