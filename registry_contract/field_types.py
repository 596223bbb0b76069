"""The field types registry and nodes both validate with: names, contact details, gender, PINs, card numbers.

Declared once, so a value a node accepts at its desk is one the registry accepts too (a phone number the node
took but the registry refused would stall in the outbox). Format only: check digits, dates and PIN policy are
the domain's, with clear codes (``national_id``, ``card_number``, ``pins``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, StringConstraints, WithJsonSchema

from plumbing.errors import rule_violation
from registry_contract.pins import validate_pin_format

__all__ = [
    "AddressLine",
    "CardNumber",
    "ContactMethod",
    "Email",
    "Gender",
    "LibraryId",
    "Name",
    "NationalIdText",
    "PhoneNumber",
    "Pin",
    "TypedPin",
]

ContactMethod = Literal["letter", "email", "sms"]
Gender = Literal["female", "male"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AddressLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# A digit first (after an optional +), then digits and spaces: "+47 412 34 567", "41234567".
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 ]{4,19}$")]
# A plausibility check only (one @, a dot in the domain): delivery is what proves an address.
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


def _four_digits(pin: str) -> str:
    try:
        validate_pin_format(pin)
    except ValueError as error:
        raise rule_violation("pin_format", str(error)) from None
    return pin


Pin = Annotated[str, AfterValidator(_four_digits), WithJsonSchema({"type": "string", "pattern": "^[0-9]{4}$"})]
"""A new PIN; whether it is too simple is :func:`registry_contract.pins.refuse_unfit_pin`'s to say."""
TypedPin = Annotated[str, StringConstraints(max_length=16)]
"""A PIN as typed at a door: any text, checked against the stored hash (a malformed one counts as wrong)."""
CardNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{10}$")]
LibraryId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,31}$")]
# Format only; the check digits, date and synthetic rules are checked by the domain with clear codes.
NationalIdText = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6} ?[0-9]{5}$")]
