"""A person's age in whole years: one rule for the libraries' age limits and the registry's age claims."""

from __future__ import annotations

from datetime import date


def age_on(birth_date: date, today: date) -> int:
    """Whole years completed on ``today`` (a birthday on 29 February counts from 1 March in other years)."""
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)
