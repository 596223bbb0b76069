"""Refusals about patrons and cards that both services give, each with one code and one status.

A desk, a kiosk, Min side and the registry then answer the same case alike, and a node can pass the registry's
refusal on unchanged. The PIN refusals live with the PIN rules (``pins``, ``lockout``); national ID and card
number format refusals with their parsers (``national_id``, ``card_number``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from plumbing.errors import DomainError, ErrorKind

__all__ = ["RETIRED_CARD_CODES", "RetiredCardReason", "card_replaced", "card_retired", "patron_not_found"]

RetiredCardReason = Literal["lost", "upgraded", "erased", "opted_out", "unlinked"]
"""Why a card number stopped working: reported lost (a new card was issued), a local card upgraded to a national
one, the national record erased (deletion request or death notice), the patron opted out to a local card, or the
library's link to the national record ended. Kept with the retired number, so the desk and Min side say which."""

RETIRED_CARD_CODES: Mapping[RetiredCardReason, str] = MappingProxyType(
    {
        "lost": "card_replaced",
        "upgraded": "card_upgraded",
        "erased": "card_erased",
        "opted_out": "card_opted_out",
        "unlinked": "card_unlinked",
    }
)
"""One problem code per reason (410 Gone each): the number existed and is retired for good."""
_RETIRED_CARD_DETAILS: Mapping[RetiredCardReason, str] = MappingProxyType(
    {
        "lost": "this card was reported lost and replaced",
        "upgraded": "this local card was upgraded to a national card",
        "erased": "this card's national record was erased",
        "opted_out": "this national card was given up for a local card",
        "unlinked": "this national card is no longer linked to this library",
    }
)


def patron_not_found() -> DomainError:
    """No such patron, or no patron holds this card number.

    One answer for "does not exist" and "not yours": a library learns nothing about patrons it does not serve.
    """
    return DomainError(ErrorKind.NOT_FOUND, "patron_not_found", "no such patron")


def card_replaced() -> DomainError:
    """A card number that was reported lost and replaced.

    410 Gone: the number existed and is retired for good; the patron has a new card.
    """
    return DomainError(ErrorKind.GONE, "card_replaced", "this card was reported lost and replaced")


def card_retired(reason: RetiredCardReason) -> DomainError:
    """A card number retired for ``reason``: 410 Gone with the reason's own code (``RETIRED_CARD_CODES``)."""
    if reason == "lost":
        return card_replaced()
    return DomainError(ErrorKind.GONE, RETIRED_CARD_CODES[reason], _RETIRED_CARD_DETAILS[reason])
