"""Card number formatting, parsing and the Luhn check digit."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plumbing.errors import DomainError, ErrorKind
from registry_contract.card_number import (
    MAX_SERIAL,
    MIN_SERIAL,
    CardNumberError,
    format_card_number,
    luhn_check_digit,
    parse_card_number,
)

serials = st.integers(MIN_SERIAL, MAX_SERIAL)


def error_code(text: str) -> str:
    with pytest.raises(CardNumberError) as refused:
        parse_card_number(text)
    return refused.value.code


@given(serials)
def test_card_numbers_round_trip(serial: int) -> None:
    card_number = format_card_number(serial)

    assert len(card_number) == 10
    assert card_number.isdigit()
    assert int(card_number[:9]) == serial
    assert parse_card_number(card_number) == serial
    assert parse_card_number(f" {card_number}\n") == serial


@given(serials, st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_typo_is_caught(serial: int, position: int, shift: int) -> None:
    card_number = format_card_number(serial)
    changed_digit = str((int(card_number[position]) + shift) % 10)
    typo = card_number[:position] + changed_digit + card_number[position + 1 :]

    assert error_code(typo) == "card_number_checksum"


@given(serials, st.integers(0, 8))
def test_swapped_neighbours_are_caught_except_zero_and_nine(serial: int, position: int) -> None:
    card_number = format_card_number(serial)
    pair = card_number[position : position + 2]
    # Luhn's one blind spot among neighbour swaps: 09 and 90 have the same weighted sum.
    assume(pair[0] != pair[1] and set(pair) != {"0", "9"})
    swapped = card_number[:position] + pair[::-1] + card_number[position + 2 :]

    assert error_code(swapped) == "card_number_checksum"


def test_luhn_known_value() -> None:
    # The worked example from the Luhn algorithm's usual description: 7992739871 completes to 79927398713.
    assert luhn_check_digit("7992739871") == 3
    assert luhn_check_digit("0") == 0
    assert format_card_number(1) == "0000000018"


@pytest.mark.parametrize("digits", ["", "12a4", chr(0x0661) + chr(0x0662), " 123"])
def test_luhn_refuses_anything_but_ascii_digits(digits: str) -> None:
    with pytest.raises(ValueError, match="ASCII digits"):
        luhn_check_digit(digits)


def test_serial_bounds() -> None:
    assert parse_card_number(format_card_number(MAX_SERIAL)) == MAX_SERIAL
    for serial in (MIN_SERIAL - 1, -1, MAX_SERIAL + 1):
        with pytest.raises(ValueError, match="serials"):
            format_card_number(serial)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "000000018",  # nine digits
        "00000000180",  # eleven digits
        "N0000000018",  # the national series has no prefix
        "00000 00018",
        "0000-000018",
        "".join(chr(0x0660 + int(char)) for char in "0000000018"),  # Arabic-Indic digits
        "0000000000",  # serial 0 is never issued, although its check digit is right
    ],
)
def test_format_errors(text: str) -> None:
    assert error_code(text) == "card_number_format"


def test_errors_are_invalid_domain_errors_without_digits() -> None:
    for text in ("12", "0000000019"):
        with pytest.raises(CardNumberError) as refused:
            parse_card_number(text)
        error = refused.value
        assert isinstance(error, ValueError)
        assert isinstance(error, DomainError)
        assert error.kind is ErrorKind.INVALID
        assert not any(char.isdigit() for char in str(error))
