"""What a refused card-and-PIN login at an online door (the registry's insight site, a node's Min side) tells
the patron: the text key each site's words must have, and the page's HTTP status, per error code.

One table for both doors, so the same refusal reads the same everywhere. An unknown card and a wrong PIN read
alike on purpose: saying "no such card" would let anyone on the internet test which card numbers exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CARD_AND_PIN_REFUSALS: Mapping[str, tuple[str, int]] = MappingProxyType(
    {
        "pin_invalid": ("wrong_pin", 401),
        "patron_not_found": ("wrong_pin", 401),
        "card_number_checksum": ("wrong_pin", 401),
        "card_number_format": ("card_format", 422),
        "pin_attempts_throttled": ("throttled", 429),
        "login_rate_limited": ("too_many_attempts", 429),
        "pin_locked": ("locked", 423),
        "card_replaced": ("card_replaced", 410),
        "card_upgraded": ("card_upgraded", 410),
        "card_erased": ("card_erased", 410),
        "card_opted_out": ("card_opted_out", 410),
        "card_unlinked": ("card_unlinked", 410),
        "pin_not_set": ("no_pin", 403),
    }
)
WRONG_CARD_OR_PIN = ("wrong_pin", 401)
"""A refusal the table does not name reads like a wrong card number or PIN."""
MALFORMED_CARD_NUMBER = ("card_format", 422)
