"""The node's sense of time, injected so that circulation never reads the wall clock itself.

Domain code asks a ``Clock`` for today's date in the library's time zone; tests pass a ``FixedClock`` and
move it day by day, which is how a 21-day reminder schedule is tested in milliseconds.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def today(self) -> date: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock; 'today' is the library's local date, not UTC's (a loan due at midnight in Oslo)."""

    def __init__(self, timezone: str) -> None:
        self._zone = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(self._zone)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until told to move; for tests and for replaying a given day by hand."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._moment = moment

    def now(self) -> datetime:
        return self._moment

    def today(self) -> date:
        return self._moment.date()

    def advance(self, *, days: int = 0, seconds: float = 0) -> None:
        self._moment += timedelta(days=days, seconds=seconds)
