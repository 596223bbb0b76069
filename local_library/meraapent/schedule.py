"""Which kind of period (staffed, unstaffed, closed) an instant falls in, by the library's weekly schedule.

Pure: the policy's periods, one instant and the library's time zone. A date listed among the exceptions uses
its own periods instead of its weekday's; time covered by no period is closed.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Literal

from local_library.policy.model import WEEKDAYS, UnstaffedHours, minutes_of

Period = Literal["staffed", "unstaffed", "closed"]


def period_at(hours: UnstaffedHours, moment: datetime, zone: tzinfo) -> Period:
    """The period ``moment`` (aware) falls in, read on the wall clock of the library's ``zone``."""
    if moment.tzinfo is None:
        raise ValueError("period_at needs an aware datetime")
    local = moment.astimezone(zone)
    exception = next((entry for entry in hours.exceptions if entry.date == local.date()), None)
    periods = exception.periods if exception is not None else hours.week.get(WEEKDAYS[local.weekday()], ())
    minute = local.hour * 60 + local.minute
    for period in periods:
        # Half-open [start, end): the minute a period ends belongs to the next one.
        if minutes_of(period.start) <= minute < minutes_of(period.end):
            return period.kind
    return "closed"
