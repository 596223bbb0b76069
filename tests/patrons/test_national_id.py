"""National ID parsing, validation, masking and the synthetic-number generator.

No literal national ID number appears here: ordinary numbers are built from a birth date and an individual
number by ``with_check_digits`` (an implementation of the check-digit rule independent of the module's), and
synthetic ones come from the generator. Fixtures must never hold a real person's number.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plumbing.errors import DomainError, ErrorKind
from registry_contract.national_id import (
    SYNTHETIC_BIRTH_DATE_MAX,
    SYNTHETIC_BIRTH_DATE_MIN,
    Gender,
    NationalId,
    NationalIdError,
    generate_synthetic_national_id,
    generate_synthetic_national_ids,
    parse_national_id,
)

EARLIEST = date(1854, 1, 1)
LATEST = date(2039, 12, 31)


def mod11_check(digits: str, weights: tuple[int, ...]) -> int:
    """The raw mod-11 check value, 0-10; 10 has no digit."""
    return -sum(weight * int(digit) for weight, digit in zip(weights, digits, strict=True)) % 11


def first_check(first_nine: str) -> int:
    return mod11_check(first_nine, (3, 7, 6, 1, 8, 9, 4, 5, 2))


def with_check_digits(first_nine: str) -> str | None:
    """``first_nine`` with both check digits appended, or None when either would be 10."""
    first = first_check(first_nine)
    if first == 10:
        return None
    first_ten = f"{first_nine}{first}"
    second = mod11_check(first_ten, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    if second == 10:
        return None
    return f"{first_ten}{second}"


def first_nine_digits(
    day_field: int, month_field: int, two_digit_year: int, individuals: Iterable[int]
) -> Iterator[str]:
    for individual in individuals:
        yield f"{day_field:02d}{month_field:02d}{two_digit_year:02d}{individual:03d}"


def build(day_field: int, month_field: int, two_digit_year: int, individual: int) -> str | None:
    return with_check_digits(next(first_nine_digits(day_field, month_field, two_digit_year, [individual])))


def first_valid(day_field: int, month_field: int, two_digit_year: int, individuals: Iterable[int]) -> str:
    """The first of ``individuals`` that gives a number with valid check digits for these date fields."""
    for individual in individuals:
        number = build(day_field, month_field, two_digit_year, individual)
        if number is not None:
            return number
    raise AssertionError("no individual number gives valid check digits")


def individual_numbers(year: int) -> list[int]:
    """Individual numbers issued for births in ``year``, written out from Skatteetaten's table."""
    if 1854 <= year <= 1899:
        ranges = [range(500, 750)]
    elif 1900 <= year <= 1939:
        ranges = [range(500)]
    elif 1940 <= year <= 1999:
        ranges = [range(500), range(900, 1000)]
    elif 2000 <= year <= 2039:
        ranges = [range(500, 1000)]
    else:
        raise AssertionError(f"no individual numbers for {year}")
    return [individual for numbers in ranges for individual in numbers]


@st.composite
def birth_date_and_individual(draw: st.DrawFn) -> tuple[date, int]:
    birth_date = draw(st.dates(EARLIEST, LATEST))
    return birth_date, draw(st.sampled_from(individual_numbers(birth_date.year)))


@st.composite
def ordinary_numbers(draw: st.DrawFn) -> str:
    birth_date, individual = draw(birth_date_and_individual())
    number = build(birth_date.day, birth_date.month, birth_date.year % 100, individual)
    assume(number is not None)
    assert number is not None
    return number


def synthetic(seed: int = 0, birth_date: date | None = None, gender: Gender | None = None) -> str:
    return generate_synthetic_national_id(random.Random(seed), birth_date=birth_date, gender=gender)


def error_code(text: str, *, allow_synthetic: bool = False) -> str:
    with pytest.raises(NationalIdError) as refused:
        parse_national_id(text, allow_synthetic=allow_synthetic)
    return refused.value.code


# --- properties ---------------------------------------------------------------------------------------------


@given(st.randoms(use_true_random=False))
def test_generated_synthetic_numbers_parse_only_when_allowed(rng: random.Random) -> None:
    number = generate_synthetic_national_id(rng)

    national_id = parse_national_id(number, allow_synthetic=True)

    assert national_id.synthetic
    assert national_id.kind == "ordinary"
    assert SYNTHETIC_BIRTH_DATE_MIN <= national_id.birth_date <= SYNTHETIC_BIRTH_DATE_MAX
    assert 81 <= int(number[2:4]) <= 92
    assert error_code(number) == "national_id_synthetic_not_allowed"


@given(ordinary_numbers())
def test_ordinary_numbers_decode_birth_date_and_gender(number: str) -> None:
    national_id = parse_national_id(number)

    year = national_id.birth_date.year
    assert national_id.birth_date == date(year, int(number[2:4]), int(number[0:2]))
    assert year % 100 == int(number[4:6])
    assert int(number[6:9]) in individual_numbers(year)
    assert national_id.gender == ("male" if int(number[8]) % 2 == 1 else "female")
    assert national_id.kind == "ordinary"
    assert not national_id.synthetic
    assert national_id.digits == number


@given(
    st.one_of(ordinary_numbers(), st.builds(synthetic, st.integers(0, 2**32))),
    st.integers(0, 10),
    st.integers(1, 9),
)
def test_any_single_digit_change_is_refused(number: str, position: int, shift: int) -> None:
    changed_digit = str((int(number[position]) + shift) % 10)
    typo = number[:position] + changed_digit + number[position + 1 :]

    assert error_code(typo, allow_synthetic=True) == "national_id_checksum"


@given(birth_date_and_individual())
def test_d_number_derives_the_birth_date(drawn: tuple[date, int]) -> None:
    birth_date, individual = drawn
    number = build(birth_date.day + 40, birth_date.month, birth_date.year % 100, individual)
    assume(number is not None)
    assert number is not None

    national_id = parse_national_id(number)

    assert int(number[0]) >= 4
    assert national_id.birth_date == birth_date
    assert national_id.kind == "d_number"
    assert not national_id.synthetic


@given(birth_date_and_individual())
def test_h_number_derives_the_birth_date(drawn: tuple[date, int]) -> None:
    birth_date, individual = drawn
    number = build(birth_date.day, birth_date.month + 40, birth_date.year % 100, individual)
    assume(number is not None)
    assert number is not None

    national_id = parse_national_id(number)

    assert int(number[2]) >= 4
    assert national_id.birth_date == birth_date
    assert national_id.kind == "h_number"
    assert not national_id.synthetic


@given(birth_date_and_individual())
def test_synthetic_d_number_derives_the_birth_date(drawn: tuple[date, int]) -> None:
    birth_date, individual = drawn
    number = build(birth_date.day + 40, birth_date.month + 80, birth_date.year % 100, individual)
    assume(number is not None)
    assert number is not None

    national_id = parse_national_id(number, allow_synthetic=True)

    assert national_id.birth_date == birth_date
    assert national_id.kind == "d_number"
    assert national_id.synthetic
    assert error_code(number) == "national_id_synthetic_not_allowed"


@given(st.randoms(use_true_random=False), st.dates(EARLIEST, LATEST), st.sampled_from(["female", "male"]))
def test_generator_round_trips_birth_date_and_gender(rng: random.Random, birth_date: date, gender: Gender) -> None:
    number = generate_synthetic_national_id(rng, birth_date=birth_date, gender=gender)

    national_id = parse_national_id(number, allow_synthetic=True)

    assert national_id.birth_date == birth_date
    assert national_id.gender == gender
    assert national_id.synthetic


@given(st.randoms(use_true_random=False))
def test_masking_never_shows_the_number(rng: random.Random) -> None:
    national_id = parse_national_id(generate_synthetic_national_id(rng), allow_synthetic=True)

    for shown in (str(national_id), repr(national_id), f"{national_id}", repr([national_id])):
        assert not any(char.isdigit() for char in shown)
    assert national_id.masked() == "*********" + national_id.digits[9:]


# --- accepted input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "decorate",
    [
        lambda number: f"{number[:6]} {number[6:]}",
        lambda number: f"  {number}\n",
        lambda number: f"\t{number[:6]} {number[6:]} ",
    ],
    ids=["space after birth date", "surrounding whitespace", "both"],
)
def test_accepts_the_usual_ways_of_writing_a_number(decorate: Callable[[str], str]) -> None:
    number = first_valid(17, 5, 84, range(200, 300))

    assert parse_national_id(decorate(number)).digits == number


def test_check_digit_of_eleven_is_written_as_zero() -> None:
    """A remainder of 0 gives 11 - 0 = 11, written 0; such numbers are valid."""
    first_nine = next(
        nine
        for nine in first_nine_digits(12, 3, 70, range(500))
        if first_check(nine) == 0 and with_check_digits(nine) is not None
    )
    number = with_check_digits(first_nine)
    assert number is not None

    assert number[9] == "0"
    assert parse_national_id(number).birth_date == date(1970, 3, 12)


def test_constructor_validates_but_leaves_the_synthetic_policy_to_the_parser() -> None:
    number = synthetic()

    assert NationalId(number).synthetic
    assert NationalId(number) == parse_national_id(number, allow_synthetic=True)
    assert hash(NationalId(number)) == hash(parse_national_id(number, allow_synthetic=True))
    with pytest.raises(NationalIdError) as refused:
        NationalId(number[:10])
    assert refused.value.code == "national_id_format"


# --- refusals -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mangle",
    [
        lambda number: "",
        lambda number: "   ",
        lambda number: number[:10],
        lambda number: number + "7",
        lambda number: number[:5] + " " + number[5:],
        lambda number: number[:6] + "  " + number[6:],
        lambda number: number[:6] + "-" + number[6:],
        lambda number: number[:6] + "\n" + number[6:],
        lambda number: number[:3] + "x" + number[4:],
        lambda number: "".join(chr(0x0660 + int(char)) for char in number),  # Arabic-Indic digits
        lambda number: "".join(chr(0xFF10 + int(char)) for char in number),  # full-width digits
    ],
)
def test_format_errors(mangle: Callable[[str], str]) -> None:
    assert error_code(mangle(synthetic()), allow_synthetic=True) == "national_id_format"


def test_checksum_error_for_a_wrong_second_check_digit() -> None:
    number = synthetic()
    wrong = str((int(number[10]) + 1) % 10)

    assert error_code(number[:10] + wrong, allow_synthetic=True) == "national_id_checksum"


def test_a_base_whose_old_first_check_digit_would_be_ten_has_only_2032_numbers() -> None:
    """No digit stands for 10, so under the old rules such a base has no number; from 2032 the first check
    digit may complete the sum to a remainder of 1-3, i.e. be 0, 1 or 2 here. Every other completion is refused."""
    first_nine = next(nine for nine in first_nine_digits(12, 3, 70, range(500)) if first_check(nine) == 10)
    completions = [f"{first_nine}{last_two:02d}" for last_two in range(100)]
    expected = {
        number for first in (0, 1, 2) if (number := with_2032_check_digits(first_nine, (first + 1) % 11)) is not None
    }
    for text in completions:
        if text in expected:
            national_id = parse_national_id(text)
            assert (national_id.birth_date, national_id.gender) == (None, None)
        else:
            assert error_code(text) == "national_id_checksum"
    assert expected


def with_2032_check_digits(first_nine: str, remainder: int) -> str | None:
    """``first_nine`` completed under the 2032 rules: the first check digit leaves ``remainder`` (0-3)."""
    first = (first_check(first_nine) + remainder) % 11
    if first == 10:
        return None
    first_ten = f"{first_nine}{first}"
    second = mod11_check(first_ten, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    return None if second == 10 else f"{first_ten}{second}"


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.integers(0, 999), st.integers(1, 3))
def test_2032_numbers_are_accepted_without_birth_date_or_gender(
    birth_date: date, individual: int, remainder: int
) -> None:
    first_nine = f"{birth_date.day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{individual:03d}"
    number = with_2032_check_digits(first_nine, remainder)
    assume(number is not None)
    assert number is not None

    national_id = parse_national_id(number)

    assert (national_id.birth_date, national_id.gender, national_id.kind) == (None, None, "ordinary")
    assert national_id.digits == number


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.integers(0, 999), st.integers(4, 10))
def test_a_first_check_digit_beyond_the_four_2032_remainders_is_refused(
    birth_date: date, individual: int, remainder: int
) -> None:
    first_nine = f"{birth_date.day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{individual:03d}"
    number = with_2032_check_digits(first_nine, remainder)
    assume(number is not None)
    assert number is not None

    assert error_code(number) == "national_id_checksum"


@given(st.integers(0, 999), st.integers(0, 3), st.sampled_from([(0, 5), (32, 5), (31, 4), (15, 13), (15, 0)]))
def test_2032_numbers_still_start_with_a_day_and_month(
    individual: int, remainder: int, day_and_month: tuple[int, int]
) -> None:
    day, month = day_and_month
    number = with_2032_check_digits(f"{day:02d}{month:02d}35{individual:03d}", remainder)
    assume(number is not None)
    assert number is not None

    assert error_code(number) == "national_id_date"


@pytest.mark.parametrize("remainder", [1, 2, 3])
def test_a_synthetic_2032_number_is_accepted_for_each_new_remainder(remainder: int) -> None:
    """Skatteetaten's own examples (nyttfnr2032) are ordinary numbers, so they are not written here: the same
    shapes on a synthetic base (month + 80), built by the rule, with every remainder the old rules refused."""
    number = with_2032_check_digits("028132999", remainder)
    assert number is not None
    national_id = parse_national_id(number, allow_synthetic=True)
    assert (national_id.birth_date, national_id.gender, national_id.digits) == (None, None, number)


@pytest.mark.parametrize(
    ("day_field", "month_field", "two_digit_year", "individuals"),
    [
        pytest.param(0, 5, 84, range(500), id="day 00"),
        pytest.param(32, 5, 84, range(500), id="day 32"),
        pytest.param(40, 5, 84, range(500), id="day 40"),
        pytest.param(72, 5, 84, range(500), id="D-number day 72"),
        pytest.param(31, 4, 84, range(500), id="31 April"),
        pytest.param(15, 0, 84, range(500), id="month 00"),
        pytest.param(15, 13, 84, range(500), id="month 13"),
        pytest.param(15, 40, 84, range(500), id="month 40"),
        pytest.param(15, 53, 84, range(500), id="H-number month 53"),
        pytest.param(15, 80, 84, range(500), id="month 80"),
        pytest.param(15, 93, 84, range(500), id="synthetic month 93"),
        pytest.param(55, 45, 84, range(500), id="both D- and H-number"),
    ],
)
def test_date_errors(day_field: int, month_field: int, two_digit_year: int, individuals: range) -> None:
    number = first_valid(day_field, month_field, two_digit_year, individuals)

    assert error_code(number, allow_synthetic=True) == "national_id_date"


@pytest.mark.parametrize(
    ("two_digit_year", "individuals"),
    [
        pytest.param(40, range(750, 900), id="individual 750-899 with year 40-99"),
        pytest.param(99, range(750, 900), id="individual 750-899 with year 99"),
        pytest.param(53, range(500, 750), id="individual 500-749 with year 40-53"),
    ],
)
def test_numbers_outside_the_century_table_are_read_as_2032_numbers(two_digit_year: int, individuals: range) -> None:
    """Before 2032 no such number was issued; from 2032 the individual number encodes no century."""
    national_id = parse_national_id(first_valid(15, 5, two_digit_year, individuals))

    assert (national_id.birth_date, national_id.gender) == (None, None)


def test_synthetic_error_comes_after_structural_checks() -> None:
    number = first_valid(30, 82, 84, range(500))  # synthetic 30 February

    assert error_code(number) == "national_id_date"
    assert error_code(synthetic()) == "national_id_synthetic_not_allowed"


@pytest.mark.parametrize(
    ("two_digit_year", "individuals", "expected_year"),
    [
        (0, range(500), 1900),
        (99, range(500), 1999),
        (54, range(500, 750), 1854),
        (99, range(500, 750), 1899),
        (0, range(500, 750), 2000),
        (39, range(750, 1000), 2039),
        (40, range(900, 1000), 1940),
        (99, range(900, 1000), 1999),
    ],
)
def test_century_comes_from_the_individual_number(
    two_digit_year: int, individuals: Iterable[int], expected_year: int
) -> None:
    number = first_valid(10, 10, two_digit_year, individuals)

    assert parse_national_id(number).birth_date == date(expected_year, 10, 10)


@pytest.mark.parametrize(
    ("two_digit_year", "individuals", "is_leap_year"),
    [
        pytest.param(0, range(500, 1000), True, id="2000"),
        pytest.param(0, range(500), False, id="1900"),
        pytest.param(96, range(500), True, id="1996"),
        pytest.param(97, range(500), False, id="1997"),
        pytest.param(24, range(500, 1000), True, id="2024"),
        pytest.param(23, range(500, 1000), False, id="2023"),
        pytest.param(96, range(500, 750), True, id="1896"),
    ],
)
def test_leap_days(two_digit_year: int, individuals: Iterable[int], is_leap_year: bool) -> None:
    ordinary = first_valid(29, 2, two_digit_year, individuals)
    d_number = first_valid(69, 2, two_digit_year, individuals)

    for number in (ordinary, d_number):
        if is_leap_year:
            birth_date = parse_national_id(number).birth_date
            assert (birth_date.month, birth_date.day) == (2, 29)
        else:
            assert error_code(number) == "national_id_date"


def test_generator_handles_leap_days() -> None:
    number = synthetic(birth_date=date(2024, 2, 29))

    assert parse_national_id(number, allow_synthetic=True).birth_date == date(2024, 2, 29)


def test_error_messages_never_contain_digits() -> None:
    number = synthetic()
    refusals = [
        (number[:10], True),  # format
        (number[:10] + str((int(number[10]) + 1) % 10), True),  # checksum
        (first_valid(31, 4, 84, range(500)), True),  # date, from the calendar
        (first_valid(15, 13, 84, range(500)), True),  # date: month 13
        (number, False),  # synthetic
    ]
    codes = set()
    for text, allow_synthetic in refusals:
        with pytest.raises(NationalIdError) as refused:
            parse_national_id(text, allow_synthetic=allow_synthetic)
        error = refused.value
        codes.add(error.code)
        for shown in (str(error), repr(error), error.message, *map(str, error.args)):
            assert not any(char.isdigit() for char in shown)
        # The calendar's own ValueError names the impossible day; it must not ride along as the context.
        assert error.__cause__ is None
        assert error.__suppress_context__ or error.__context__ is None
    assert codes == {
        "national_id_format",
        "national_id_checksum",
        "national_id_date",
        "national_id_synthetic_not_allowed",
    }


def test_error_is_a_value_error_and_an_invalid_domain_error() -> None:
    with pytest.raises(NationalIdError) as refused:
        parse_national_id("")

    assert isinstance(refused.value, ValueError)
    assert isinstance(refused.value, DomainError)
    assert refused.value.kind is ErrorKind.INVALID


# --- the generators -----------------------------------------------------------------------------------------


def test_unique_generator_is_deterministic_unique_and_varied() -> None:
    numbers = list(generate_synthetic_national_ids(5000, seed=7))

    assert numbers == list(generate_synthetic_national_ids(5000, seed=7))
    assert numbers != list(generate_synthetic_national_ids(5000, seed=8))
    assert len(set(numbers)) == 5000
    parsed = [parse_national_id(number, allow_synthetic=True) for number in numbers]
    assert {national_id.gender for national_id in parsed} == {"female", "male"}
    assert all(SYNTHETIC_BIRTH_DATE_MIN <= nid.birth_date <= SYNTHETIC_BIRTH_DATE_MAX for nid in parsed)
    assert len({national_id.birth_date.year for national_id in parsed}) > 90


def test_unique_generator_count_is_checked_at_the_call() -> None:
    assert list(generate_synthetic_national_ids(0, seed=1)) == []
    with pytest.raises(ValueError, match="count"):
        generate_synthetic_national_ids(-1, seed=1)
    with pytest.raises(ValueError, match="count"):
        generate_synthetic_national_ids(100_000_000, seed=1)


@pytest.mark.parametrize("birth_date", [date(1853, 12, 31), date(2040, 1, 1)])
def test_generator_refuses_birth_dates_no_number_can_encode(birth_date: date) -> None:
    with pytest.raises(ValueError, match="1854"):
        synthetic(birth_date=birth_date)
