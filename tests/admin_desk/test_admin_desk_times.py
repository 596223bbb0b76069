"""The administrators' desk writes times in the registry's time zone setting, dates as the page's language does."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from registry.admin_desk import pages
from registry.erasure.admin import ErasureRequest, RequestDetails, RequestSummary
from registry.settings import RegistrySettings

# 23:30 UTC on 30 November is 00:30 on 1 December in Oslo, and 18:30 on 30 November in New York.
FILED = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
REQUEST = ErasureRequest(
    request_id=uuid.uuid4(), patron_id=uuid.uuid4(), kind="deletion", filed_by_library="asker", filed_via="node_api",
    status="pending", filed_at=FILED, decided_at=None, decided_by=None, decision_note=None,
)  # fmt: skip


def _names(library: str, language: str) -> str:
    return {"nb": "Askerbibliotekene", "en": "Asker Libraries"}[language] if library == "asker" else library


def test_the_list_shows_the_filing_time_in_the_zone_of_the_setting() -> None:
    summaries = [RequestSummary(REQUEST, "1000000018")]
    now = FILED + dt.timedelta(days=2, hours=3)

    def listing(language: str, zone: str) -> str:
        return pages.requests_page(
            language, "kari", summaries, _names, now, showing_all=False, zone=ZoneInfo(zone),  # type: ignore[arg-type]
        )  # fmt: skip

    norwegian = listing("nb", "Europe/Oslo")
    assert "01.12.2026 00:30" in norwegian
    assert "1000000018" in norwegian
    assert "Askerbibliotekene" in norwegian
    assert "2 d" in norwegian  # how long it has waited
    assert "2026-12-01 00:30" in listing("en", "Europe/Oslo")
    assert "30.11.2026 18:30" in listing("nb", "America/New_York")


def test_one_request_shows_birth_date_and_times_the_norwegian_way() -> None:
    details = RequestDetails(REQUEST, "1000000018", ["asker"], name="Ingrid Innsyn", birth_date=dt.date(1984, 3, 7))
    page = pages.request_page(
        "nb", "kari", details, names=_names, csrf="token", now=FILED, zone=ZoneInfo("Europe/Oslo")
    )
    assert "07.03.1984" in page
    assert "01.12.2026 00:30" in page


def test_the_time_zone_is_a_setting_checked_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    assert RegistrySettings().timezone == "Europe/Oslo"
    monkeypatch.setenv("NATREG_REGISTRY_TIMEZONE", "Europe/Stockholm")
    assert RegistrySettings().timezone == "Europe/Stockholm"
    monkeypatch.setenv("NATREG_REGISTRY_TIMEZONE", "Europe/Atlantis")
    with pytest.raises(ValidationError, match="unknown time zone"):
        RegistrySettings()
