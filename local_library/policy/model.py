"""A library's lending policy: the model of its TOML file, the cross-field checks, and the loaders.

Each library writes its own lending rules (loan periods, renewals, reminders, claims, card rules) in a
TOML file that staff can read and review. The node loads it once at start-up: any problem stops the start
with a ``PolicyError`` that names the file and lists every problem with its field path, one per line, so a
typo is fixed in one round instead of one error at a time.

Money is whole øre (100 øre = 1 krone) so sums of fees never round. Optional values are expressed by
leaving the key out (TOML has no null); limits that may be absent are written ``"unlimited"``.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import ErrorDetails

from plumbing.errors import DomainError, ErrorKind
from registry_contract.field_types import ContactMethod

__all__ = [
    "WEEKDAYS",
    "Audience",
    "CardRules",
    "Channel",
    "ClaimBasis",
    "ClaimRules",
    "LibraryPolicy",
    "LocalizedText",
    "MaterialType",
    "OpeningPeriod",
    "PolicyError",
    "PreDueNotice",
    "ReminderStep",
    "Reminders",
    "RenewalRules",
    "ReplacementPrice",
    "Reservations",
    "ScheduleException",
    "UnknownMaterialError",
    "UnstaffedHours",
    "builtin_policy_ids",
    "load_builtin_policy",
    "load_policy",
    "minutes_of",
]

Channel = ContactMethod
"""How a patron is contacted; the same three choices as the registry's preferred contact method."""

Audience = Literal["adult", "child"]
"""Who an item is catalogued for; replacement prices may differ (Asker: adult book 450, child book 350)."""

ClaimBasis = Literal["replacement_price", "purchase_price"]
"""What a claim for an unreturned item charges: the library's fixed price table, or the item's own price."""

_IDENTIFIER = r"^[a-z][a-z0-9_]*$"
_LIBRARY_ID_RE = re.compile(_IDENTIFIER)
_UNLIMITED = "unlimited"

Identifier = Annotated[str, StringConstraints(pattern=_IDENTIFIER, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


# Strict: a quoted "28" or a bool in the file is a typo, not something to coerce silently.
StrictBool = Annotated[bool, Field(strict=True)]
Ore = Annotated[int, Field(strict=True, ge=0, le=10_000_000)]  # 100 000 kr: catches a misplaced zero or two
Days = Annotated[int, Field(strict=True, ge=1, le=365)]
Age = Annotated[int, Field(strict=True, ge=0, le=18)]  # no card rule applies beyond the age of majority


def _parse_limit(value: object) -> int | None:
    if value == _UNLIMITED:
        return None
    # bool is an int in Python; `max_renewals = true` is a typo, not 1.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'must be a whole number of at least 1 or "{_UNLIMITED}"')
    return value


Limit = Annotated[
    int | None,
    PlainValidator(_parse_limit),
    PlainSerializer(lambda value: _UNLIMITED if value is None else value),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"const": _UNLIMITED}]}),
]
"""A count that may be unlimited: ``None`` in Python, ``"unlimited"`` in the file."""


class UnknownMaterialError(DomainError):
    """A material type the library's policy does not define (a catalogue or request out of step with it)."""

    def __init__(self, library_id: str, material: str) -> None:
        super().__init__(
            ErrorKind.INVALID,
            "unknown_material",
            f"library {library_id!r} has no material type {material!r}",
            extra={"material": material},
        )
        self.material = material


class PolicyError(Exception):
    """A policy file that cannot be used; the message names the file and every problem, one per line."""

    def __init__(self, source: str, problems: list[str]) -> None:
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"invalid lending policy {source}:\n{lines}")
        self.source = source
        self.problems = tuple(problems)


class _Frozen(BaseModel):
    # A policy is read once and shared by every request: nothing may change it, and an unknown key is
    # almost always a misspelt known one, so it is refused rather than ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Frozen):
    nb: Text
    en: Text


class MaterialType(_Frozen):
    """One kind of item the library lends and how it is lent."""

    name: LocalizedText
    loan_days: Days
    reservable: StrictBool
    renewable: StrictBool


class RenewalRules(_Frozen):
    max_renewals: Limit
    # Two distinct situations: a waiting list on the title (Asker: "hvis det ikke er venteliste") and this
    # very item being held for a reservation (Sandnes: "hvis materialet ikke er reservert").
    refuse_when_someone_waiting: StrictBool
    refuse_when_item_reserved: StrictBool


class ReminderStep(_Frozen):
    days_after_due: Days
    fee_ore: Ore


class Reminders(_Frozen):
    channels: tuple[Channel, ...] = Field(min_length=1)
    steps: tuple[ReminderStep, ...] = Field(min_length=1, max_length=10)
    block_card_after_reminder: int | None = Field(default=None, strict=True, ge=1)
    """The card is blocked for further loans once this many reminders have gone out (Sandnes: 3)."""

    @property
    def count(self) -> int:
        return len(self.steps)


class ReplacementPrice(_Frozen):
    material: Identifier
    audience: Audience | None = None
    """Left out: the price applies to every audience of the material."""
    price_ore: Ore


class ClaimRules(_Frozen):
    after_reminders: int = Field(strict=True, ge=1)
    basis: ClaimBasis
    add_accrued_fees: StrictBool
    refund_if_found: StrictBool
    replacement_prices: tuple[ReplacementPrice, ...] = ()


class Reservations(_Frozen):
    pickup_deadline_days: int = Field(strict=True, ge=1, le=60)
    pickup_notice_channels: tuple[Channel, ...] = Field(min_length=1)
    pickup_reference_number: StrictBool


class PreDueNotice(_Frozen):
    days_before: int = Field(strict=True, ge=1, le=30)
    channels: tuple[Channel, ...] = Field(min_length=1)
    opt_in: StrictBool
    """True when the patron must ask for the notice (Asker: "Be om det ...")."""


class CardRules(_Frozen):
    eligibility: LocalizedText
    requires_address_in_norway: StrictBool
    card_fee_ore: Ore
    replacement_card_fee_ore: Ore
    """Charged when the patron has had a card here before (Sandnes: 40 kr)."""
    guardian_signature_under: Age
    id_required_from: Age
    guardian_liable_under: Age


class DeskRules(_Frozen):
    """How the desk lends (``[desk]`` in the file; left out, these defaults apply)."""

    pin_required: StrictBool = False
    """Every patron gives their PIN to borrow at the desk, as at the kiosk (Asker: "Alle lånere blir avkrevd
    pin-kode ved lån")."""
    offline_national_lending_minutes: int = Field(default=15, strict=True, ge=0, le=1440)
    """A national card is checked with the registry at each desk loan, so a card reported lost at another
    library stops working here at once. While the registry cannot be reached, the desk still lends on a
    national card only if this node followed the registry's change feed within this many minutes (0: never):
    the window in which a card lost elsewhere still works here is bounded by it."""


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PeriodKind = Literal["staffed", "unstaffed"]
"""Time outside every listed period is closed: no entry at all."""
DoorBlock = Literal["reminders", "staff"]
"""A patron's block reasons (``local_library.patrons.models.BlockReason``) a door may refuse on."""
ClockTime = Annotated[str, StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
"""``HH:MM`` in the library's time zone; ``24:00`` is the end of the day."""


def minutes_of(clock_time: str) -> int:
    """Minutes since midnight of an ``HH:MM`` policy time (``24:00`` is 1440)."""
    hours, minutes = clock_time.split(":")
    return int(hours) * 60 + int(minutes)


class OpeningPeriod(_Frozen):
    start: ClockTime
    end: ClockTime
    kind: PeriodKind


class ScheduleException(_Frozen):
    """A date with its own periods (a public holiday: none, so closed all day)."""

    date: date
    periods: tuple[OpeningPeriod, ...] = ()


class UnstaffedHours(_Frozen):
    """Unstaffed opening hours (meråpent): who may let themselves in with card and PIN, and when."""

    offered: StrictBool
    minimum_age: Literal[15, 16, 18] = 18
    agreement_required: StrictBool = True
    refuse_blocks: tuple[DoorBlock, ...] = ("reminders", "staff")
    entry_log_days: int = Field(default=30, strict=True, ge=1, le=365)
    week: Mapping[Weekday, tuple[OpeningPeriod, ...]] = Field(default_factory=dict)
    exceptions: tuple[ScheduleException, ...] = ()


class _PolicyConflictError(ValueError):
    """Cross-field problems, each already prefixed with its field path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class LibraryPolicy(_Frozen):
    """Everything a library node needs to decide loans, renewals, reminders, claims and card sign-ups."""

    library_id: Identifier
    name: LocalizedText
    loan_limit: Limit
    cards: CardRules
    materials: Mapping[Identifier, MaterialType] = Field(min_length=1)
    renewals: RenewalRules
    reminders: Reminders
    claims: ClaimRules
    reservations: Reservations
    pre_due_notice: PreDueNotice | None = None
    desk: DeskRules = DeskRules()
    unstaffed: UnstaffedHours = UnstaffedHours(offered=False)
    """Left out: the library has no unstaffed hours."""

    def material(self, material: str) -> MaterialType:
        try:
            return self.materials[material]
        except KeyError:
            raise UnknownMaterialError(self.library_id, material) from None

    @model_validator(mode="after")
    def _consistent(self) -> LibraryPolicy:
        # All conflicts at once, each with its own path, so one edit round fixes the file.
        problems = list(self._conflicts())
        if problems:
            raise _PolicyConflictError(problems)
        return self

    def _conflicts(self) -> Iterator[str]:
        reminders, claims, cards = self.reminders, self.claims, self.cards

        for index in range(1, reminders.count):
            earlier, later = reminders.steps[index - 1], reminders.steps[index]
            if later.days_after_due <= earlier.days_after_due:
                yield (
                    f"reminders.steps[{index}].days_after_due: {later.days_after_due} must be later than the "
                    f"previous reminder's {earlier.days_after_due}"
                )
        block = reminders.block_card_after_reminder
        if block is not None and block > reminders.count:
            yield (
                f"reminders.block_card_after_reminder: is {block}, but only {reminders.count} reminder "
                "step(s) are defined"
            )
        if claims.after_reminders > reminders.count:
            yield (
                f"claims.after_reminders: is {claims.after_reminders}, but only {reminders.count} reminder "
                "step(s) are defined"
            )

        known = ", ".join(sorted(self.materials))
        for index, entry in enumerate(claims.replacement_prices):
            if entry.material not in self.materials:
                yield (
                    f"claims.replacement_prices[{index}].material: {entry.material!r} is not a material "
                    f"type of this library (known: {known})"
                )
        repeated = Counter((entry.material, entry.audience) for entry in claims.replacement_prices)
        for (material, audience), times in sorted(repeated.items(), key=str):
            if times > 1:
                yield (
                    f"claims.replacement_prices: {material!r} for audience {audience or 'any'!r} is "
                    f"priced {times} times"
                )
        if claims.basis == "replacement_price" and not claims.replacement_prices:
            yield 'claims.replacement_prices: basis is "replacement_price" but no prices are given'
        if claims.basis == "purchase_price" and claims.replacement_prices:
            # Unused prices would look authoritative to a reader of the file while never being charged.
            yield 'claims.replacement_prices: basis is "purchase_price", so these prices would never be used'

        yield from _schedule_conflicts(self.unstaffed)

        if cards.id_required_from > cards.guardian_signature_under:
            yield (
                f"cards.id_required_from: is {cards.id_required_from}, so a patron aged "
                f"{cards.guardian_signature_under} to {cards.id_required_from - 1} would sign up with neither "
                "a guardian's signature nor ID"
            )
        if cards.guardian_signature_under > cards.guardian_liable_under:
            yield (
                f"cards.guardian_liable_under: is {cards.guardian_liable_under}, below "
                f"guardian_signature_under ({cards.guardian_signature_under}); a guardian who must sign "
                "is liable for the loans"
            )


def _schedule_conflicts(unstaffed: UnstaffedHours) -> Iterator[str]:
    # Periods of one day must be in order and must not overlap, so every instant has exactly one kind.
    days: list[tuple[str, tuple[OpeningPeriod, ...]]] = [
        (f"unstaffed.week.{day}", periods) for day, periods in unstaffed.week.items()
    ]
    days += [(f"unstaffed.exceptions[{i}]", entry.periods) for i, entry in enumerate(unstaffed.exceptions)]
    for path, periods in days:
        previous_end = 0
        for index, period in enumerate(periods):
            start, end = minutes_of(period.start), minutes_of(period.end)
            if end <= start:
                yield f"{path}[{index}]: ends at {period.end}, not after its start {period.start}"
            if start < previous_end:
                yield f"{path}[{index}]: starts at {period.start}, before the previous period ends"
            previous_end = max(previous_end, end)
    seen = Counter(entry.date for entry in unstaffed.exceptions)
    for day, times in sorted(seen.items()):
        if times > 1:
            yield f"unstaffed.exceptions: {day.isoformat()} is listed {times} times"
    if unstaffed.offered and not any(
        period.kind == "unstaffed" for periods in unstaffed.week.values() for period in periods
    ):
        yield "unstaffed.week: unstaffed hours are offered, but no weekday has an unstaffed period"


def load_policy(path: Path) -> LibraryPolicy:
    """Read and validate one library's policy file; every problem is reported in one ``PolicyError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), [f"cannot be read: {exc}"]) from exc
    return _parse(text, str(path))


def builtin_policy_ids() -> list[str]:
    """The libraries whose policy ships with the package."""
    package = resources.files(__package__)
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in package.iterdir()
        if entry.is_file() and entry.name.endswith(".toml")
    )


def load_builtin_policy(library_id: str) -> LibraryPolicy:
    """Load a policy shipped with the package (``asker``, ``sandnes``, ``stavanger``)."""
    # The id becomes a file name: refuse anything that could walk out of the package.
    if not _LIBRARY_ID_RE.fullmatch(library_id) or library_id not in builtin_policy_ids():
        available = ", ".join(builtin_policy_ids())
        raise PolicyError(library_id, [f"no built-in policy for {library_id!r} (available: {available})"])
    resource = resources.files(__package__).joinpath(f"{library_id}.toml")
    policy = _parse(resource.read_text(encoding="utf-8"), str(resource))
    if policy.library_id != library_id:
        raise PolicyError(str(resource), [f"library_id: is {policy.library_id!r}, the file name says {library_id!r}"])
    return policy


def _parse(text: str, source: str) -> LibraryPolicy:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, [f"not valid TOML: {exc}"]) from exc
    try:
        return LibraryPolicy.model_validate(document)
    except ValidationError as exc:
        raise PolicyError(source, _describe(exc)) from exc


def _describe(exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for error in exc.errors(include_url=False):
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _PolicyConflictError):
            problems.extend(cause.problems)
        else:
            problems.append(f"{_field_path(error['loc']) or '(top level)'}: {_message(error, cause)}")
    return problems


def _message(error: ErrorDetails, cause: object) -> str:
    # Our own validators' ValueErrors read better without pydantic's "Value error, " prefix.
    if error["type"] == "value_error" and cause is not None:
        message = str(cause)
    elif error["type"] == "string_pattern_mismatch":
        message = "must be lower-case letters, digits and underscores, starting with a letter"
    else:
        message = error["msg"]
    if error["type"] in {"missing", "extra_forbidden"} or isinstance(error["input"], dict):
        return message
    shown = repr(error["input"])
    return f"{message} (got {shown if len(shown) <= 60 else shown[:57] + '...'})"


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            # pydantic's marker for a bad mapping key: the key itself is the preceding part.
            path += " (as a key)"
        else:
            path += f".{part}" if path else part
    return path
