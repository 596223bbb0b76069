"""A terminal's view of the node's SIP2 listener, over a real socket, answers decoded with pysip2."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pysip2

from local_library import app_keys
from local_library.app import sip2_door_check
from local_library.clock import FixedClock
from local_library.patrons.queries import patron_by_card
from tests.sip2.conftest import PIN, Connect, Sip2Node, Terminal

T = "20250303    100000"


def frame(message: Any, *, encoding: str = "cp850", sequence: int | None = None) -> bytes:
    return pysip2.encode_message(message, encoding=encoding, sequence_number=sequence, checksum=sequence is not None)


def answer(data: bytes, *, encoding: str = "cp850") -> Any:
    return pysip2.decode_message(data.lstrip(b"\n"), encoding=encoding).message


async def logged_in(node: Sip2Node, connect: Connect, name: str = "kiosk", **options: Any) -> Terminal:
    password = await node.add_terminal(name, **options)
    terminal = await connect()
    login = pysip2.LoginRequest(
        uid_algorithm="0", pwd_algorithm="0", login_user_id=name, login_password=password, location_code="asker"
    )
    assert answer(await terminal.send(frame(login))).ok == "1"
    return terminal


def status_request(card: str, pin: str) -> Any:
    return pysip2.PatronStatusRequest(
        language="000", transaction_date=T, institution_id="asker", patron_identifier=card, terminal_password="",
        patron_password=pin,
    )  # fmt: skip


def checkout(card: str, barcode: str, pin: str | None = PIN) -> Any:
    return pysip2.CheckoutRequest(
        sc_renewal_policy="Y", no_block="N", transaction_date=T, nb_due_date=T, institution_id="asker",
        patron_identifier=card, item_identifier=barcode, terminal_password="", item_properties=None,
        patron_password=pin, fee_acknowledged=None, cancel=None,
    )  # fmt: skip


def info_request(card: str, summary: str, start: str | None = None, end: str | None = None) -> Any:
    return pysip2.PatronInformationRequest(
        language="000", transaction_date=T, summary=summary, institution_id="asker", patron_identifier=card,
        terminal_password="", patron_password=PIN, start_item=start, end_item=end,
    )  # fmt: skip


async def test_login_sc_status_and_a_patron_with_aeoa_in_cp850_and_utf8(node: Sip2Node, connect: Connect) -> None:
    patron = await node.register("Åse Ærø Øvstebø")
    kiosk = await logged_in(node, connect, "kiosk")
    status = answer(await kiosk.send(frame(pysip2.SCStatusRequest(status_code="0", max_print_width="080",
                                                                  protocol_version="2.00"))))  # fmt: skip
    assert (status.online_status, status.checkout_ok, status.protocol_version) == ("Y", "Y", "2.00")
    assert status.supported_messages[:3] == "YYY"
    raw = await kiosk.send(frame(status_request(patron["card_number"], PIN)))
    assert "Åse Ærø Øvstebø".encode("cp850") in raw
    decoded = answer(raw)
    assert (decoded.valid_patron, decoded.valid_patron_password, decoded.personal_name) == ("Y", "Y", "Åse Ærø Øvstebø")
    assert decoded.patron_status == " " * 14

    modern = await logged_in(node, connect, "modern", encoding="utf-8", crlf=True)
    raw = await modern.send(frame(status_request(patron["card_number"], PIN), encoding="utf-8", sequence=4))
    assert raw.startswith(b"\n24")  # the LF ending the login answer: CRLF, as the account says
    assert (await modern.reader.readexactly(1)) == b"\n"
    decoded = pysip2.decode_message(raw.lstrip(b"\n"), encoding="utf-8")
    assert decoded.message.personal_name == "Åse Ærø Øvstebø"
    assert decoded.sequence_number == 4
    assert "Åse Ærø Øvstebø".encode() in raw


async def test_wrong_or_missing_pin_fails_closed_like_an_unknown_card(node: Sip2Node, connect: Connect) -> None:
    card = (await node.register("Kari Nordmann"))["card_number"]
    kiosk = await logged_in(node, connect)
    answers = []
    # Without AD at all (a raw frame as a careless terminal sends it), with a wrong PIN, with a made-up card.
    without_pin = f"23000{T}AOasker|AA{card}|AC|\r".encode()
    for request in (without_pin, frame(status_request(card, "0000")), frame(status_request("L999999", PIN))):
        raw = await kiosk.send(request)
        assert b"Kari" not in raw
        decoded = answer(raw)
        assert (decoded.valid_patron, decoded.valid_patron_password, decoded.personal_name) == ("N", "N", "")
        assert decoded.patron_status.startswith("YYYY")
        answers.append((decoded.patron_status, decoded.screen_message))
    # The three answers are identical: nothing tells a real card from a made-up one.
    assert len(set(answers)) == 1
    # Nor can a made-up barcode or a missing PIN borrow.
    raw = await kiosk.send(frame(checkout(card, "B-1", pin=None)))
    assert answer(raw).ok == "0"
    assert b"|BLN|CQN|" in raw


async def test_a_locked_card_stays_locked_even_with_the_right_pin(node: Sip2Node, connect: Connect) -> None:
    card = (await node.register("Ola Nordmann"))["card_number"]
    kiosk = await logged_in(node, connect)
    for _ in range(10):
        await kiosk.send(frame(status_request(card, "0000")))
    decoded = answer(await kiosk.send(frame(status_request(card, PIN))))
    assert (decoded.valid_patron, decoded.valid_patron_password, decoded.personal_name) == ("N", "N", "")


async def test_a_blocked_card_is_known_but_cannot_borrow(node: Sip2Node, connect: Connect) -> None:
    patron = await node.register("Per Sperret")
    await node.ok("PUT", f"/api/staff/patrons/{patron['patron_id']}/blocked", {"blocked": True})
    kiosk = await logged_in(node, connect)
    decoded = answer(await kiosk.send(frame(status_request(patron["card_number"], PIN))))
    assert (decoded.valid_patron, decoded.valid_patron_password) == ("Y", "Y")
    assert decoded.patron_status.startswith("YYYY")
    refused = answer(await kiosk.send(frame(checkout(patron["card_number"], "B-1"))))
    assert refused.ok == "0"
    assert "sperret" in refused.screen_message[0]


async def test_quick_loan_renew_checkin_and_a_hold(node: Sip2Node, connect: Connect) -> None:
    kari = await node.register("Kari Nordmann")
    ola = await node.register("Ola Nordmann")
    kiosk = await logged_in(node, connect)
    clock = node.library.runner.app[app_keys.CLOCK]
    quick = answer(await kiosk.send(frame(checkout(kari["card_number"], "Q-1"))))
    assert (quick.ok, quick.title_identifier) == ("1", "Sult")
    # The quick loan's period comes from Asker's policy, exactly as at the desk and the staff API's kiosk.
    async with node.library.runner.app[app_keys.POOL].acquire() as conn:
        patron = await patron_by_card(conn, kari["card_number"])
    loans = await node.ok("GET", f"/api/staff/patrons/{patron.patron_id}")
    due_on = loans["loans"][0]["due_on"].replace("-", "")
    assert quick.due_date.startswith(due_on)
    assert due_on != clock.today().strftime("%Y%m%d")

    film = answer(await kiosk.send(frame(checkout(kari["card_number"], "F-1"))))
    assert film.ok == "1"
    await node.ok("POST", "/api/staff/reservations", {"card_number": ola["card_number"], "barcode": "F-1"})
    renewal = pysip2.RenewRequest(
        third_party_allowed="N", no_block="N", transaction_date=T, nb_due_date=T, institution_id="asker",
        patron_identifier=kari["card_number"], patron_password=PIN, item_identifier="F-1", title_identifier=None,
        terminal_password="", item_properties=None, fee_acknowledged=None,
    )  # fmt: skip
    renewed = answer(await kiosk.send(frame(renewal)))
    assert renewed.ok == "0"  # someone is waiting for it

    info = answer(await kiosk.send(frame(info_request(kari["card_number"], "  Y       "))))
    assert info.charged_items_count == "0002"
    assert sorted(info.charged_items) == ["F-1", "Q-1"]
    window = answer(await kiosk.send(frame(info_request(kari["card_number"], "  Y       ", "2", "2"))))
    assert len(window.charged_items) == 1
    assert info.email_address is None  # hidden from terminals by default

    checkin = pysip2.CheckinRequest(
        no_block="N", transaction_date=T, return_date=T, current_location="asker", institution_id="asker",
        item_identifier="F-1", terminal_password="", item_properties=None, cancel=None,
    )  # fmt: skip
    back = answer(await kiosk.send(frame(checkin)))
    assert (back.ok, back.alert) == ("1", "Y")  # it goes to Ola's hold shelf
    taken = answer(await kiosk.send(frame(checkout(kari["card_number"], "F-1"))))
    assert taken.ok == "0"
    assert "reservert" in taken.screen_message[0]
    item = answer(await kiosk.send(frame(pysip2.ItemInformationRequest(
        transaction_date=T, institution_id="asker", item_identifier="F-1", terminal_password=""))))  # fmt: skip
    assert item.circulation_status == "08"


async def test_resend_and_bad_checksum(node: Sip2Node, connect: Connect) -> None:
    card = (await node.register("Kari Nordmann"))["card_number"]
    kiosk = await logged_in(node, connect)
    first = await kiosk.send(frame(status_request(card, PIN), sequence=1))
    assert await kiosk.send(b"97AZFEF5\r") == first
    good = frame(status_request(card, PIN), sequence=2)
    broken = good[:-5] + (b"0000" if good[-5:-1] != b"0000" else b"0001") + b"\r"
    assert await kiosk.send(broken) == b"96AZFEF6\r"
    # Junk before a frame (a line feed left from CRLF) is skipped.
    assert answer(await kiosk.send(b"\n" + good)).valid_patron == "Y"


async def test_login_is_required_and_checked(node: Sip2Node, connect: Connect) -> None:
    password = await node.add_terminal("kiosk")
    wrong = await connect()
    login = pysip2.LoginRequest(uid_algorithm="0", pwd_algorithm="0", login_user_id="kiosk",
                                login_password=password + "x", location_code=None)  # fmt: skip
    assert answer(await wrong.send(frame(login))).ok == "0"
    assert await wrong.closed()
    before_login = await connect()
    assert answer(await before_login.send(frame(status_request("L1", PIN)))).ok == "0"
    assert await before_login.closed()

    await node.add_terminal("far-away", networks=("192.0.2.0/24",))
    outside = await connect()
    far = pysip2.LoginRequest(uid_algorithm="0", pwd_algorithm="0", login_user_id="far-away",
                              login_password=node.terminals["far-away"], location_code=None)  # fmt: skip
    assert answer(await outside.send(frame(far))).ok == "0"
    assert await outside.closed()

    await node.add_terminal("here", networks=("127.0.0.0/8",))
    inside = await connect()
    near = pysip2.LoginRequest(uid_algorithm="0", pwd_algorithm="0", login_user_id="here",
                               login_password=node.terminals["here"], location_code=None)  # fmt: skip
    assert answer(await inside.send(frame(near))).ok == "1"


async def test_a_door_panel_gets_the_unstaffed_hours_decision(node: Sip2Node, connect: Connect) -> None:
    # Issue 12: a door panel's patron status (its own terminal account, card + PIN) is Asker's unstaffed-hours
    # check: an adult with the agreement is let in before staff arrive; a wrong PIN and a closed hour are not.
    adult = await node.register("Kari Nordmann")
    await node.ok("PUT", f"/api/staff/patrons/{adult['patron_id']}/door-agreement", {"signed_on": "2025-02-01"})
    checks = node.library.runner.app[app_keys.DOOR_CHECKS]
    clock = FixedClock(datetime(2025, 3, 3, 7, 30, tzinfo=ZoneInfo("Europe/Oslo")))  # a Monday, before staff come
    assert node.library.sip2 is not None
    node.library.sip2.service.door_check = sip2_door_check(replace(checks, logins=replace(checks.logins, clock=clock)))
    door = await logged_in(node, connect, "door", door=True)

    admitted = answer(await door.send(frame(status_request(adult["card_number"], PIN))))
    assert (admitted.patron_status, admitted.valid_patron, admitted.screen_message) == (
        " " * 14,
        "Y",
        ("Velkommen inn.",),
    )
    assert admitted.personal_name == ""  # a door shows nobody's name

    wrong = answer(await door.send(frame(status_request(adult["card_number"], "9071"))))
    assert (wrong.patron_status[:4], wrong.valid_patron) == ("YYYY", "N")
    assert wrong.screen_message == ("Feil lånekortnummer eller PIN-kode.",)

    clock.advance(seconds=15.5 * 3600)  # 23:00: neither staffed nor unstaffed
    closed = answer(await door.send(frame(status_request(adult["card_number"], PIN))))
    assert (closed.patron_status[:4], closed.screen_message) == ("YYYY", ("Biblioteket er stengt nå.",))
    async with node.library.runner.app[app_keys.POOL].acquire() as conn:
        reasons = [row["reason"] for row in await conn.fetch("SELECT reason FROM door_entries ORDER BY entry_id")]
    assert reasons == ["admitted", "wrong_pin", "closed"]
