"""The one PIN lockout policy (registry_contract.lockout): properties of the pure decision function."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from registry_contract.lockout import (
    LIBRARY_DOOR,
    ONLINE_DOOR,
    LockoutPolicy,
    VerdictKind,
    decide,
    policy_for,
    refusal,
)

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
failures = st.integers(min_value=0, max_value=10_000)
seconds = st.integers(min_value=0, max_value=10 * 365 * 24 * 3600)
policies = st.sampled_from([LIBRARY_DOOR, ONLINE_DOOR])


@given(policies, st.integers(min_value=0, max_value=2), seconds)
def test_the_first_attempts_are_free(policy: LockoutPolicy, failed: int, since: int) -> None:
    assert decide(policy, failed, START, START + dt.timedelta(seconds=since)).kind is VerdictKind.ALLOWED


@given(st.integers(min_value=10, max_value=10_000), seconds)
def test_at_a_library_ten_failures_lock_for_good_whatever_the_time(failed: int, later: int) -> None:
    verdict = decide(LIBRARY_DOOR, failed, START, START + dt.timedelta(seconds=later))
    assert verdict.kind is VerdictKind.LOCKED
    error = refusal(verdict)
    assert error is not None
    assert (error.code, error.retry_after_seconds) == ("pin_locked", None)


@given(failures)
def test_online_failures_never_lock_for_good_and_a_day_always_suffices(failed: int) -> None:
    """The property that stops a stranger on the internet from locking every card in the country."""
    assert decide(ONLINE_DOOR, failed, START, START).kind is not VerdictKind.LOCKED
    assert decide(ONLINE_DOOR, failed, START, START + dt.timedelta(days=1)).kind is VerdictKind.ALLOWED


@given(policies, failures, seconds)
def test_a_wait_is_exactly_what_remains_of_the_delay_rounded_up(policy: LockoutPolicy, failed: int, since: int) -> None:
    verdict = decide(policy, failed, START, START + dt.timedelta(seconds=since))
    delay = policy.delay_after(failed)
    if verdict.kind is VerdictKind.WAIT:
        assert delay is not None
        assert verdict.retry_after_seconds == int(delay.total_seconds()) - since
        error = refusal(verdict)
        assert error is not None
        assert error.code == "pin_attempts_throttled"
        assert error.retry_after_seconds == error.extra["retry_after_seconds"] == verdict.retry_after_seconds
    elif verdict.kind is VerdictKind.ALLOWED:
        assert delay is None or since >= delay.total_seconds()
        assert refusal(verdict) is None


@given(policies, failures, seconds, seconds)
def test_waiting_longer_never_makes_it_worse(policy: LockoutPolicy, failed: int, first: int, extra: int) -> None:
    rank = {VerdictKind.ALLOWED: 0, VerdictKind.WAIT: 1, VerdictKind.LOCKED: 2}
    earlier = decide(policy, failed, START, START + dt.timedelta(seconds=first))
    later = decide(policy, failed, START, START + dt.timedelta(seconds=first + extra))
    assert rank[later.kind] <= rank[earlier.kind]


@given(policies, failures)
def test_more_failures_never_shorten_the_delay(policy: LockoutPolicy, failed: int) -> None:
    fewer, more = policy.delay_after(failed), policy.delay_after(failed + 1)
    assert fewer is None or (more is not None and more >= fewer)
    assert more is None or more <= policy.longest_delay


@given(policies, st.integers(min_value=3, max_value=9), st.integers(min_value=1, max_value=3600))
def test_a_clock_turned_back_does_not_shorten_a_delay(policy: LockoutPolicy, failed: int, back: int) -> None:
    verdict = decide(policy, failed, START, START - dt.timedelta(seconds=back))
    delay = policy.delay_after(failed)
    assert delay is not None
    assert (verdict.kind, verdict.retry_after_seconds) == (VerdictKind.WAIT, int(delay.total_seconds()))


def test_the_schedule_and_the_doors() -> None:
    waits = [LIBRARY_DOOR.delay_after(failed) for failed in range(1, 10)]
    assert [None if wait is None else int(wait.total_seconds()) for wait in waits] == [
        None, None, 30, 60, 120, 240, 480, 960, 1920,
    ]  # fmt: skip
    assert policy_for("online") is ONLINE_DOOR
    assert policy_for("library") is LIBRARY_DOOR
    # Over a year a guesser online gets fewer than 400 tries on one card once the delay is at its cap.
    assert ONLINE_DOOR.longest_delay == dt.timedelta(days=1)
