"""The desk's patron pages for national cards, with a real registry and two real nodes over (mutual) TLS:
register, link at another library, correct, change the PIN, report lost, opt out, file a deletion request;
wrong PINs, invalid national IDs and an unreachable registry answered in words."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from pathlib import Path

from local_library import app_keys
from registry.app import RunningRegistry
from registry_contract.national_id import generate_synthetic_national_id
from tests.desk.patron_desk import Desk, logged_in, trusting_client
from tests.national.conftest import ADMIN_PASSWORD, Node, NodeFactory, registry, start_node
from tests.registry.test_population_national_ids import synthetic_2032_number

__all__ = ["registry", "start_node"]

PIN = "4821"


def national_id(seed: int, birth_date: dt.date = dt.date(1980, 2, 3)) -> str:
    return generate_synthetic_national_id(random.Random(seed), birth_date=birth_date)


def registration(seed: int, **overrides: str) -> dict[str, str]:
    form = {
        "national_id": national_id(seed), "name": "Nora Nasjonal", "email": "nora@example.org",
        "phone": "+47 41000001", "address_line": "Storgata 1", "postal_code": "1383", "city": "Asker",
        "preferred_contact": "email", "guardian_name": "", "guardian_contact": "", "pin": PIN, "pin_again": PIN,
    }  # fmt: skip
    return form | overrides


async def _desk(node: Node, keys_dir: Path) -> Desk:
    return await logged_in(trusting_client(node.library.url, keys_dir), "admin", ADMIN_PASSWORD)


async def _node_database_holds(node: Node, text: str) -> list[str]:
    """The tables of the node's database with a row whose text form contains ``text``."""
    async with node.library.runner.app[app_keys.POOL].acquire() as conn:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        found = []
        for row in tables:
            name = row["table_name"]
            query = f'SELECT count(*) FROM "{name}" AS t WHERE t::text LIKE $1'  # noqa: S608 - names from the catalogue
            if await conn.fetchval(query, f"%{text}%"):
                found.append(name)
        return found


async def _requests_filed(node: Node, operation: str) -> int:
    async with node.library.runner.app[app_keys.POOL].acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM registry_outbox WHERE operation = $1", operation))


async def _card_of(desk: Desk, patron_id: str) -> str:
    """The card number as the patron page shows it (its first row)."""
    page = (await desk.get(f"/staff/patrons/{patron_id}")).page
    found = re.search(r'<th scope="row">Lånekortnummer</th><td>([0-9A-Z]+)', page)
    assert found is not None, page
    return found.group(1)


async def test_a_national_patron_is_registered_at_one_desk_and_linked_at_another(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    desk = await _desk(asker, keys_dir)
    other = await _desk(sandnes, keys_dir)
    try:
        form = await desk.get("/staff/patrons/new/national")
        assert 'id="national_id" name="national_id" type="text" value=""' in form.page
        assert 'autocomplete="off"' in form.page
        the_id = national_id(1)
        registered = await desk.post("/staff/patrons/new/national", registration(1))
        assert "done=registered" in registered.query
        assert "Låneren er registrert. Sendt til det nasjonale registeret." in registered.page
        assert the_id not in registered.page
        assert await _node_database_holds(asker, the_id) == []
        assert "lagres i det nasjonale registeret" in registered.page  # the fields the registry owns, marked
        assert "03.02.1980" in registered.page  # the birth date, from the national ID
        card = await _card_of(desk, registered.patron_id)
        assert card.isdigit()

        wrong = await other.post("/staff/patrons/link", {"card_number": card, "pin": "9071"})
        assert wrong.status == 403
        assert wrong.field_error("pin") == "Feil lånekortnummer eller PIN-kode."
        assert wrong.value_of("card_number") == card
        assert wrong.value_of("pin") == ""
        malformed = await other.post("/staff/patrons/link", {"card_number": "12345", "pin": PIN})
        assert malformed.status == 422
        assert malformed.field_error("card_number") == "Et nasjonalt lånekortnummer er 10 siffer."

        linked = await other.post("/staff/patrons/link", {"card_number": card, "pin": PIN})
        assert "done=linked" in linked.query
        assert "Det nasjonale lånekortet er knyttet til dette biblioteket." in linked.page
        assert "<h1>Nora Nasjonal</h1>" in linked.page
        assert "Nasjonalt" in linked.page
        assert card in linked.page
    finally:
        await desk.client.close()
        await other.client.close()


async def test_invalid_national_ids_and_a_missing_guardian_are_refused_at_their_field(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    desk = await _desk(asker, keys_dir)
    try:
        valid = national_id(2)
        mistyped = valid[:-1] + str((int(valid[-1]) + 1) % 10)
        for typed, words in (
            (mistyped, "Kontrollsifrene i fødselsnummeret stemmer ikke"),
            ("12345", "Et fødselsnummer er 11 siffer."),
        ):
            refused = await desk.post("/staff/patrons/new/national", registration(2, national_id=typed))
            assert refused.status == 422
            assert refused.field_error("national_id").startswith(words)
            assert refused.value_of("national_id") == ""  # typed once, never shown again
            assert typed not in refused.page
            assert refused.value_of("name") == "Nora Nasjonal"

        child = national_id(3, dt.date(2015, 5, 5))
        minor = await desk.post("/staff/patrons/new/national", registration(3, national_id=child))
        assert minor.status == 422
        assert minor.field_error("guardian_name").startswith("Låneren er under 18 år")
        with_guardian = await desk.post(
            "/staff/patrons/new/national",
            registration(3, national_id=child, guardian_name="Far Nasjonal", guardian_contact="+47 41000002"),
        )
        assert "Sendt til det nasjonale registeret." in with_guardian.page
        assert "Far Nasjonal" in with_guardian.page
        assert await _node_database_holds(asker, child) == []  # never stored at the node
    finally:
        await desk.client.close()


async def test_corrections_pin_and_lost_card_go_to_the_registry(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    desk = await _desk(asker, keys_dir)
    try:
        registered = await desk.post("/staff/patrons/new/national", registration(4))
        base = f"/staff/patrons/{registered.patron_id}"
        card = await _card_of(desk, registered.patron_id)

        form = await desk.get(f"{base}/contact")
        assert "Fødselsdato og lånekortnummer lagres i det nasjonale registeret" in form.page
        assert "Nå: Storgata 1, 1383 Asker." in form.page
        fields = {"name": "Nora Nasjonal", "email": "nora.ny@example.org", "phone": "+47 41000001",
                  "address_line": "", "postal_code": "", "city": "", "preferred_contact": "email"}  # fmt: skip
        corrected = await desk.post(f"{base}/contact", fields)
        assert "Kontaktopplysningene er lagret. Sendt til det nasjonale registeret." in corrected.page
        assert "nora.ny@example.org" in corrected.page
        unchanged = await desk.post(f"{base}/contact", fields)
        assert "Ingenting er endret." in unchanged.page
        record = await asker.ok("GET", f"/api/staff/cards/{card}")
        assert record["email"] == "nora.ny@example.org"

        pin = await desk.post(f"{base}/pin", {"pin": "5830", "pin_again": "5830"})
        assert "PIN-koden er satt. Sendt til det nasjonale registeret." in pin.page
        status, _ = await asker.call(
            "POST", "/api/staff/kiosk/checkouts", {"card_number": card, "pin": "5830", "barcode": "ASKER-1"}
        )
        assert status == 201  # the new national PIN works at once

        lost = await desk.post(f"{base}/lost-card", {})
        assert "Kortet er meldt tapt. Sendt til det nasjonale registeret." in lost.page
        new_card = await _card_of(desk, registered.patron_id)
        assert new_card != card
        assert new_card.isdigit()
        requests = (await desk.get(base)).page
        assert "Henvendelser til det nasjonale registeret" in requests
        assert "Tapt lånekort" in requests
    finally:
        await desk.client.close()


async def test_opt_out_needs_the_patron_present_and_gives_a_receipt(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    desk = await _desk(asker, keys_dir)
    try:
        registered = await desk.post("/staff/patrons/new/national", registration(5))
        base = f"/staff/patrons/{registered.patron_id}"
        wrong = await desk.post(f"{base}/opt-out", {"national_pin": "9071", "pin": "5830", "pin_again": "5830"})
        assert wrong.status == 403
        assert wrong.field_error("national_pin") == "Feil lånekortnummer eller PIN-kode."
        assert "Nasjonalt" in (await desk.get(base)).page  # nothing changed

        receipt = await desk.post(f"{base}/opt-out", {"national_pin": PIN, "pin": "5830", "pin_again": "5830"})
        assert "/receipts/" in receipt.path
        assert "Kvittering: Utmelding av det nasjonale registeret" in receipt.page
        assert "Askerbibliotekene" in receipt.page
        assert "Du er meldt ut av det nasjonale lånekortregisteret" in receipt.page
        assert "Sendt til det nasjonale registeret" in receipt.page
        assert "Nytt lokalt lånekortnummer" in receipt.page
        english = await desk.get(f"{receipt.path}?lang=en")
        assert "You have opted out of the national library card registry" in english.page
        assert "Asker Libraries" in english.page

        patron = (await desk.get(f"{base}?lang=nb")).page  # the language is remembered: back to Norwegian
        assert "Lokalt" in patron
        assert f'href="{receipt.path}?lang=nb"' in patron  # the receipt can be shown again
    finally:
        await desk.client.close()


async def test_a_deletion_request_is_confirmed_first_and_gives_a_receipt(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    desk = await _desk(asker, keys_dir)
    try:
        registered = await desk.post("/staff/patrons/new/national", registration(6))
        base = f"/staff/patrons/{registered.patron_id}"
        form = await desk.get(f"{base}/deletion")
        assert "Registerets administratorer behandler kravet" in form.page
        unconfirmed = await desk.post(f"{base}/deletion", {})
        assert unconfirmed.status == 422
        assert unconfirmed.field_error("confirm") == "Kryss av for å bekrefte."
        assert await _requests_filed(asker, "deletion_request") == 0

        receipt = await desk.post(f"{base}/deletion", {"confirm": "yes"})
        assert "/receipts/" in receipt.path
        assert "Kvittering: Krav om sletting" in receipt.page
        assert "sendt videre til registerets administratorer" in receipt.page
        death = await desk.post(f"{base}/death-notice", {"confirm": "yes"})
        assert "Kvittering: Melding om dødsfall" in death.page
        assert await _requests_filed(asker, "deletion_request") == 1
        assert await _requests_filed(asker, "death_notice") == 1
    finally:
        await desk.client.close()


async def test_with_the_registry_away_the_desk_says_the_registration_is_queued(
    registry_database_url: str, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", "https://127.0.0.1:9")  # nothing listens there
    desk = await _desk(asker, keys_dir)
    try:
        queued = await desk.post("/staff/patrons/new/national", registration(7))
        assert "done=registered" in queued.query
        assert "Lagt i kø: det nasjonale registeret får det når det kan nås." in queued.page
        assert "venter på nummer fra det nasjonale registeret" in queued.page
        assert "1 endring(er) venter på det nasjonale registeret" in queued.page
        assert national_id(7) not in queued.page
    finally:
        await desk.client.close()
    del registry_database_url
    # Queued: only the outbox's encrypted payload holds it, until the registry has answered.
    assert await _node_database_holds(asker, national_id(7)) == []


async def test_a_local_card_is_upgraded_to_a_national_one(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    desk = await _desk(asker, keys_dir)
    try:
        local = {
            "name": "Ulrik Oppgradert", "birth_date": "1980-02-03", "email": "ulrik@example.org", "phone": "",
            "postal_address": "", "preferred_contact": "email", "pin": "", "pin_again": "",
        }  # fmt: skip
        registered = await desk.post("/staff/patrons/new/local", local)
        base = f"/staff/patrons/{registered.patron_id}"
        other_birthday = national_id(8, dt.date(1981, 2, 3))
        mismatch = await desk.post(f"{base}/upgrade", {"national_id": other_birthday, "pin": PIN, "pin_again": PIN})
        assert mismatch.status == 422
        assert mismatch.field_error("national_id") == "Fødselsnummeret passer ikke med lånerens fødselsdato."
        upgraded = await desk.post(f"{base}/upgrade", {"national_id": national_id(8), "pin": PIN, "pin_again": PIN})
        assert "Registreringen av nasjonalt lånekort er sendt. Sendt til det nasjonale registeret." in upgraded.page
        assert "Nasjonalt" in upgraded.page
        assert (await _card_of(desk, registered.patron_id)).isdigit()
        again = await desk.post(f"{base}/upgrade", {"national_id": national_id(8), "pin": PIN, "pin_again": PIN})
        assert again.status == 409
        assert "Låneren har allerede nasjonalt lånekort." in again.page

        institution = await desk.post(
            "/staff/patrons/new/institution",
            {"institution_name": "Hval skole", "responsible_person": "Rektor", "email": "post@hval.example",
             "preferred_contact": "email"},
        )  # fmt: skip
        assert "Gjør om til nasjonalt lånekort" not in institution.page
        refused = await desk.post(
            f"/staff/patrons/{institution.patron_id}/upgrade", {"national_id": national_id(9), "pin": PIN,
                                                                "pin_again": PIN}
        )  # fmt: skip
        assert refused.status == 409
        assert "Institusjoner får bare lokalt lånekort." in refused.page
    finally:
        await desk.client.close()


async def test_a_second_registration_of_one_person_leads_to_their_card(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    desk = await _desk(asker, keys_dir)
    other = await _desk(sandnes, keys_dir)
    try:
        first = await desk.post("/staff/patrons/new/national", registration(10))
        here_again = await desk.post("/staff/patrons/new/national", registration(10))
        assert here_again.patron_id == first.patron_id
        assert "Denne personen har allerede nasjonalt lånekort her. Her er låneren." in here_again.page

        elsewhere = await other.post("/staff/patrons/new/national", registration(10))
        assert "Registeret avviste en endring (Registrering av nasjonalt lånekort): Personen har allerede " in (
            elsewhere.page
        )
        assert 'href="/staff/patrons/link?lang=nb">Knytt til et nasjonalt lånekort' in elsewhere.page
        assert "Sendt til det nasjonale registeret." not in elsewhere.page  # not claimed when it was refused
    finally:
        await desk.client.close()
        await other.client.close()


async def test_a_2032_number_is_registered_at_the_desk_with_the_birth_date_and_gender_staff_give(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    """Numbers issued under the 2032 rules encode neither birth date nor gender: staff give them, from the ID."""
    asker = await start_node("asker", registry.api_url)
    desk = await _desk(asker, keys_dir)
    number = synthetic_2032_number(uuid.uuid4().int % 1000)
    try:
        form = await desk.get("/staff/patrons/new/national")
        assert '<select id="gender" name="gender"' in form.page
        missing = await desk.post("/staff/patrons/new/national", registration(7, national_id=number))
        assert missing.status == 422
        assert missing.field_error("birth_date") is not None
        given = registration(7, national_id=number, birth_date="1990-04-02", gender="male")
        registered = await desk.post("/staff/patrons/new/national", given)
        assert "done=registered" in registered.query, registered.page
        assert "02.04.1990" in registered.page
        assert number not in registered.page
    finally:
        await desk.client.close()
