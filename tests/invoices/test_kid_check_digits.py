"""The KID's check digits, MOD10 (Luhn) and MOD11, against published examples and as properties.

Published examples:
- Wikipedia, "Luhn algorithm": account number 7992739871 has check digit 3 (79927398713).
- no.wikipedia.org "KID-nummer", as implemented by Ondkloss/norwegian-numbers (README of its npm package):
  makeKidNumber('1234') -> '12344' (MOD10) and makeKidNumber('1234', 'MOD11') -> '12343'.
- kiowa/kid-number (README): kid_mod11(12955, length=7) -> '0129550' (zero-padded body 012955, check 0).
- Generic MOD11 documentation (e.g. the Danish CVR rules): a remainder giving check digit 10 makes the number
  unusable, which is why the next invoice number is taken.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from local_library.invoices.kid import (
    KID_INVALID,
    KID_LENGTH,
    MAX_INVOICE_NUMBER,
    NoCheckDigitError,
    invoice_number_of,
    is_valid_kid,
    make_kid,
    mod10_check_digit,
    mod11_check_digit,
)
from plumbing.errors import DomainError

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=24)


@pytest.mark.parametrize(
    ("body", "mod10", "mod11"),
    [("7992739871", "3", None), ("1234", "4", "3"), ("012955", None, "0")],
)
def test_published_examples(body: str, mod10: str | None, mod11: str | None) -> None:
    if mod10 is not None:
        assert mod10_check_digit(body) == mod10
    if mod11 is not None:
        assert mod11_check_digit(body) == mod11


def _luhn_valid(number: str) -> bool:
    # Luhn as Wikipedia states it for validation: double every second digit from the right (the check digit
    # not doubled), subtract 9 from products over 9, the sum is a multiple of 10.
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _mod11_valid(number: str) -> bool:
    # Weights 1 (the check digit), then 2..7 repeating from the right: a valid number sums to a multiple of 11.
    weights = [1] + [2 + index % 6 for index in range(len(number) - 1)]
    return sum(int(char) * weight for char, weight in zip(reversed(number), weights, strict=True)) % 11 == 0


@given(digit_strings)
@example("7992739871")
@example("1234")
def test_mod10_makes_numbers_luhn_validation_accepts(body: str) -> None:
    assert _luhn_valid(body + mod10_check_digit(body))
    assert is_valid_kid(body + mod10_check_digit(body), "mod10")


@given(digit_strings)
@example("1234")
@example("012955")
def test_mod11_makes_numbers_mod11_validation_accepts_or_has_none(body: str) -> None:
    try:
        check = mod11_check_digit(body)
    except NoCheckDigitError:
        # Exactly the bodies whose remainder calls for a 10: no digit completes them.
        assert not any(_mod11_valid(body + digit) for digit in "0123456789")
        return
    assert _mod11_valid(body + check)
    assert is_valid_kid(body + check, "mod11")


@given(digit_strings, st.data())
def test_both_rules_catch_every_single_wrong_digit(body: str, data: st.DataObject) -> None:
    for rule, make in (("mod10", mod10_check_digit), ("mod11", mod11_check_digit)):
        try:
            kid = body + make(body)
        except NoCheckDigitError:
            continue
        position = data.draw(st.integers(0, len(kid) - 1))
        wrong = data.draw(st.sampled_from([digit for digit in "0123456789" if digit != kid[position]]))
        assert not is_valid_kid(kid[:position] + wrong + kid[position + 1 :], rule)  # type: ignore[arg-type]


@given(st.integers(1, MAX_INVOICE_NUMBER), st.sampled_from(["mod10", "mod11"]))
def test_a_kid_has_the_fixed_layout_and_names_its_invoice(invoice_number: int, rule: str) -> None:
    try:
        kid = make_kid("3203", invoice_number, rule)  # type: ignore[arg-type]
    except NoCheckDigitError:
        assert rule == "mod11"
        return
    assert len(kid) == KID_LENGTH
    assert kid.startswith("3203")
    assert invoice_number_of(kid, "3203", rule) == invoice_number  # type: ignore[arg-type]


@pytest.mark.parametrize("kid", ["", "3203", "32030000000016", "320300000001x", "1108000000013", "٣٢٠٣٠٠٠٠٠٠٠١٦"])
def test_a_kid_that_is_not_ours_is_refused_with_one_code(kid: str) -> None:
    with pytest.raises(DomainError) as refused:
        invoice_number_of(kid, "3203", "mod10")
    assert refused.value.code == KID_INVALID


def test_a_wrong_check_digit_is_refused() -> None:
    good = make_kid("3203", 1, "mod10")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert invoice_number_of(good, "3203", "mod10") == 1
    with pytest.raises(DomainError):
        invoice_number_of(bad, "3203", "mod10")
