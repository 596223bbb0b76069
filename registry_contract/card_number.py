"""Library card numbers (lånernummer) of the national series: formatting and validation.

A card number is ten digits: a nine-digit serial, zero-padded, followed by a Luhn check digit. Luhn catches
every single-digit typo and almost every swap of neighbouring digits, the two mistakes people make reading a
number off a card. Serials come from a PostgreSQL sequence elsewhere; this module is only the arithmetic.
"""

from __future__ import annotations

import re
from typing import Literal, TypeAlias

from plumbing.errors import DomainError, ErrorKind

__all__ = [
    "MAX_SERIAL",
    "MIN_SERIAL",
    "CardNumberError",
    "CardNumberErrorCode",
    "format_card_number",
    "luhn_check_digit",
    "parse_card_number",
]

# Serial 0 is refused: an all-zero card number is what an empty field or a misread barcode produces, and the
# sequence that issues serials starts at 1.
MIN_SERIAL = 1
MAX_SERIAL = 999_999_999

CardNumberErrorCode: TypeAlias = Literal["card_number_format", "card_number_checksum"]

_MESSAGES: dict[CardNumberErrorCode, str] = {
    "card_number_format": "A library card number is ten digits.",
    "card_number_checksum": "The check digit of the library card number does not match; it is probably mistyped.",
}

# ASCII digits only: ``\d`` and ``str.isdigit`` would also accept Arabic-Indic and other Unicode digits.
_CARD_NUMBER = re.compile(r"[0-9]{10}")
_DIGITS = re.compile(r"[0-9]+")


class CardNumberError(DomainError, ValueError):
    """A card number was refused; ``code`` is stable and the message fixed per code."""

    def __init__(self, code: CardNumberErrorCode) -> None:
        super().__init__(ErrorKind.INVALID, code, _MESSAGES[code])


def luhn_check_digit(digits: str) -> int:
    """The Luhn (mod 10) check digit to append to ``digits``, a non-empty string of ASCII digits."""
    if _DIGITS.fullmatch(digits) is None:
        raise ValueError("Luhn check digits are computed over a non-empty string of ASCII digits")
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        # Counting from the right, the payload's last digit is doubled: once the check digit is appended,
        # it becomes the second from the right, and Luhn doubles every second digit from the right.
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return -total % 10


def format_card_number(serial: int) -> str:
    """The ten-digit card number for ``serial``. A serial out of range is a programming error."""
    if not MIN_SERIAL <= serial <= MAX_SERIAL:
        raise ValueError(f"card serials run from {MIN_SERIAL} to {MAX_SERIAL}")
    payload = f"{serial:09d}"
    return f"{payload}{luhn_check_digit(payload)}"


def parse_card_number(text: str) -> int:
    """The serial of a card number typed or scanned by a person; surrounding whitespace is ignored."""
    digits = text.strip()
    if _CARD_NUMBER.fullmatch(digits) is None:
        raise CardNumberError("card_number_format")
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise CardNumberError("card_number_checksum")
    serial = int(digits[:9])
    if serial < MIN_SERIAL:
        raise CardNumberError("card_number_format")
    return serial
