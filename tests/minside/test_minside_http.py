"""Min side over real HTTPS: login refusals, sessions and their timeouts, CSRF, headers, and bad input."""

from __future__ import annotations

import re
from typing import get_args

import aiohttp
import pytest

from local_library.patrons.cards import change_pin
from registry_contract.refusals import RetiredCardReason
from tests.library.conftest import GOOD_PIN
from tests.minside.conftest import Node, Shelf

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


async def log_in(client: aiohttp.ClientSession, card_number: str, pin: str, lang: str = "nb") -> aiohttp.ClientResponse:
    async with client.get(f"/minside?lang={lang}") as start:
        token = csrf_of(await start.text())
    form = {"csrf": token, "lang": lang, "card_number": card_number, "pin": pin}
    response = await client.post("/minside/login", data=form)
    await response.read()
    return response


async def test_login_shows_the_overview_with_security_headers(node: Node, shelf: Shelf) -> None:
    async with node.client() as client:
        response = await log_in(client, shelf.card_number.lower(), GOOD_PIN)  # a small "l" works too
        assert response.status == 200
        assert response.url.path == "/minside/me"
        page = await response.text()
        assert '<html lang="nb">' in page
        assert "Innlogget som Kari Minside" in page
        assert "31.03.2025" in page  # the book: 28 days from 3 March under Asker's rules
        assert "10.03.2025" in page  # the film: 7 days
        assert "kr 40,00" in page
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        cookie = response.history[0].cookies["natreg_minside"]
        assert cookie["secure"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Strict"


@pytest.mark.parametrize(
    ("card", "pin", "status", "message"),
    [
        ("L00000001", "9071", 401, "Feil lånekortnummer eller PIN-kode."),
        ("L99999999", "9071", 401, "Feil lånekortnummer eller PIN-kode."),  # unknown card reads the same
        ("12345", "9071", 422, "Lånekortnummeret har 10 siffer"),
        # A malformed PIN is a wrong PIN here as at every door (and counts: test_a_malformed_pin_counts).
        ("L00000001", "12", 401, "Feil lånekortnummer eller PIN-kode."),
        ("", "", 422, "Fyll inn både lånekortnummer og PIN-kode."),
        ("0123456789", "9071", 503, "Nasjonale lånekort kan ikke sjekkes akkurat nå"),  # the registry is down
    ],
)
async def test_login_refusals_are_explained(
    node: Node, shelf: Shelf, card: str, pin: str, status: int, message: str
) -> None:
    async with node.client() as client:
        response = await log_in(client, card, pin)
        assert response.status == status
        assert message in await response.text()
        assert "natreg_minside" not in {cookie.key for cookie in client.cookie_jar}


async def test_a_card_locked_at_the_desk_is_locked_here_too_in_english_as_well(node: Node, shelf: Shelf) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE patrons SET failed_pin_attempts = 10 WHERE patron_id = $1", shelf.patron.patron_id)
    async with node.client() as client:
        response = await log_in(client, shelf.card_number, GOOD_PIN, lang="en")
        assert response.status == 423
        assert "The card is locked after too many wrong PINs. Ask at the desk for a new PIN." in await response.text()
        assert "Retry-After" not in response.headers


async def test_wrong_pins_here_throttle_with_retry_after_but_never_lock_the_card(node: Node, shelf: Shelf) -> None:
    """Min side is open to anyone: its failures delay further tries (saying for how long) but can never lock
    the card for good, and they do not count against the desk and kiosks."""
    async with node.client() as client:
        for _ in range(3):
            assert (await log_in(client, shelf.card_number, "9071")).status == 401
        throttled = await log_in(client, shelf.card_number, GOOD_PIN)
        assert throttled.status == 429
        assert throttled.headers["Retry-After"] == "30"
        assert "Vent 30 sekunder" in await throttled.text()
        for _ in range(20):  # a stranger keeps at it, each time the delay has run out
            node.clock.advance(seconds=24 * 3600)
            assert (await log_in(client, shelf.card_number, "9071")).status == 401
        node.clock.advance(seconds=24 * 3600)
        assert (await log_in(client, shelf.card_number, GOOD_PIN)).status == 200
    async with node.pool.acquire() as conn:
        counters = await conn.fetchrow(
            "SELECT failed_pin_attempts, online_failed_pin_attempts FROM patrons WHERE patron_id = $1",
            shelf.patron.patron_id,
        )
    assert tuple(counters) == (0, 0)  # the right PIN cleared both


async def test_a_malformed_pin_counts_as_a_wrong_pin(node: Node, shelf: Shelf) -> None:
    async with node.client() as client:
        for malformed in ("12", "12345", "abcd"):
            assert (await log_in(client, shelf.card_number, malformed)).status == 401
    async with node.pool.acquire() as conn:
        failed = await conn.fetchval(
            "SELECT online_failed_pin_attempts FROM patrons WHERE patron_id = $1", shelf.patron.patron_id
        )
    assert failed == 3


async def test_a_card_without_pin_and_a_replaced_card_read_like_a_wrong_pin(node: Node, shelf: Shelf) -> None:
    """Telling them apart here would let anyone on the internet learn which card numbers exist."""
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE patrons SET pin_hash = NULL WHERE patron_id = $1", shelf.other.patron_id)
        for serial, reason in enumerate(get_args(RetiredCardReason)):  # whatever retired it
            await conn.execute(
                "INSERT INTO retired_cards (card_number, patron_id, retired_at, reason) VALUES ($1, $2, now(), $3)",
                f"L0000077{serial}", shelf.patron.patron_id, reason,
            )  # fmt: skip
    assert shelf.other.card_number is not None
    retired = [f"L0000077{serial}" for serial in range(len(get_args(RetiredCardReason)))]
    async with node.client() as client:
        for card in (shelf.other.card_number, *retired, "L99999998", shelf.card_number):
            response = await log_in(client, card, "9071")
            assert response.status == 401
            assert "Feil lånekortnummer eller PIN-kode." in await response.text()


async def test_logins_from_one_address_are_limited_with_retry_after(node: Node, shelf: Shelf) -> None:
    """Ten guesses on each of many cards from one address: the per-source bucket stops it after ten."""
    async with node.client() as client:
        for serial in range(10):
            assert (await log_in(client, f"L{90000000 + serial}", "9071")).status == 401
        limited = await log_in(client, "L90000010", "9071")
        assert limited.status == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
        assert "For mange innloggingsforsøk herfra" in await limited.text()
        # The refused attempt did no work: not even the patron's own card is tried.
        assert (await log_in(client, shelf.card_number, GOOD_PIN)).status == 429


async def test_forms_need_the_session_csrf_token(node: Node, shelf: Shelf) -> None:
    async with node.client() as client:
        async with client.post("/minside/login", data={"card_number": shelf.card_number, "pin": GOOD_PIN}) as response:
            assert response.status == 400
            assert "Skjemaet er utløpt" in await response.text()
        await log_in(client, shelf.card_number, GOOD_PIN)
        path = f"/minside/loans/{shelf.book_loan.loan_id}/renew"
        async with client.post(path, data={"csrf": "forged", "lang": "nb"}) as response:
            assert response.status == 403
            assert "Skjemaet er utløpt" in await response.text()
    async with node.pool.acquire() as conn:
        renewals = await conn.fetchval("SELECT renewals FROM loans WHERE loan_id = $1", shelf.book_loan.loan_id)
    assert renewals == 0


async def test_sessions_slide_for_15_idle_minutes_and_end_after_an_hour(node: Node, shelf: Shelf) -> None:
    async with node.client() as client:
        await log_in(client, shelf.card_number, GOOD_PIN)
        for _ in range(4):  # active every 14 minutes: 56 minutes in, still logged in
            node.clock.advance(seconds=14 * 60)
            async with client.get("/minside/me") as response:
                assert response.url.path == "/minside/me"
        node.clock.advance(seconds=5 * 60)  # past the absolute hour, though only 5 minutes idle
        async with client.get("/minside/me") as response:
            assert response.url.path == "/minside"
            assert "Økten er utløpt. Logg inn igjen." in await response.text()

        await log_in(client, shelf.card_number, GOOD_PIN)
        node.clock.advance(seconds=16 * 60)
        async with client.get("/minside/my-data") as response:
            assert response.url.path == "/minside"


async def test_renewing_someone_elses_loan_or_nonsense_is_a_message_not_a_500(node: Node, shelf: Shelf) -> None:
    async with node.pool.acquire() as conn:
        others_loan = await conn.fetchval("SELECT loan_id FROM loans WHERE patron_id = $1", shelf.other.patron_id)
    async with node.client() as client:
        overview = await log_in(client, shelf.card_number, GOOD_PIN)
        token = csrf_of(await overview.text())
        form = {"csrf": token, "lang": "en"}
        async with client.post(f"/minside/loans/{others_loan}/renew", data=form) as response:
            assert response.status == 200
            assert "The loan was not found" in await response.text()
        async with client.post("/minside/reservations/999999999999999999/cancel", data=form) as response:
            assert "The reservation was not found" in await response.text()
        for path in ("/minside/loans/99999999999999999999999/renew", "/minside/loans/abc/renew"):
            async with client.post(path, data=form) as response:
                assert response.status == 404
        for query in ("refused=%3Cscript%3E&loan=1", "renewed=1e9", "cancelled=-1", "loan=x&refused=not_renewable"):
            async with client.get(f"/minside/me?{query}") as response:
                assert response.status == 200
                assert "<script>" not in await response.text()
        async with client.post("/minside/login", data=b"\xff\xfe", headers={"Content-Type": "text/plain"}) as response:
            assert response.status == 400


async def test_logout_ends_the_session(node: Node, shelf: Shelf) -> None:
    async with node.client() as client:
        overview = await log_in(client, shelf.card_number, GOOD_PIN)
        token = csrf_of(await overview.text())
        saved = {"natreg_minside": overview.history[0].cookies["natreg_minside"].value}
        async with client.post("/minside/logout", data={"csrf": token, "lang": "nb"}) as response:
            assert "Du er logget ut." in await response.text()
        async with client.get("/minside/me") as response:
            assert response.url.path == "/minside"
    # A copy of the cookie saved before logging out is worth nothing: the session ended on the server.
    async with node.client() as replay, replay.get("/minside/me", cookies=saved) as response:
        assert response.url.path == "/minside"
        assert "Økten er utløpt" in await response.text()


async def test_a_new_pin_ends_the_patrons_sessions(node: Node, shelf: Shelf) -> None:
    async with node.client() as client:
        await log_in(client, shelf.card_number, GOOD_PIN)
        async with client.get("/minside/me") as response:
            assert response.url.path == "/minside/me"
        async with node.pool.acquire() as conn:
            await change_pin(conn, node.hasher, shelf.patron.patron_id, "5927")
        async with client.get("/minside/me") as response:
            assert response.url.path == "/minside"


async def test_an_unknown_card_is_throttled_like_a_real_one(node: Node, shelf: Shelf) -> None:
    outcomes = []
    async with node.client() as client:
        for card in (shelf.card_number, "L99999990"):
            answers = [await log_in(client, card, "9071") for _ in range(4)]
            outcomes.append([(answer.status, answer.headers.get("Retry-After")) for answer in answers])
    assert outcomes[0] == outcomes[1] == [(401, None), (401, None), (401, None), (429, "30")]
