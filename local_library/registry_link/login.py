"""Patron login at this node (kiosks and Min side): local cards here, national cards at the registry.

A national card's PIN lives only in the registry, so the registry checks it (and counts failures, so the
lockout is the same at every library). A national patron seen here for the first time is linked to this
library and cached locally, so "one card works in every library" holds from the first visit.
"""

from __future__ import annotations

from aiohttp import web

from local_library.app_keys import CLOCK, PIN_HASHER, POOL, REGISTRY, UNKNOWN_CARDS
from local_library.patrons.models import Patron
from local_library.patrons.pins import authenticate_card
from local_library.patrons.queries import LOCAL_CARD_PREFIX
from local_library.registry_link.cache import store_national_patron
from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryError, RegistryUnavailableError, card_and_pin
from registry_contract.lockout import Door

REFUSAL_KINDS = {
    401: ErrorKind.FORBIDDEN,  # the patron's PIN, not the caller, failed: as for local cards
    403: ErrorKind.FORBIDDEN,
    404: ErrorKind.NOT_FOUND,
    410: ErrorKind.GONE,
    422: ErrorKind.INVALID,
    423: ErrorKind.LOCKED,
    429: ErrorKind.TOO_MANY_REQUESTS,
}


def registry_refusal(error: RegistryError) -> DomainError:
    """The registry's refusal, passed on with the same code (wrong PIN, throttled, locked, …).

    A throttled refusal names its wait in the problem body too, so our own answer can carry ``Retry-After``.
    """
    wait = error.body.get("retry_after_seconds")
    return DomainError(
        REFUSAL_KINDS.get(error.status, ErrorKind.UNAVAILABLE),
        error.code,
        error.title or "the registry refused the card",
        retry_after_seconds=wait if isinstance(wait, int) and wait > 0 else None,
    )


async def log_in_patron(app: web.Application, card_number: str, pin: str, *, door: Door = "library") -> Patron:
    """The patron holding ``card_number`` if ``pin`` is right; DomainError with a stable code otherwise.

    ``door`` is where the PIN was typed: ``"library"`` (desk, kiosk) or ``"online"`` (Min side), counted
    apart by the shared lockout policy (``registry_contract.lockout``).
    """
    card_number = card_number.strip()
    if card_number.startswith(LOCAL_CARD_PREFIX):
        async with app[POOL].acquire() as conn:
            return await authenticate_card(
                conn, app[PIN_HASHER], card_number, pin, app[CLOCK].now(), door=door, unknown_cards=app[UNKNOWN_CARDS]
            )
    registry = app[REGISTRY]
    try:
        record = await registry.authenticate(card_number, pin[:16], door=door)
        if registry.library_id not in record.libraries:
            # First visit here: the card and PIN just given are the patron's proof of presence for the link.
            record = await registry.link(record.patron_id, card_and_pin(card_number, pin))
    except RegistryUnavailableError:
        raise DomainError(
            ErrorKind.UNAVAILABLE, "registry_unavailable", "national cards cannot be checked right now; try again"
        ) from None
    except RegistryError as error:
        raise registry_refusal(error) from None
    async with app[POOL].acquire() as conn, conn.transaction():
        return await store_national_patron(conn, record)
