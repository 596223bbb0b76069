"""A desk registration meeting the registry's answer: link the local record, or fold a duplicate into the one here.

The node never stores a national ID (not even a hash of it), so it cannot tell by itself that a person at
the desk already has a card here. The registry can: a registration of someone it already knows comes back
as that person's record (the node's outbox then looks them up and links them). When that record is already
linked to another local patron here (a double-clicked form, two desks at once, or a person who forgot their
card), the new local record is a duplicate:

- with nothing of its own (no loans, reservations or fees), it is folded: removed, and its outbox entry is
  kept on the existing patron with ``folded_from`` naming it, so the desk is answered ``409
  already_registered_here`` with the existing patron;
- otherwise the entry waits for staff with ``already_registered_here``: merging two records with history is
  a person's decision.

No lookup by national ID is made before the registration is queued: the desk's short delivery attempt,
right after the local commit, asks the registry the same question (and answers the desk with the outcome),
while a lookup first would be a second audited registry call for every registration. While the registry is
away, a repeated registration is queued twice (both answered 202) and folded as soon as it is delivered.

The check takes a transaction-level advisory lock on the registry patron id, so two deliveries of the same
person at once (two node processes) settle one after the other instead of colliding on the UNIQUE column.
"""

from __future__ import annotations

import datetime as dt
import uuid

from local_library.patrons.queries import patron_by_id, retire_card, update_patron
from local_library.registry_link.cache import cached_columns
from local_library.registry_link.follower import erase_local_patron
from local_library.registry_link.outbox import NeedsStaff, OutboxEntry
from plumbing.db.types import DbConnection
from registry_contract.models import PatronRecord


async def apply_registration(conn: DbConnection, entry: OutboxEntry, record: PatronRecord) -> None:
    """The registry registered (or found and linked) the patron: make the local record national."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", str(record.patron_id))
    existing: uuid.UUID | None = await conn.fetchval(
        "SELECT patron_id FROM patrons WHERE registry_patron_id = $1 AND patron_id <> $2 FOR UPDATE",
        record.patron_id,
        entry.patron_id,
    )
    if existing is not None:
        await _fold_duplicate(conn, entry, existing)
        return
    patron = await patron_by_id(conn, entry.patron_id, for_update=True)
    if patron.card_number is not None and patron.card_number != record.card_number:
        await retire_card(conn, entry.patron_id, patron.card_number, dt.datetime.now(dt.UTC), "upgraded")
    await update_patron(
        conn, entry.patron_id, kind="national", registry_patron_id=record.patron_id, pin_hash=None,
        **cached_columns(record),
    )  # fmt: skip


async def _fold_duplicate(conn: DbConnection, entry: OutboxEntry, existing: uuid.UUID) -> None:
    duplicate = await patron_by_id(conn, entry.patron_id, for_update=True)
    if duplicate.card_number is not None or await _has_own_matters(conn, entry.patron_id):
        raise NeedsStaff("already_registered_here")
    await conn.execute(
        "UPDATE registry_outbox SET patron_id = $2, folded_from = $3 WHERE outbox_id = $1",
        entry.outbox_id,
        existing,
        entry.patron_id,
    )
    await erase_local_patron(conn, entry.patron_id)


async def _has_own_matters(conn: DbConnection, patron_id: uuid.UUID) -> bool:
    """Anything this library keeps for the patron beyond the record itself (open or settled)."""
    found: bool = await conn.fetchval(
        """
        SELECT EXISTS (SELECT 1 FROM loans WHERE patron_id = $1)
            OR EXISTS (SELECT 1 FROM reservations WHERE patron_id = $1)
            OR EXISTS (SELECT 1 FROM fees WHERE patron_id = $1)
            OR EXISTS (SELECT 1 FROM registry_outbox WHERE patron_id = $1 AND status IN ('pending', 'needs_staff')
                       AND operation <> 'register')
        """,
        patron_id,
    )
    return found


async def folded_into(conn: DbConnection, duplicate_patron_id: uuid.UUID) -> uuid.UUID | None:
    """The existing patron a duplicate registration was folded into, if it was."""
    patron_id: uuid.UUID | None = await conn.fetchval(
        "SELECT patron_id FROM registry_outbox WHERE folded_from = $1 LIMIT 1", duplicate_patron_id
    )
    return patron_id
