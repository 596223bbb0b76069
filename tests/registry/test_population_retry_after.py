"""How long the population register job waits when told to (``Retry-After``)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from registry.population.client import DEFAULT_RETRY_AFTER_SECONDS, MAX_RETRY_AFTER_SECONDS, retry_after_seconds

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def test_seconds_a_date_and_nonsense() -> None:
    assert retry_after_seconds("7", NOW) == 7
    assert retry_after_seconds("Mon, 30 Nov 2026 12:01:00 GMT", NOW) == 60
    assert retry_after_seconds("Mon, 30 Nov 2026 11:00:00 GMT", NOW) == 0  # a date passed: at once
    for unreadable in (None, "", "soon", "-5"):
        assert retry_after_seconds(unreadable, NOW) == DEFAULT_RETRY_AFTER_SECONDS


@given(st.integers(min_value=0, max_value=10**12))
def test_never_longer_than_the_cap(value: int) -> None:
    """A value meant as milliseconds (as Skatteetaten documents it) cannot stop the job for hours."""
    assert 0 <= retry_after_seconds(str(value), NOW) <= MAX_RETRY_AFTER_SECONDS
