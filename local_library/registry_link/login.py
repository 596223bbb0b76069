"""Patron login at this node (kiosks and Min side): local cards here, national cards at the registry.

A national card's PIN lives only in the registry, so the registry checks it (and counts failures, so the
lockout is the same at every library). A national patron seen here for the first time is linked to this
library and cached locally, so "one card works in every library" holds from the first visit.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from local_library.clock import Clock
from local_library.patrons.models import Patron
from local_library.patrons.pins import authenticate_card
from local_library.patrons.queries import LOCAL_CARD_PREFIX
from local_library.registry_link.cache import store_national_patron
from local_library.registry_link.errors import registry_errors_as_domain_errors
from registry_contract.client import RegistryClient, card_and_pin
from registry_contract.lockout import Door, UnknownCardAttempts
from registry_contract.pins import PinHasher


@dataclass(frozen=True)
class PatronLogins:
    """What checking a patron's card and PIN works with, built once when the node starts (``app.py``)."""

    pool: asyncpg.Pool
    registry: RegistryClient
    pin_hasher: PinHasher
    clock: Clock
    unknown_cards: UnknownCardAttempts


async def log_in_patron(logins: PatronLogins, card_number: str, pin: str, *, door: Door = "library") -> Patron:
    """The patron holding ``card_number`` if ``pin`` is right; DomainError with a stable code otherwise.

    ``door`` is where the PIN was typed: ``"library"`` (desk, kiosk) or ``"online"`` (Min side), counted
    apart by the shared lockout policy (``registry_contract.lockout``).
    """
    card_number = card_number.strip()
    if card_number.startswith(LOCAL_CARD_PREFIX):
        async with logins.pool.acquire() as conn:
            return await authenticate_card(
                conn, logins.pin_hasher, card_number, pin, logins.clock.now(), door=door,
                unknown_cards=logins.unknown_cards,
            )  # fmt: skip
    registry = logins.registry
    with registry_errors_as_domain_errors(unavailable_message="national cards cannot be checked right now; try again"):
        record = await registry.authenticate(card_number, pin[:16], door=door)
        if registry.library_id not in record.libraries:
            # First visit here: the card and PIN just given are the patron's proof of presence for the link.
            record = await registry.link(record.patron_id, card_and_pin(card_number, pin))
    async with logins.pool.acquire() as conn, conn.transaction():
        return await store_national_patron(conn, record)
