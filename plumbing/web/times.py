"""Dates and times as the people reading a page expect them, for every site of both services.

The database hands out UTC; a patron or administrator reads local time (the service's time zone setting,
Europe/Oslo by default), Norwegian pages write dates day first with dots (``24.12.2026``), English pages
the unambiguous ISO order.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

from plumbing.web.language import Language

__all__ = ["DEFAULT_TIME_ZONE", "DEFAULT_ZONE", "TimeZoneName", "format_date", "format_datetime", "time_zone"]

DEFAULT_TIME_ZONE = "Europe/Oslo"
_DATE_FORMATS: dict[Language, str] = {"nb": "%d.%m.%Y", "en": "%Y-%m-%d"}


def time_zone(name: str) -> ZoneInfo:
    """The zone a setting names; an unknown name is refused at start-up rather than shown as UTC later."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


DEFAULT_ZONE = time_zone(DEFAULT_TIME_ZONE)


def _known_zone(name: str) -> str:
    time_zone(name)
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]
"""A setting naming an IANA time zone (``Europe/Oslo``), checked when the settings are read."""


def format_date(value: date | None, language: Language) -> str:
    return "" if value is None else value.strftime(_DATE_FORMATS[language])


def format_datetime(value: datetime | None, language: Language, zone: tzinfo) -> str:
    """In ``zone``, to the minute: the database hands out UTC, people think in local time."""
    return "" if value is None else value.astimezone(zone).strftime(_DATE_FORMATS[language] + " %H:%M")
