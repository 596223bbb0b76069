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

from aiohttp import web

from local_library.app_keys import POLICY, POOL, REGISTRY
from local_library.registry_link.login import registry_refusal
from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryError, RegistryUnavailableError
from registry_contract.refusals import card_replaced


async def confirm_national_card(app: web.Application, card_number: str) -> None:
    """Refuse a national card the registry no longer knows as current; local cards are left to local checks."""
    async with app[POOL].acquire() as conn:
        registry_patron_id = await conn.fetchval(
            "SELECT registry_patron_id FROM patrons WHERE card_number = $1", card_number
        )
    if registry_patron_id is None:
        return
    try:
        record = await app[REGISTRY].get_patron(registry_patron_id, purpose="lending at the desk")
    except RegistryUnavailableError:
        if await _feed_followed_within(app, app[POLICY].desk.offline_national_lending_minutes):
            return
        raise DomainError(
            ErrorKind.UNAVAILABLE,
            "registry_unavailable",
            "national cards cannot be checked right now; try again, or lend with the patron's PIN later",
            retry_after_seconds=30,
        ) from None
    except RegistryError as error:
        raise registry_refusal(error) from None
    if record.card_number != card_number:
        raise card_replaced()


async def _feed_followed_within(app: web.Application, minutes: int) -> bool:
    if minutes <= 0:
        return False
    async with app[POOL].acquire() as conn:
        fresh: bool | None = await conn.fetchval(
            "SELECT now() - updated_at <= make_interval(mins => $1) FROM registry_feed_position", minutes
        )
    return bool(fresh)
