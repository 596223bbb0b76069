"""The claims a service gets: age flags on the Norwegian calendar (never the birth date), nothing unasked for."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from registry.oidc.claims import CLAIMS, DEFAULT_CLAIMS, claim_values
from registry_contract.models import PatronRecord


def _record(birth_date: dt.date, **fields: object) -> PatronRecord:
    values: dict[str, object] = {
        "patron_id": uuid.uuid4(), "card_number": "0000010009", "birth_date": birth_date, "gender": "female",
        "name": "Ingrid Innsyn", "addresses": [], "phone_numbers": [], "email": None, "preferred_contact": "letter",
        "home_library": "asker", "libraries": ["asker", "sandnes"], "pin_set": True, "version": 1,
    }  # fmt: skip
    return PatronRecord.model_construct(**(values | fields))


@pytest.mark.parametrize(
    ("now", "over_18"),
    [
        # 18 on 2026-03-15: at 23:30 UTC on the 14th it is already the 15th in Oslo.
        (dt.datetime(2026, 3, 14, 22, 30, tzinfo=dt.UTC), False),
        (dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC), True),
    ],
)
def test_age_flags_follow_the_oslo_calendar(now: dt.datetime, over_18: bool) -> None:
    values = claim_values(_record(dt.date(2008, 3, 15)), ["age_over_18", "age_over_16"], now)
    assert values == {"age_over_18": over_18, "age_over_16": True}


def test_by_default_a_service_learns_the_home_library_and_whether_the_patron_is_18() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    values = claim_values(_record(dt.date(1990, 1, 1)), DEFAULT_CLAIMS, now)
    assert values == {"home_library": "asker", "age_over_18": True}


def test_no_claim_gives_the_birth_date_gender_card_number_or_contact_details_but_e_mail_and_name() -> None:
    record = _record(dt.date(1990, 6, 1), email="ingrid@example.org")
    everything = claim_values(record, list(CLAIMS), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    shown = str(everything)
    for hidden in ("1990", "female", "0000010009", str(record.patron_id)):
        assert hidden not in shown
    # A claim without a value (no e-mail) is left out rather than sent empty.
    assert "email" not in claim_values(_record(dt.date(1990, 6, 1)), ["email"], dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
