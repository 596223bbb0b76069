"""A national card at the desk is checked with the registry at the moment of lending.

The lost-card window: the node learns that a card was reported lost at another library from the registry's
change feed, so until its next sync (and for as long as it cannot reach the registry) the old number would
still lend here. So a desk loan on a national card first reads the patron's record from the registry (one
authenticated GET of a patron linked to this library, audited there as an access): a card number that is no
longer the patron's current one is refused as replaced, a record that is gone is refused too.

When the registry cannot be reached the desk keeps working only within a bound the library sets
(``[desk] offline_national_lending_minutes`` in its policy, 15 minutes by default): it lends if this node
followed the change feed successfully within that time, and refuses otherwise (``registry_unavailable``,
503). A card lost elsewhere can then work here for at most that long after the registry became unreachable.
With ``pin_required`` the desk path checks card and PIN at the registry instead (``log_in_patron``), which
covers the card at the same moment and has no offline allowance: a PIN cannot be checked without the registry.
"""

from __future__ import annotations

import asyncpg

from local_library.circulation.lending import check_out, check_out_to
from local_library.circulation.models import Loan
from local_library.policy import LibraryPolicy
from local_library.registry_link.errors import as_domain_error
from local_library.registry_link.login import PatronLogins, log_in_patron
from local_library.registry_link.queries import feed_followed_within, registry_patron_id_of_card
from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryClient, RegistryError, RegistryUnavailableError
from registry_contract.refusals import card_replaced

DESK_OFFLINE_MESSAGE = "national cards cannot be checked right now; try again, or lend with the patron's PIN later"


async def confirm_national_card(
    pool: asyncpg.Pool, registry: RegistryClient, card_number: str, *, offline_lending_minutes: int
) -> None:
    """Refuse a national card the registry no longer knows as current; local cards are left to local checks.

    ``offline_lending_minutes`` is the library's bound for lending while the registry cannot be reached.
    """
    async with pool.acquire() as conn:
        registry_patron_id = await registry_patron_id_of_card(conn, card_number)
    if registry_patron_id is None:
        return
    try:
        record = await registry.get_patron(registry_patron_id, purpose="lending at the desk")
    except RegistryUnavailableError as error:
        if await _feed_followed_within(pool, offline_lending_minutes):
            return
        raise as_domain_error(error, unavailable_message=DESK_OFFLINE_MESSAGE) from None
    except RegistryError as error:
        raise as_domain_error(error) from None
    if record.card_number != card_number:
        raise card_replaced()


async def _feed_followed_within(pool: asyncpg.Pool, minutes: int) -> bool:
    if minutes <= 0:
        return False
    async with pool.acquire() as conn:
        return await feed_followed_within(conn, minutes)


async def lend_at_desk(
    logins: PatronLogins, policy: LibraryPolicy, card_number: str, barcode: str, *, pin: str | None
) -> Loan:
    """A loan at the staff desk (the staff API's and the desk page's one path): staff know the patron and may
    lend without the PIN, unless the library's rules ask for it (``[desk] pin_required``).

    Without the PIN a national card is first checked with the registry (:func:`confirm_national_card`), so a
    card reported lost at another library stops lending here at once; with it, card and PIN are checked
    where the card lives (``log_in_patron``, counted at the library door like the kiosk's).
    """
    pool, clock = logins.pool, logins.clock
    if policy.desk.pin_required:
        if not pin:
            raise DomainError(
                ErrorKind.INVALID, "pin_required", "this library asks every patron for their PIN when borrowing"
            )
        patron = await log_in_patron(logins, card_number, pin)
        async with pool.acquire() as conn, conn.transaction():
            return await check_out_to(conn, policy, clock, patron, barcode)
    await confirm_national_card(
        pool, logins.registry, card_number, offline_lending_minutes=policy.desk.offline_national_lending_minutes
    )
    async with pool.acquire() as conn, conn.transaction():
        return await check_out(conn, policy, clock, card_number, barcode)
