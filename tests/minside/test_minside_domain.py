"""What Min side reads and does, below HTTP: the overview, the node's insight, own-only changes, texts, keys."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path
from typing import get_args

import pytest

from local_library.circulation.fees import FeeKind, FeeStatus
from local_library.circulation.lending import renew
from local_library.circulation.models import ReservationStatus
from local_library.circulation.reservations import cancel_reservation
from local_library.clock import FixedClock
from local_library.minside import pages, service
from local_library.minside.texts import TEXTS
from local_library.minside.views import LOGIN_REFUSALS, RENEWAL_REFUSALS
from local_library.notices.models import NoticeKind
from local_library.page_context import format_money
from local_library.patrons.models import BlockReason, PatronKind
from local_library.patrons.queries import retire_card
from local_library.policy import Channel, LibraryPolicy
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from plumbing.keys.layout import KeyLayout
from plumbing.web.sessions import load_or_create_session_key
from registry_contract.pins import PinHasher
from tests.library.conftest import OSLO
from tests.minside.conftest import stock_shelf


async def test_the_overview_shows_open_loans_reservations_and_unpaid_fees(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    shelf = await stock_shelf(conn, asker_policy, clock, hasher)
    overview = await service.overview(conn, shelf.patron.patron_id)

    due = {loan.title: loan.due_on - clock.today() for loan in overview.loans}
    assert due == {"Kon-Tiki": timedelta(7), "Sult": timedelta(28)}  # Asker: film 7 days, books 28
    by_title = {reservation.title: reservation for reservation in overview.reservations}
    ready = by_title["Pelle og Proffen"]
    assert ready.status == "ready"
    assert ready.reference_number
    assert ready.pickup_deadline == clock.today() + timedelta(5)  # Asker: "Hentefrist er 5 dager"
    assert by_title["Markens grøde"].status == "waiting"
    assert overview.open_fees_total_ore == 4000


async def test_the_node_insight_holds_history_notices_and_nothing_of_other_patrons(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    shelf = await stock_shelf(conn, asker_policy, clock, hasher)
    await cancel_reservation(conn, asker_policy, clock, shelf.waiting.reservation_id, patron_id=shelf.patron.patron_id)
    data = await service.stored_data(conn, shelf.patron.patron_id)

    assert data.patron.name == "Kari Minside"
    assert {loan.title for loan in data.loans} == {"Sult", "Kon-Tiki", "Victoria"}
    assert [loan.returned_on for loan in data.loans if loan.title == "Victoria"] == [clock.today()]
    assert {r.status for r in data.reservations} == {"ready", "cancelled"}
    assert {notice["kind"] for notice in data.notices} == {"receipt", "pickup"}
    assert [fee.fee_id for fee in data.fees] == [shelf.fee.fee_id]
    assert {loan.patron_id for loan in data.loans} == {shelf.patron.patron_id}


async def test_a_patron_can_renew_and_cancel_only_their_own(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    shelf = await stock_shelf(conn, asker_policy, clock, hasher)
    with pytest.raises(DomainError) as refused:
        await renew(conn, asker_policy, clock, shelf.book_loan.loan_id, patron_id=shelf.other.patron_id)
    assert refused.value.code == "loan_not_found"
    with pytest.raises(DomainError) as refused:
        await cancel_reservation(conn, asker_policy, clock, shelf.ready.reservation_id, patron_id=shelf.other.patron_id)
    assert refused.value.code == "reservation_not_found"
    assert await service.own_reservation(conn, shelf.other.patron_id, shelf.ready.reservation_id) is None
    assert await service.own_reservation(conn, shelf.patron.patron_id, 10**17) is None

    with pytest.raises(DomainError) as refused:
        await renew(conn, asker_policy, clock, shelf.film_loan.loan_id, patron_id=shelf.patron.patron_id)
    assert refused.value.code in RENEWAL_REFUSALS


def test_every_text_exists_in_both_languages_and_every_refusal_has_words() -> None:
    assert all(set(words) == {"nb", "en"} and all(words.values()) for words in TEXTS.values())
    assert {key for key, _ in LOGIN_REFUSALS.values()} <= TEXTS.keys()
    assert TEXTS.keys() >= RENEWAL_REFUSALS
    assert (format_money(45000, "nb"), format_money(4005, "en")) == ("kr 450,00", "NOK 40.05")


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("reservation_", get_args(ReservationStatus)),
        ("fee_", get_args(FeeKind)),
        ("", get_args(FeeStatus)),
        ("notice_", get_args(NoticeKind)),
        ("kind_", get_args(PatronKind)),
        ("channel_", get_args(Channel)),
        ("blocked_", get_args(BlockReason)),
    ],
)
def test_every_stored_value_has_words(prefix: str, values: tuple[str, ...]) -> None:
    """A status or kind added to the domain without words here would break the pages, so it breaks this first."""
    assert {prefix + value for value in values} <= TEXTS.keys()


async def test_both_pages_render_in_both_languages_with_everything_escaped(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    shelf = await stock_shelf(conn, asker_policy, clock, hasher)
    await conn.execute("UPDATE items SET title = '<b>Sult</b>' WHERE barcode = $1", shelf.book_loan.barcode)
    overview = await service.overview(conn, shelf.patron.patron_id)
    stored = await service.stored_data(conn, shelf.patron.patron_id)
    for language in ("nb", "en"):
        ctx = pages.PageContext(language=language, policy=asker_policy, csrf="t", zone=OSLO, here="/minside/me")
        for page in (
            pages.overview_page(ctx, overview, clock.today()),
            pages.my_data_page(ctx, stored, registry_insight_url="https://registry.example/"),
        ):
            assert f'<html lang="{language}">' in page
            assert "<b>Sult</b>" not in page
            assert "&lt;b&gt;Sult&lt;/b&gt;" in page


def test_each_site_has_a_session_key_file_of_its_own(tmp_path: Path) -> None:
    """Not derived from the PIN pepper or the credential key: a file used for sessions and nothing else."""
    minside = KeyLayout(tmp_path).library_minside_session_key("asker")
    assert minside.name == "minside-session.key"
    assert minside != KeyLayout(tmp_path).library_pin_pepper("asker")
    assert minside != KeyLayout(tmp_path).library_minside_session_key("sandnes")
    insight = KeyLayout(tmp_path).insight_session_key
    assert insight not in {KeyLayout(tmp_path).data_key("credential"), minside}
    first = load_or_create_session_key(minside)
    assert len(first) == 32
    assert load_or_create_session_key(minside) == first  # made once, read ever after
    assert stat.S_IMODE(minside.stat().st_mode) == 0o600


async def test_my_data_says_why_each_earlier_card_was_retired(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    """An upgraded card is not "reported lost": each retired number keeps its reason on Min side."""
    shelf = await stock_shelf(conn, asker_policy, clock, hasher)
    await retire_card(conn, shelf.patron.patron_id, "L00000901", clock.now(), "lost")
    await retire_card(conn, shelf.patron.patron_id, "L00000902", clock.now(), "upgraded")
    stored = await service.stored_data(conn, shelf.patron.patron_id)
    ctx = pages.PageContext(language="nb", policy=asker_policy, csrf="t", zone=OSLO, here="/minside/me")
    page = pages.my_data_page(ctx, stored, registry_insight_url="https://registry.example/")
    assert "L00000901: meldt tapt og erstattet (03.03.2025 10:00)" in page
    assert "L00000902: oppgradert til nasjonalt lånekort (03.03.2025 10:00)" in page


async def test_dates_inside_notices_are_written_the_norwegian_way(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    shelf = await stock_shelf(conn, asker_policy, clock, hasher)
    stored = await service.stored_data(conn, shelf.patron.patron_id)
    ctx = pages.PageContext(language="nb", policy=asker_policy, csrf="t", zone=OSLO, here="/minside/my-data")
    page = pages.my_data_page(ctx, stored, registry_insight_url="https://registry.example/")
    assert "Leveres innen: 31.03.2025" in page.split("Varsler vi har sendt")[-1]
    assert "2025-03-31" not in page
