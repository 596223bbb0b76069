"""KID payment references (kundeidentifikasjon) for the library's invoices: their layout and check digits.

A Norwegian bank payment carries a KID of 2 to 25 digits, the last a check digit by MOD10 (Luhn) or MOD11, as
agreed with the bank (Nets' OCR giro: one fixed length per KID structure). Ours is fixed-length:

    library number (4 digits) + invoice number (8 digits, zero-padded) + check digit (1)

The library number is the library's own (the municipality number in the built-in policies), so an OCR file
holding several libraries' payments is split by it; the invoice number is unique within the library.
MOD11 cannot give a check digit for a remainder of 1 (it would be "10"; some banks print "-", which our
fixed all-digit layout does not allow), so such an invoice number is skipped and the next one taken.
"""

from __future__ import annotations

from typing import Literal

from plumbing.errors import DomainError, ErrorKind

KidCheck = Literal["mod10", "mod11"]

LIBRARY_NUMBER_DIGITS = 4
INVOICE_NUMBER_DIGITS = 8
KID_LENGTH = LIBRARY_NUMBER_DIGITS + INVOICE_NUMBER_DIGITS + 1
MAX_INVOICE_NUMBER = 10**INVOICE_NUMBER_DIGITS - 1

KID_INVALID = "kid_invalid"
"""Problem code of a KID that is not one of this library's (wrong length, not digits, another library's number,
or a wrong check digit): refused before anything is looked up."""


class NoCheckDigitError(ValueError):
    """MOD11 of these digits would need the check digit 10, which a KID of digits cannot carry."""


def _digits(number: str) -> list[int]:
    if not number or not number.isascii() or not number.isdigit():
        raise ValueError("a KID is made of the digits 0-9 only")
    return [int(digit) for digit in number]


def mod10_check_digit(number: str) -> str:
    """The Luhn check digit: from the right, every other digit doubled (the products' digits summed)."""
    total = 0
    for position, digit in enumerate(reversed(_digits(number))):
        product = digit * 2 if position % 2 == 0 else digit
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


def mod11_check_digit(number: str) -> str:
    """The MOD11 check digit: weights 2, 3, 4, 5, 6, 7 repeating from the right; 11 - remainder, 11 giving 0.

    Raises ``NoCheckDigitError`` where the result would be 10.
    """
    total = sum(digit * (2 + position % 6) for position, digit in enumerate(reversed(_digits(number))))
    check = (11 - total % 11) % 11
    if check == 10:
        raise NoCheckDigitError(number)
    return str(check)


def check_digit(number: str, rule: KidCheck) -> str:
    return mod10_check_digit(number) if rule == "mod10" else mod11_check_digit(number)


def make_kid(library_number: str, invoice_number: int, rule: KidCheck) -> str:
    """The KID of one invoice; ``NoCheckDigitError`` when MOD11 has none for it (take the next number)."""
    if len(library_number) != LIBRARY_NUMBER_DIGITS or not library_number.isdigit():
        raise ValueError(f"a library number for KIDs is {LIBRARY_NUMBER_DIGITS} digits")
    if not 1 <= invoice_number <= MAX_INVOICE_NUMBER:
        raise ValueError(f"invoice number {invoice_number} does not fit {INVOICE_NUMBER_DIGITS} digits")
    body = f"{library_number}{invoice_number:0{INVOICE_NUMBER_DIGITS}d}"
    return body + check_digit(body, rule)


def is_valid_kid(kid: str, rule: KidCheck) -> bool:
    """Whether ``kid`` is any KID whose last digit is right under ``rule`` (any length from 2)."""
    if len(kid) < 2 or not kid.isascii() or not kid.isdigit():
        return False
    try:
        return check_digit(kid[:-1], rule) == kid[-1]
    except NoCheckDigitError:
        return False


def invoice_number_of(kid: str, library_number: str, rule: KidCheck) -> int:
    """The invoice number a KID of this library names; ``kid_invalid`` (422) for anything else."""
    if len(kid) != KID_LENGTH or not kid.startswith(library_number) or not is_valid_kid(kid, rule):
        raise DomainError(
            ErrorKind.INVALID,
            KID_INVALID,
            f"not a KID of this library ({KID_LENGTH} digits: library number, invoice number, check digit)",
        )
    return int(kid[LIBRARY_NUMBER_DIGITS:-1])
