"""The schedule of unstaffed hours: Asker's periods, exceptions, time zones, and policy checks."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local_library.meraapent.schedule import period_at
from local_library.policy import LibraryPolicy, PolicyError, UnstaffedHours, load_builtin_policy
from local_library.policy.model import _parse

OSLO = ZoneInfo("Europe/Oslo")
ASKER = load_builtin_policy("asker")
# Hypothesis takes naive bounds and attaches the zone itself.
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime(2026, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
KINDS = ("staffed", "unstaffed")


def test_asker_offers_unstaffed_hours_and_sandnes_does_not() -> None:
    assert ASKER.unstaffed.offered
    assert ASKER.unstaffed.minimum_age in (15, 16, 18)
    assert not load_builtin_policy("sandnes").unstaffed.offered


def time_at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (time_at(2025, 3, 3, 6, 59), "closed"),  # Monday, before the door opens
        (time_at(2025, 3, 3, 7, 0), "unstaffed"),
        (time_at(2025, 3, 3, 9, 59), "unstaffed"),
        (time_at(2025, 3, 3, 10, 0), "staffed"),  # half-open: the end minute belongs to the next period
        (time_at(2025, 3, 3, 19, 0), "unstaffed"),
        (time_at(2025, 3, 3, 22, 0), "closed"),
        (time_at(2025, 3, 9, 12, 0), "unstaffed"),  # Sunday: unstaffed all day
        (time_at(2026, 12, 24, 12, 0), "closed"),  # Christmas Eve: an exception, closed
    ],
)
def test_asker_periods(local: datetime, expected: str) -> None:
    assert period_at(ASKER.unstaffed, local, OSLO) == expected


def test_the_wall_clock_of_the_library_decides_not_utc() -> None:
    # 06:30 UTC in March is 07:30 in Oslo: unstaffed, though 06:30 would be closed.
    assert period_at(ASKER.unstaffed, datetime(2025, 3, 3, 6, 30, tzinfo=UTC), OSLO) == "unstaffed"
    # In summer time 06:30 UTC is 08:30 in Oslo.
    assert period_at(ASKER.unstaffed, datetime(2025, 6, 30, 5, 30, tzinfo=UTC), OSLO) == "unstaffed"
    assert period_at(ASKER.unstaffed, datetime(2025, 6, 30, 4, 30, tzinfo=UTC), OSLO) == "closed"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        period_at(ASKER.unstaffed, time_at(2025, 3, 3, 8, 0).replace(tzinfo=None), OSLO)


def _clock_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minutes(clock_time: str) -> int:
    # Computed here independently of the policy module's own helper.
    return int(clock_time[:2]) * 60 + int(clock_time[3:])


@st.composite
def day_periods(draw: st.DrawFn) -> list[dict[str, str]]:
    cuts = sorted(draw(st.sets(st.integers(min_value=0, max_value=1440), max_size=8)))
    periods = []
    for start, end in itertools.pairwise(cuts):
        if draw(st.booleans()):
            periods.append({"start": _clock_time(start), "end": _clock_time(end), "kind": draw(st.sampled_from(KINDS))})
    return periods


@st.composite
def schedules(draw: st.DrawFn) -> UnstaffedHours:
    week = {day: draw(day_periods()) for day in ("monday", "wednesday", "saturday", "sunday")}
    exceptions = [{"date": date(2025, 3, 5), "periods": draw(day_periods())}] if draw(st.booleans()) else []
    return UnstaffedHours.model_validate({"offered": False, "week": week, "exceptions": exceptions})


@given(schedules(), INSTANTS)
def test_every_instant_is_in_exactly_one_period(hours: UnstaffedHours, moment: datetime) -> None:
    local = moment.astimezone(OSLO)
    exception = next((e for e in hours.exceptions if e.date == local.date()), None)
    weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[local.weekday()]
    periods = exception.periods if exception else hours.week.get(weekday, ())  # type: ignore[call-overload]
    minute = local.hour * 60 + local.minute
    containing = [
        p.kind
        for p in periods
        if int(p.start[:2]) * 60 + int(p.start[3:]) <= minute < int(p.end[:2]) * 60 + int(p.end[3:])
    ]
    assert len(containing) <= 1  # the policy check forbids overlaps
    assert period_at(hours, moment, OSLO) == (containing[0] if containing else "closed")


@given(schedules(), INSTANTS)
def test_a_period_holds_until_the_next_boundary(hours: UnstaffedHours, moment: datetime) -> None:
    # Moving within the same local minute never changes the answer.
    start = moment.replace(second=0, microsecond=0)
    assert period_at(hours, start, OSLO) == period_at(hours, start + timedelta(seconds=59), OSLO)


def _policy_with(unstaffed: str) -> LibraryPolicy:
    shipped = resources.files("local_library.policy").joinpath("sandnes.toml").read_text(encoding="utf-8")
    return _parse(shipped.split("[unstaffed]")[0] + unstaffed, "test.toml")


def test_overlapping_and_backwards_periods_are_refused_with_their_paths() -> None:
    with pytest.raises(PolicyError) as refused:
        _policy_with(
            """
[unstaffed]
offered = true
[unstaffed.week]
monday = [{ start = "07:00", end = "10:00", kind = "unstaffed" }, { start = "09:00", end = "12:00", kind = "staffed" }]
tuesday = [{ start = "12:00", end = "11:00", kind = "unstaffed" }]
"""
        )
    problems = "\n".join(refused.value.problems)
    assert "unstaffed.week.monday[1]: starts at 09:00, before the previous period ends" in problems
    assert "unstaffed.week.tuesday[0]: ends at 11:00, not after its start 12:00" in problems


def test_an_age_limit_other_than_15_16_or_18_is_refused() -> None:
    with pytest.raises(PolicyError, match="minimum_age"):
        _policy_with("\n[unstaffed]\noffered = false\nminimum_age = 13\n")


def test_offered_without_any_unstaffed_period_is_refused() -> None:
    with pytest.raises(PolicyError, match="no weekday has an unstaffed period"):
        _policy_with("\n[unstaffed]\noffered = true\n")
