"""Refusals about patrons and cards that both services give, each with one code and one status.

A desk, a kiosk, Min side and the registry then answer the same case alike, and a node can pass the registry's
refusal on unchanged. The PIN refusals live with the PIN rules (``pins``, ``lockout``); national ID and card
number format refusals with their parsers (``national_id``, ``card_number``).
"""

from __future__ import annotations

from plumbing.errors import DomainError, ErrorKind

__all__ = ["card_replaced", "patron_not_found"]


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
