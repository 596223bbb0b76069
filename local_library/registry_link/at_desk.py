"""The national-card steps a desk takes that need more than one transaction, shared by both desk doors (the
staff JSON API and the desk's pages): linking a card holder from another library, opting a patron out with
the patron present, and what the desk is told after its bounded attempt at the queued registry writes.

One domain path, two doors: the JSON views and the HTML pages call these and only render the result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import asyncpg
from pydantic import Field, StringConstraints
from pydantic_core import to_jsonable_python

from local_library.clock import Clock
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_id, patron_exists
from local_library.registry_link import national
from local_library.registry_link.cache import store_national_patron
from local_library.registry_link.errors import as_domain_error, registry_errors_as_domain_errors
from local_library.registry_link.queries import patron_outbox_state
from local_library.registry_link.registration import folded_into
from local_library.registry_link.sync import RegistryLink, deliver_for_patron
from local_library.request_model import RequestModel
from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryClient, RegistryError, RegistryUnavailableError, card_and_pin
from registry_contract.models import PatronRecord
from registry_contract.pins import PinHasher

RegistryState = Literal["done", "queued", "needs_staff", "erased"]


class CardLookup(RequestModel):
    """A national card holder at the desk: their card, and their national PIN as proof that they are here."""

    card_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{10}$")]
    # Any text up to 16 characters: the registry checks it, and a malformed PIN counts as a wrong one there.
    pin: Annotated[str, StringConstraints(max_length=16)] = Field(repr=False)


async def link_card_holder(pool: asyncpg.Pool, registry: RegistryClient, lookup: CardLookup) -> Patron:
    """Link a national card holder from another library here and cache their record (the PIN proves presence)."""
    with registry_errors_as_domain_errors():
        found = await registry.lookup_by_card(lookup.card_number, purpose="patron at the desk")
        # Linked already: the whole record came back. Otherwise a preview, and the PIN proves the patron is here.
        record = (
            found
            if isinstance(found, PatronRecord)
            else await registry.link(found.patron_id, card_and_pin(lookup.card_number, lookup.pin))
        )
    async with pool.acquire() as conn, conn.transaction():
        return await store_national_patron(conn, record)


async def _refuse_unless_present(registry: RegistryClient, card_number: str, pin: str) -> None:
    """Check the national PIN now, before the local card replaces the national one; the registry checks it
    again when the queued opt-out arrives. Only an unreachable registry lets the opt-out be queued unchecked."""
    try:
        await registry.authenticate(card_number, pin)
    except RegistryUnavailableError:
        return
    except RegistryError as error:
        raise as_domain_error(error) from None


async def opt_out_present_patron(
    link: RegistryLink, hasher: PinHasher, clock: Clock, patron_id: uuid.UUID, request: national.OptOut
) -> Patron:
    """Opt a patron out to a local card here, once their national PIN shows they are at the desk."""
    async with link.pool.acquire() as conn:
        current = await patron_by_id(conn, patron_id)
    if current.kind == "national" and current.registry_patron_id is not None and current.card_number is not None:
        await _refuse_unless_present(link.client, current.card_number, request.national_pin)
    async with link.pool.acquire() as conn, conn.transaction():
        return await national.opt_out(conn, link.cipher, hasher, clock, patron_id, request=request)


@dataclass(frozen=True)
class DeskOutcome:
    """Where a desk operation stands once the desk has waited its bounded time for the registry."""

    patron: Patron | None
    """The patron as now stored here; None when the record is gone (``registry == "erased"``)."""
    registry: RegistryState
    registry_reachable: bool
    registry_refusal: dict[str, Any] | None
    """The latest of the patron's writes that waits for staff (``outbox_id``, ``operation``, ``code``)."""


async def outcome_after_delivery(link: RegistryLink, patron_id: uuid.UUID) -> DeskOutcome:
    """Give the patron's queued writes a short, bounded attempt, then read where they stand.

    A registration of someone already linked here was folded into their existing record: that is refused
    with ``already_registered_here``, naming the existing patron (``extra["patron"]``).
    """
    report = await deliver_for_patron(link, patron_id)
    async with link.pool.acquire() as conn, conn.transaction():
        if not await patron_exists(conn, patron_id):
            existing = await folded_into(conn, patron_id)
            if existing is None:
                return DeskOutcome(patron=None, registry="erased", registry_reachable=True, registry_refusal=None)
            raise DomainError(
                ErrorKind.CONFLICT, "already_registered_here",
                "this person already has a national card at this library; here is their record",
                extra={"patron": to_jsonable_python(await patron_by_id(conn, existing))},
            )  # fmt: skip
        current = await patron_by_id(conn, patron_id)
        outbox = await patron_outbox_state(conn, patron_id)
    waiting = outbox.waiting_for_staff
    state: RegistryState = "queued" if outbox.pending else ("needs_staff" if waiting else "done")
    return DeskOutcome(
        patron=current, registry=state, registry_reachable=report is not None and not report.postponed,
        registry_refusal=waiting,
    )  # fmt: skip
