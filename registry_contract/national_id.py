"""Norwegian national ID numbers (fødselsnummer, D-number, H-number): parsing, validation, synthetic numbers.

A number is ``DDMMYY III K1 K2``: birth date, a three-digit individual number whose range encodes the century
and whose last digit the gender, and two mod-11 check digits. Variants:

* D-number (foreign nationals): 40 added to the day, so the first digit is raised by 4.
* H-number (health-service help numbers): 40 added to the month, so the third digit is raised by 4.
* Numbers issued from 2032 (Skatteetaten's "nytt fødselsnummer"): the individual number no longer encodes
  gender or century, and the first check digit may complete the weighted sum to any of four remainders
  (0-3) instead of 0 only. Such a number still starts with a valid day and month, but its birth date and gender
  come from the population register or the desk (``birth_date`` and ``gender`` are None). A number that passes
  the old rules is read the old way: it cannot be told apart from a 2032 number of the same digits.
* Synthetic test numbers (Skatteetaten's Tenor test data): 80 added to the month. They belong to nobody, so they
  are the only numbers allowed in fixtures, the benchmark and demo data; production refuses them unless a test
  setting says otherwise.

The national ID is the most sensitive thing the registry handles, so nothing here ever puts the number into a
message, ``repr`` or ``str``: a number that reaches a log or an error response by accident is a data leak.
"""

from __future__ import annotations

import operator
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Literal, TypeAlias

from plumbing.errors import DomainError, ErrorKind
from registry_contract.field_types import Gender

__all__ = [
    "BIRTH_DATE_AND_GENDER_REQUIRED",
    "SYNTHETIC_BIRTH_DATE_MAX",
    "SYNTHETIC_BIRTH_DATE_MIN",
    "Gender",
    "NationalId",
    "NationalIdError",
    "NationalIdErrorCode",
    "NationalIdKind",
    "birth_date_and_gender",
    "generate_synthetic_national_id",
    "generate_synthetic_national_ids",
    "parse_national_id",
]

NationalIdKind: TypeAlias = Literal["ordinary", "d_number", "h_number"]
NationalIdErrorCode: TypeAlias = Literal[
    "national_id_format",
    "national_id_checksum",
    "national_id_date",
    "national_id_synthetic_not_allowed",
]

# Fixed messages per code: an error built from a code alone cannot carry the number, whoever raises it.
_MESSAGES: dict[NationalIdErrorCode, str] = {
    "national_id_format": "A national ID number is eleven digits, optionally with a space after the sixth.",
    "national_id_checksum": "The check digits of the national ID number do not match; it is probably mistyped.",
    "national_id_date": "The national ID number does not encode a valid birth date.",
    "national_id_synthetic_not_allowed": "Synthetic test national ID numbers are not accepted here.",
}

# Some digits of a number with their contributions to the two check-digit sums.
_DigitsWithSums: TypeAlias = tuple[str, int, int]

_WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# From 2032 the first check digit may leave a remainder of 0, 1, 2 or 3 (Skatteetaten, "nytt fødselsnummer").
_MAX_2032_FIRST_CHECK_REMAINDER = 3
_ANY_LEAP_YEAR = 2000

_D_NUMBER_DAY_OFFSET = 40
_H_NUMBER_MONTH_OFFSET = 40
_SYNTHETIC_MONTH_OFFSET = 80

# ASCII digits only: ``\d`` and ``str.isdigit`` would also accept Arabic-Indic and other Unicode digits.
_DIGITS = re.compile(r"[0-9]{11}")
_INPUT = re.compile(r"([0-9]{6}) ?([0-9]{5})")

# The century rules cover birth years 1854-2039; nothing outside can be encoded.
_EARLIEST_BIRTH_DATE = date(1854, 1, 1)
_LATEST_BIRTH_DATE = date(2039, 12, 31)

# Default birth dates of generated numbers: a century of plausible patrons, fixed rather than taken from the
# clock so that a seed always yields the same numbers.
SYNTHETIC_BIRTH_DATE_MIN = date(1920, 1, 1)
SYNTHETIC_BIRTH_DATE_MAX = date(2019, 12, 31)
_DEFAULT_FIRST_ORDINAL = SYNTHETIC_BIRTH_DATE_MIN.toordinal()
_DEFAULT_DAY_COUNT = SYNTHETIC_BIRTH_DATE_MAX.toordinal() - _DEFAULT_FIRST_ORDINAL + 1
# The default range holds about 16.9 million valid synthetic numbers. Unique generation draws at random and
# skips repeats, so stopping at about half the space keeps the expected number of draws per result below two.
_MAX_UNIQUE_SYNTHETIC = 8_000_000


class NationalIdError(DomainError, ValueError):
    """A national ID number was refused. ``code`` is stable; the message never contains the number.

    A ``ValueError`` too, so that pydantic validators and plain callers can treat it as bad input.
    """

    def __init__(self, code: NationalIdErrorCode) -> None:
        super().__init__(ErrorKind.INVALID, code, _MESSAGES[code])


@dataclass(frozen=True, slots=True, repr=False)
class NationalId:
    """A structurally valid national ID number and what it encodes.

    The constructor checks the digits, check digits and birth date; whether synthetic numbers are acceptable
    is input policy, decided by :func:`parse_national_id`. Numbers read back from the registry's own storage
    can therefore be rebuilt with ``NationalId(digits)`` whatever the current setting.

    ``repr`` and ``str`` show no digit at all, so the number cannot reach a log through an f-string or a
    traceback; read ``digits`` explicitly where the number is really needed (blind index, encryption).
    """

    digits: str
    birth_date: date | None = field(init=False, compare=False)
    """None for a number issued under the 2032 rules: the register or the desk gives it."""
    gender: Gender | None = field(init=False, compare=False)
    """None for a number issued under the 2032 rules: the register or the desk gives it."""
    kind: NationalIdKind = field(init=False, compare=False)
    synthetic: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        birth_date, gender, kind, synthetic = _decode(self.digits)
        # Frozen dataclasses allow assignment only through object.__setattr__, even in __post_init__.
        object.__setattr__(self, "birth_date", birth_date)
        object.__setattr__(self, "gender", gender)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "synthetic", synthetic)

    def __repr__(self) -> str:
        return "NationalId(***********)"

    def __str__(self) -> str:
        return "***********"

    def masked(self) -> str:
        """The number with only the two check digits visible, e.g. ``*********12``.

        Meant for showing patrons their own number (the insight page), so they can tell which number is on
        file. The check digits are shown because the first six digits are the birth date and the next three
        the individual number with the gender: those are personal data in their own right. Do not log this
        next to the birth date and gender: together they narrow the number down to a handful of candidates.
        """
        return "*" * 9 + self.digits[9:]


def parse_national_id(text: str, *, allow_synthetic: bool = False) -> NationalId:
    """Parse user input as a national ID number.

    Accepts eleven ASCII digits, optionally written ``DDMMYY NNNNN``, with surrounding whitespace ignored.
    Refusals are checked in a fixed order (format, check digits, birth date, synthetic policy), so a mistyped
    number is reported as mistyped rather than as an impossible date.
    """
    match = _INPUT.fullmatch(text.strip())
    if match is None:
        raise NationalIdError("national_id_format")
    national_id = NationalId(match[1] + match[2])
    if national_id.synthetic and not allow_synthetic:
        raise NationalIdError("national_id_synthetic_not_allowed")
    return national_id


BIRTH_DATE_AND_GENDER_REQUIRED = "birth_date_and_gender_required"


def birth_date_and_gender(
    national_id: NationalId, birth_date: date | None, gender: Gender | None
) -> tuple[date, Gender]:
    """The birth date and gender to record: as given (desk, register), else as the number encodes them.

    A number issued under the 2032 rules encodes neither, so they must be given; the refusal has one code in
    both services.
    """
    birth_date = birth_date or national_id.birth_date
    gender = gender or national_id.gender
    if birth_date is None or gender is None:
        raise DomainError(
            ErrorKind.INVALID,
            BIRTH_DATE_AND_GENDER_REQUIRED,
            "This national ID number does not encode birth date and gender (issued from 2032); give them.",
        )
    return birth_date, gender


def generate_synthetic_national_id(
    rng: random.Random,
    birth_date: date | None = None,
    gender: Gender | None = None,
) -> str:
    """A valid synthetic (month + 80) national ID number, for tests and demo data.

    Without ``birth_date`` the date is drawn from ``SYNTHETIC_BIRTH_DATE_MIN``..``SYNTHETIC_BIRTH_DATE_MAX``;
    without ``gender`` either gender may come out. Deterministic for a given ``rng`` state.
    """
    if birth_date is None:
        birth_date = date.fromordinal(_DEFAULT_FIRST_ORDINAL + rng.randrange(_DEFAULT_DAY_COUNT))
    elif not _EARLIEST_BIRTH_DATE <= birth_date <= _LATEST_BIRTH_DATE:
        raise ValueError("national ID numbers can only encode birth dates from 1854 to 2039")
    candidates = _individual_numbers(birth_date.year, gender)
    prefix = _synthetic_date_prefix(birth_date)
    while True:
        # About one individual number in six yields a check digit of 10 and has no valid number; draw again.
        digits = _synthetic_digits(prefix, rng.choice(candidates))
        if digits is not None:
            return digits


def generate_synthetic_national_ids(count: int, seed: int) -> Iterator[str]:
    """``count`` distinct synthetic national ID numbers, the same ones for the same seed.

    Birth dates are drawn from the default range and both genders occur. Memory stays at a few megabytes
    however many numbers are drawn: repeats are tracked in a bitmap over (birth date, individual number).
    """
    if not 0 <= count <= _MAX_UNIQUE_SYNTHETIC:
        raise ValueError(f"count must be between 0 and {_MAX_UNIQUE_SYNTHETIC}")
    # Validated here rather than inside the generator so a bad count fails at the call, not at first next().
    return _unique_synthetic_national_ids(count, random.Random(seed))  # noqa: S311 -- test data, not secrets


def _unique_synthetic_national_ids(count: int, rng: random.Random) -> Iterator[str]:
    seen = bytearray((_DEFAULT_DAY_COUNT * 1000 + 7) // 8)
    # Everything that depends only on the birth date is worked out once per day (a tenth of a second),
    # not once per number.
    days = [
        (_individual_numbers(birth_date.year, None), _synthetic_date_prefix(birth_date))
        for birth_date in map(
            date.fromordinal, range(_DEFAULT_FIRST_ORDINAL, _DEFAULT_FIRST_ORDINAL + _DEFAULT_DAY_COUNT)
        )
    ]
    produced = 0
    while produced < count:
        # rng.random() scaled rather than randrange()/choice(): several times cheaper over the benchmark's
        # million draws, and its 53 bits make the bias towards low values immeasurably small.
        day_offset = int(rng.random() * _DEFAULT_DAY_COUNT)
        candidates, prefix = days[day_offset]
        individual = candidates[int(rng.random() * len(candidates))]
        slot = day_offset * 1000 + individual
        bit = 1 << (slot & 7)
        if seen[slot >> 3] & bit:
            continue
        seen[slot >> 3] |= bit
        digits = _synthetic_digits(prefix, individual)
        if digits is None:
            continue
        produced += 1
        yield digits


def _decode(digits: str) -> tuple[date | None, Gender | None, NationalIdKind, bool]:
    if not isinstance(digits, str) or _DIGITS.fullmatch(digits) is None:
        raise NationalIdError("national_id_format")
    numbers = list(map(int, digits))
    # The second check digit covers the first and is computed the same way under both rules. (map stops at the
    # shorter sequence: the weights, 10 and 9 of them, pick the leading digits each sum covers.)
    second_check = _check_digit(sum(map(operator.mul, _WEIGHTS_K2, numbers)))
    first_check_remainder = (sum(map(operator.mul, _WEIGHTS_K1, numbers)) + numbers[9]) % 11
    if second_check != numbers[10] or first_check_remainder > _MAX_2032_FIRST_CHECK_REMAINDER:
        raise NationalIdError("national_id_checksum")

    day, month = numbers[0] * 10 + numbers[1], numbers[2] * 10 + numbers[3]
    synthetic = month > _SYNTHETIC_MONTH_OFFSET
    if synthetic:
        month -= _SYNTHETIC_MONTH_OFFSET
    is_d_number = day > _D_NUMBER_DAY_OFFSET
    is_h_number = month > _H_NUMBER_MONTH_OFFSET
    if is_d_number and is_h_number:
        raise NationalIdError("national_id_date")
    kind: NationalIdKind = "ordinary"
    if is_d_number:
        day -= _D_NUMBER_DAY_OFFSET
        kind = "d_number"
    elif is_h_number:
        month -= _H_NUMBER_MONTH_OFFSET
        kind = "h_number"

    individual = numbers[6] * 100 + numbers[7] * 10 + numbers[8]
    year = _birth_year(numbers[4] * 10 + numbers[5], individual) if first_check_remainder == 0 else None
    # Under the old rules the century is known, so the date is checked with its year (29 February of 1900 is
    # refused); under the 2032 rules day and month must be a date of some year.
    try:
        birth_date = date(year or _ANY_LEAP_YEAR, month, day)
    except ValueError:
        # "from None": the original error names the impossible day or month, i.e. digits of the number.
        raise NationalIdError("national_id_date") from None
    if year is None:
        return None, None, kind, synthetic
    gender: Gender = "male" if numbers[8] % 2 else "female"
    return birth_date, gender, kind, synthetic


def _birth_year(two_digit_year: int, individual: int) -> int | None:
    """The four-digit birth year per Skatteetaten's individual-number ranges, or None if no range matches."""
    if individual <= 499:
        return 1900 + two_digit_year
    if individual <= 749 and two_digit_year >= 54:
        return 1800 + two_digit_year
    if individual >= 500 and two_digit_year <= 39:
        return 2000 + two_digit_year
    if individual >= 900 and two_digit_year >= 40:
        return 1900 + two_digit_year
    return None


def _weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    return sum(weight * int(digit) for weight, digit in zip(weights, digits, strict=True))


def _check_digit(weighted_sum: int) -> int | None:
    """The mod-11 check digit completing ``weighted_sum``, or None when it would be 10.

    11 minus a remainder of 0 is 11, written as 0; 10 cannot be written as one digit, so numbers whose
    check digit would be 10 are never issued and are invalid.
    """
    check = -weighted_sum % 11
    return None if check == 10 else check


@cache
def _individual_numbers(year: int, gender: Gender | None) -> tuple[int, ...]:
    """Individual numbers that encode ``year`` (and ``gender``), derived from the parser's own century rule."""
    parity = {None: None, "female": 0, "male": 1}[gender]
    return tuple(
        individual
        for individual in range(1000)
        if _birth_year(year % 100, individual) == year and parity in (None, individual % 2)
    )


# Weighted-sum contributions of every individual number, so that generating a million numbers costs a table
# lookup and a few additions each instead of two full weighted sums.
_INDIVIDUAL_PARTS: tuple[_DigitsWithSums, ...] = tuple(
    (text, _weighted_sum(text, _WEIGHTS_K1[6:9]), _weighted_sum(text, _WEIGHTS_K2[6:9]))
    for text in (f"{individual:03d}" for individual in range(1000))
)


def _synthetic_date_prefix(birth_date: date) -> _DigitsWithSums:
    """The first six digits of a synthetic number born on ``birth_date``, with their check-digit sums."""
    text = f"{birth_date.day:02d}{birth_date.month + _SYNTHETIC_MONTH_OFFSET:02d}{birth_date.year % 100:02d}"
    return text, _weighted_sum(text, _WEIGHTS_K1[:6]), _weighted_sum(text, _WEIGHTS_K2[:6])


def _synthetic_digits(prefix: _DigitsWithSums, individual: int) -> str | None:
    prefix_text, prefix_k1_sum, prefix_k2_sum = prefix
    suffix, suffix_k1_sum, suffix_k2_sum = _INDIVIDUAL_PARTS[individual]
    k1 = _check_digit(prefix_k1_sum + suffix_k1_sum)
    if k1 is None:
        return None
    # The second check digit also covers the first, with the last weight of its series.
    k2 = _check_digit(prefix_k2_sum + suffix_k2_sum + _WEIGHTS_K2[9] * k1)
    if k2 is None:
        return None
    return f"{prefix_text}{suffix}{k1}{k2}"
