"""Scanner-first circulation at the desk over real HTTPS, on Asker's rules (the PIN at every loan)."""

from __future__ import annotations

import re

import aiohttp

from local_library.patrons.queries import set_block
from tests.desk.conftest import DESK_PASSWORD, Staff, csrf_of, desk_log_in
from tests.library.conftest import GOOD_PIN, add_item
from tests.minside.conftest import Node, Shelf


async def scan(client: aiohttp.ClientSession, page: str, code: str, *, mode: str = "out", pin: str = "") -> str:
    """Scan ``code`` into the page's box (the patron shown, if any, travels with it as the page says)."""
    form = {"csrf": csrf_of(page), "lang": "nb", "mode": mode, "code": code, "pin": pin}
    for carried in ("patron", "warn"):
        value = re.search(rf'name="{carried}" value="([^"]+)"', page)
        if value:
            form[carried] = value.group(1)
    async with client.post("/staff/scan", data=form) as response:
        assert response.status == 200, await response.text()
        assert response.history
        assert response.history[0].status == 303
        return await response.text()


async def post_button(client: aiohttp.ClientSession, page: str, action: str, **extra: str) -> str:
    """Press the form button posting to ``action`` with its hidden fields."""
    form_html = re.search(rf'<form[^>]*action="{re.escape(action)}">(.*?)</form>', page, re.S)
    assert form_html is not None, action
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form_html.group(1)))
    async with client.post(action, data={**fields, **extra}) as response:
        assert response.status == 200
        return await response.text()


async def logged_in(client: aiohttp.ClientSession, staff: Staff) -> str:
    return await (await desk_log_in(client, staff.desk, DESK_PASSWORD)).text()


async def test_a_scanned_card_shows_the_patron_and_moves_the_focus_to_the_item_box(
    node: Node, staff: Staff, shelf: Shelf
) -> None:
    async with node.client() as client:
        start = await logged_in(client, staff)
        assert 'id="code" name="code" type="text" autofocus' in start
        assert "Skann lånekort eller strekkode" in start
        assert 'accesskey="u" aria-current="true"' in start  # check-out mode until switched
        page = await scan(client, start, shelf.card_number)
        assert "Låner: Kari Minside" in page
        for shown in ("Sult", "Kon-Tiki", "Pelle og Proffen", "Klar til henting", "kr 40,00", "Markens grøde"):
            assert shown in page
        assert "Skann strekkoden på materialet" in page
        assert 'id="code" name="code" type="text" autofocus' in page
        assert 'id="pin" name="pin"' in page  # Asker asks for the PIN at every loan
        assert "1 reservasjon(er) ligger klar til henting." in page
        assert f"patron={shelf.patron.patron_id}" in page  # the patron travels by id, the card number does not


async def test_lend_with_the_pin_return_and_renew_by_scanning(node: Node, staff: Staff, shelf: Shelf) -> None:
    async with node.pool.acquire() as conn:
        item = await add_item(conn, "book", title="Naiv. Super.")
    async with node.client() as client:
        page = await scan(client, await logged_in(client, staff), shelf.card_number)
        refused = await scan(client, page, item.barcode)
        assert "«Naiv. Super.»: biblioteket krever lånerens PIN-kode ved utlån." in refused
        wrong = await scan(client, page, item.barcode, pin="0000")
        assert "feil PIN-kode" in wrong
        lent = await scan(client, page, item.barcode, pin=GOOD_PIN)
        assert "Lånt ut: «Naiv. Super.», frist 31.03.2025." in lent
        again = await scan(client, lent, item.barcode, pin=GOOD_PIN)
        assert "«Naiv. Super.»: materialet er allerede utlånt." in again
        renewed = await post_button(client, lent, f"/staff/loans/{shelf.book_loan.loan_id}/renew")
        # Lent today: a renewal today would give the same due date, so it is refused and not counted.
        assert "Ikke gjort: en fornyelse i dag ville gitt samme frist." in renewed
        refused_renewal = await post_button(client, lent, f"/staff/loans/{shelf.film_loan.loan_id}/renew")
        assert "Ikke gjort: en annen låner har reservert det." in refused_renewal
        returned = await scan(client, renewed, shelf.film_loan.barcode, mode="in")
        assert "Levert inn: «Kon-Tiki». Legg den på hentehyllen" in returned
        assert 'accesskey="i" aria-current="true"' in returned  # the mode stays "return"
        assert "Kon-Tiki</th>" not in returned.split("Lån</caption>")[1].split("</table>")[0]


async def test_a_blocked_card_is_warned_about_and_refused(node: Node, staff: Staff, shelf: Shelf) -> None:
    async with node.pool.acquire() as conn:
        await set_block(conn, shelf.patron.patron_id, "reminders")
        item = await add_item(conn, "book", title="Doppler")
    async with node.client() as client:
        page = await scan(client, await logged_in(client, staff), shelf.card_number)
        assert "Kortet er sperret etter purringer." in page
        refused = await scan(client, page, item.barcode, pin=GOOD_PIN)
        assert "«Doppler»: kortet er sperret for utlån." in refused
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM loans WHERE item_id = $1", item.item_id) == 0


async def test_fees_are_settled_and_items_reserved_from_the_patron_panel(
    node: Node, staff: Staff, shelf: Shelf
) -> None:
    async with node.pool.acquire() as conn:
        item = await add_item(conn, "book", title="Det store spelet")
    async with node.client() as client:
        page = await scan(client, await logged_in(client, staff), shelf.card_number)
        paid = await post_button(client, page, f"/staff/fees/{shelf.fee.fee_id}/settle", status="paid")
        assert "Gebyret er registrert som betalt." in paid
        assert "Ingen gebyrer." in paid
        form = {"csrf": csrf_of(paid), "lang": "nb", "mode": "out", "patron": str(shelf.patron.patron_id)}
        async with client.post("/staff/reservations", data={**form, "barcode": item.barcode}) as reserved:
            assert "Reservert: «Det store spelet»." in await reserved.text()
        async with client.post("/staff/reservations", data={**form, "barcode": item.barcode}) as twice:
            assert "låneren har det allerede reservert" in await twice.text()
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM fees WHERE fee_id = $1", shelf.fee.fee_id) == "paid"


async def test_unknown_codes_and_items_before_a_card_are_explained(node: Node, staff: Staff, shelf: Shelf) -> None:
    async with node.client() as client:
        start = await logged_in(client, staff)
        assert "ingen materiale eller lånekort her har denne koden" in await scan(client, start, "NOPE-123")
        assert "ingen låner her har dette kortet" in await scan(client, start, "L99999999")
        assert "skann lånekortet først" in await scan(client, start, shelf.book_loan.barcode)
        returned = await scan(client, start, shelf.book_loan.barcode, mode="in")  # returning needs no card
        assert "Levert inn: «Sult»." in returned


async def test_a_scan_without_the_session_token_changes_nothing(node: Node, staff: Staff, shelf: Shelf) -> None:
    async with node.client() as client:
        await logged_in(client, staff)
        form = {"csrf": "forged", "lang": "nb", "mode": "in", "code": shelf.book_loan.barcode}
        async with client.post("/staff/scan", data=form) as response:
            assert response.status == 403
    async with node.pool.acquire() as conn:
        returned = await conn.fetchval("SELECT returned_on FROM loans WHERE loan_id = $1", shelf.book_loan.loan_id)
    assert returned is None


async def test_a_national_card_the_registry_cannot_confirm_is_warned_about_and_not_lent_on(
    node: Node, staff: Staff, shelf: Shelf
) -> None:
    """The node's registry is unreachable here and its feed was never followed: no offline allowance."""
    national_card = "0000010009"
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE patrons SET kind = 'national', registry_patron_id = gen_random_uuid(), card_number = $2"
            " WHERE patron_id = $1",
            shelf.other.patron_id,
            national_card,
        )
        item = await add_item(conn, "book", title="Fuglane")
    async with node.client() as client:
        page = await scan(client, await logged_in(client, staff), national_card)
        assert "Låner: Ola Annen" in page
        assert "Nasjonalt lånekort" in page
        assert "Det nasjonale registeret kan ikke bekrefte kortet akkurat nå." in page
        assert "ingen PIN-kode" not in page  # a national card's PIN is kept by the registry
        refused = await scan(client, page, item.barcode, pin=GOOD_PIN)
        assert "«Fuglane»: det nasjonale registeret kan ikke nås" in refused
        assert "Det nasjonale registeret kan ikke bekrefte kortet akkurat nå." in refused  # still shown
        other = await scan(client, refused, shelf.card_number)  # the next patron starts without it
        assert "Låner: Kari Minside" in other
        assert "kan ikke bekrefte kortet" not in other


async def test_a_crafted_link_cannot_make_the_page_say_anything(node: Node, staff: Staff, shelf: Shelf) -> None:
    async with node.client() as client:
        await logged_in(client, staff)
        crafted = f"/staff/?patron={shelf.patron.patron_id}&warn=<script>&refused=<b>x</b>&done=checked_out&loan=99"
        async with client.get(crafted) as response:
            page = await response.text()
        assert response.status == 200
        assert "<script>" not in page
        assert "<b>x</b>" not in page
        assert "Ikke gjort: det gikk ikke. Prøv igjen." in page  # an unknown refusal reads as a generic one
        assert "Det nasjonale registeret" not in page
