"""The insight page as a Norwegian patron reads it: local time, Norwegian dates, every "why" and "who" in the
page's language, libraries by name, and a deletion request that is confirmed first and then shown as pending."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from registry.audit.log import AuditEntry
from registry.insight import pages
from registry.insight.service import InsightData, PendingRequest
from registry_contract.models import PatronRecord, PostalAddress

OSLO = ZoneInfo("Europe/Oslo")
# 23:30 UTC on 30 November is already 1 December in Oslo (UTC+1 in winter).
LATE_EVENING_UTC = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
NAMES = {("asker", "nb"): "Askerbibliotekene", ("asker", "en"): "Asker Libraries"}


def _entry(sequence: int, actor: str, library_id: str | None, operation: str, purpose: str) -> AuditEntry:
    return AuditEntry(sequence, LATE_EVENING_UTC, actor, library_id, operation, purpose, uuid.uuid4())


def _data(*, pending: bool) -> InsightData:
    record = PatronRecord(
        patron_id=uuid.uuid4(), card_number="1000000018", birth_date=dt.date(1984, 3, 7), gender="female",
        name="Ingrid Innsyn", addresses=[PostalAddress(lines=["Kirkeveien 3"], postal_code="1384", city="Asker")],
        phone_numbers=[], email=None, preferred_contact="letter", home_library="asker", libraries=["asker"],
        pin_set=True, version=1,
    )  # fmt: skip
    accesses = [
        _entry(1, "library:asker", "asker", "read", "change feed"),
        _entry(2, "library:asker", "asker", "report_lost_card", "lost card"),
        _entry(3, "patron", None, "insight_view", "the patron's right of access"),
        _entry(4, "admin:kari", None, "show_erasure_request", "erasure request review"),
        _entry(5, "library:asker", "asker", "link", "link (proof: card_and_pin)"),
    ]
    requests = [PendingRequest(uuid.uuid4(), "deletion", LATE_EVENING_UTC)] if pending else []
    return InsightData(
        record=record, national_id_shown="*******1234", accesses=accesses, pending_requests=requests, services=[]
    )


def _page(language: str, *, pending: bool = False) -> str:
    return pages.insight_page(
        language, _data(pending=pending), "token", controller="Nasjonalbiblioteket", zone=OSLO,  # type: ignore[arg-type]
        library_names=lambda library, lang: NAMES.get((library, lang), library),
    )  # fmt: skip


def test_times_are_local_with_norwegian_dates_on_the_norwegian_page() -> None:
    norwegian = _page("nb")
    assert "01.12.2026 00:30" in norwegian
    assert "07.03.1984" in norwegian
    assert "2026-11-30" not in norwegian
    assert "2026-12-01 00:30" in _page("en")


def test_every_why_and_who_is_in_the_pages_language() -> None:
    norwegian = _page("nb")
    for english in ("change feed", "lost card", "right of access", "erasure request review", "card_and_pin"):
        assert english not in norwegian
    for words in ("endringsvarsel", "tapt kort", "innsynsrett", "registerets administrator", "Askerbibliotekene"):
        assert words in norwegian
    assert "Asker Libraries" in _page("en")


def test_the_deletion_button_asks_for_confirmation_and_gives_way_to_the_pending_request() -> None:
    before = _page("nb")
    assert 'action="/me/deletion-request"' in before
    assert 'name="confirmed"' not in before  # the first press only opens the confirmation
    after = _page("nb", pending=True)
    assert 'action="/me/deletion-request"' not in after
    assert "Sletting \N{EN DASH} venter på behandling (innlevert 01.12.2026)" in after


def test_the_confirmation_says_what_will_happen() -> None:
    page = pages.deletion_confirmation_page("nb", "token", controller="Nasjonalbiblioteket")
    assert "registerets administrator" in page
    assert "Lån og gebyrer" in page
    assert 'name="confirmed" value="yes"' in page
    assert 'href="/me?lang=nb"' in page  # cancel: back, nothing filed
