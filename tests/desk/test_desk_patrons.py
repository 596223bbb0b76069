"""The desk's patron pages for local and institution cards over real HTTPS: find, register (adult, minor,
institution), set a PIN, correct contact data, report a lost card, block; refusals shown at their field."""

from __future__ import annotations

import re

from local_library.desk.patron_forms import CODE_FIELDS, refusal_text
from local_library.desk.patron_texts import PATRON_TEXTS
from tests.desk.conftest import DESK_PASSWORD, Staff
from tests.desk.patron_desk import Desk, logged_in
from tests.minside.conftest import Node

ADULT = {
    "name": "Astrid Lokal", "birth_date": "1980-04-01", "email": "astrid@example.org", "phone": "",
    "postal_address": "", "preferred_contact": "email", "guardian_name": "", "guardian_contact": "",
    "pin": "4821", "pin_again": "4821",
}  # fmt: skip


async def _patron_count(node: Node) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM patrons"))


async def _desk(node: Node, staff: Staff) -> Desk:
    return await logged_in(node.client(), staff.desk, DESK_PASSWORD)


async def test_a_local_patron_is_registered_and_found_by_name_and_by_card(node: Node, staff: Staff) -> None:
    desk = await _desk(node, staff)
    try:
        registered = await desk.post("/staff/patrons/new/local", ADULT)
        assert registered.status == 200
        assert "done=registered" in registered.query
        page = registered.page
        assert "Låneren er registrert." in page
        assert "<h1>Astrid Lokal</h1>" in page
        assert "Lokalt" in page
        assert "4821" not in page
        assert "lagres i det nasjonale registeret" not in page  # a local card: nothing is the registry's
        async with node.pool.acquire() as conn:
            card, patron_id = await conn.fetchrow(
                "SELECT card_number, patron_id FROM patrons WHERE name = 'Astrid Lokal'"
            )
            assert await conn.fetchval("SELECT pin_hash IS NOT NULL FROM patrons WHERE card_number = $1", card)
        assert card.startswith("L")
        # The circulation page with this patron shown (by id: no card number in a URL).
        assert f'href="/staff/?patron={patron_id}&amp;lang=nb"' in page
        at_circulation = await desk.get(f"/staff/?patron={patron_id}&lang=nb")
        assert "Astrid Lokal" in at_circulation.page

        by_name = await desk.get("/staff/patrons?q=astrid")
        assert by_name.path == "/staff/patrons"
        assert "Treff for «astrid»" in by_name.page
        assert card in by_name.page
        by_card = await desk.get(f"/staff/patrons?q={card.lower()}")  # a scanned card goes straight to the patron
        assert by_card.path == f"/staff/patrons/{registered.patron_id}"
        nobody = await desk.get("/staff/patrons?q=Ingen+slik")
        assert "Ingen lånere passer til «Ingen slik»." in nobody.page
        wildcard = await desk.get("/staff/patrons?q=%25")  # a LIKE wildcard is a plain character
        assert "Ingen lånere passer" in wildcard.page
    finally:
        await desk.client.close()


async def test_a_minor_needs_a_guardian_under_the_librarys_age_rule(node: Node, staff: Staff) -> None:
    desk = await _desk(node, staff)
    try:
        minor = ADULT | {"name": "Lille Lokal", "birth_date": "2015-06-01"}
        refused = await desk.post("/staff/patrons/new/local", minor)
        assert refused.status == 422
        assert refused.field_error("guardian_name") == (
            "Låneren er under 18 år: fyll inn foresattes navn og kontaktinformasjon."
        )
        assert 'role="alert"' in refused.page
        assert refused.page.count("autofocus") == 1  # the keyboard starts where the correction is needed
        assert re.search(r'<input id="guardian_name"[^>]*autofocus', refused.page)
        assert refused.value_of("name") == "Lille Lokal"  # what was typed stays, the PIN does not
        assert refused.value_of("pin") == ""
        assert await _patron_count(node) == 0

        half = await desk.post("/staff/patrons/new/local", minor | {"guardian_name": "Mor Lokal"})
        assert half.status == 422
        assert half.field_error("guardian_contact") == "Fyll inn dette feltet."

        accepted = await desk.post(
            "/staff/patrons/new/local", minor | {"guardian_name": "Mor Lokal", "guardian_contact": "mor@example.org"}
        )
        assert "done=registered" in accepted.query
        assert "Mor Lokal, mor@example.org" in accepted.page
        assert "ingen foresatt registrert" not in accepted.page
    finally:
        await desk.client.close()


async def test_an_institution_gets_a_local_card_with_a_responsible_person(node: Node, staff: Staff) -> None:
    desk = await _desk(node, staff)
    try:
        form = {
            "institution_name": "Hval skole", "responsible_person": "Rektor Rask", "email": "post@hval.example",
            "phone": "", "postal_address": "", "preferred_contact": "email", "pin": "", "pin_again": "",
        }  # fmt: skip
        registered = await desk.post("/staff/patrons/new/institution", form)
        assert "done=registered" in registered.query
        assert "<h1>Hval skole</h1>" in registered.page
        assert "Institusjon" in registered.page
        assert "Rektor Rask" in registered.page
        assert "Ingen PIN-kode" in registered.page  # a warning: no PIN, no kiosk
        missing = await desk.post("/staff/patrons/new/institution", form | {"responsible_person": ""})
        assert missing.status == 422
        assert missing.field_error("responsible_person") == "Fyll inn dette feltet."
    finally:
        await desk.client.close()


async def test_bad_input_is_explained_at_its_field_and_nothing_is_written(node: Node, staff: Staff) -> None:
    desk = await _desk(node, staff)
    try:
        cases = {
            "pin_again": (ADULT | {"pin_again": "4822"}, "De to PIN-kodene er ikke like."),
            "pin": (ADULT | {"pin": "1234", "pin_again": "1234"}, "PIN-koden er for lett å gjette"),
            "email": (ADULT | {"email": "not-an-address"}, "Skriv en e-postadresse"),
            "birth_date": (ADULT | {"birth_date": "01.04.1980"}, "Skriv datoen som ÅÅÅÅ-MM-DD."),
            "preferred_contact": (ADULT | {"preferred_contact": "sms"}, "Den foretrukne kontaktmåten mangler"),
            "name": (ADULT | {"name": " "}, "Fyll inn dette feltet."),
        }
        for field, (form, words) in cases.items():
            refused = await desk.post("/staff/patrons/new/local", form)
            assert refused.status == 422, field
            assert refused.field_error(field).startswith(words), field
        future = await desk.post("/staff/patrons/new/local", ADULT | {"birth_date": "2030-01-01"})
        assert future.field_error("birth_date") == "Fødselsdatoen er fram i tid."
        assert await _patron_count(node) == 0
    finally:
        await desk.client.close()


async def test_forms_without_the_session_token_change_nothing(node: Node, staff: Staff) -> None:
    desk = await _desk(node, staff)
    try:
        for token in ("", "forged"):
            refused = await desk.post("/staff/patrons/new/local", ADULT, csrf=token)
            assert refused.status == 403
            assert "Skjemaet er utløpt" in refused.page
        assert await _patron_count(node) == 0
        patron = await desk.post("/staff/patrons/new/local", ADULT)
        refused = await desk.post(f"/staff/patrons/{patron.patron_id}/block", {"blocked": "yes"}, csrf="forged")
        assert refused.status == 403
        async with node.pool.acquire() as conn:
            assert not await conn.fetchval("SELECT blocked FROM patrons")
    finally:
        await desk.client.close()
    # Not logged in: the login page, never the form's effect.
    async with node.client() as stranger, stranger.post("/staff/patrons/new/local", data=ADULT) as response:
        assert response.url.path == "/staff/login"
    assert await _patron_count(node) == 1


async def test_pin_contact_lost_card_and_block_for_a_local_card(node: Node, staff: Staff) -> None:
    desk = await _desk(node, staff)
    try:
        patron = await desk.post("/staff/patrons/new/local", ADULT | {"pin": "", "pin_again": ""})
        assert "Ingen PIN-kode" in patron.page
        base = f"/staff/patrons/{patron.patron_id}"

        trivial = await desk.post(f"{base}/pin", {"pin": "1111", "pin_again": "1111"})
        assert trivial.status == 422
        assert trivial.field_error("pin").startswith("PIN-koden er for lett å gjette")
        pinned = await desk.post(f"{base}/pin", {"pin": "5830", "pin_again": "5830"})
        assert "PIN-koden er satt." in pinned.page
        assert "Ingen PIN-kode" not in pinned.page

        form = await desk.get(f"{base}/contact")
        assert 'value="astrid@example.org"' in form.page  # the stored values to correct, not an empty form
        corrected = await desk.post(
            f"{base}/contact",
            {"email": "", "phone": "+47 41234567", "postal_address": "Kirkeveien 2, 1383 Asker",
             "preferred_contact": "sms"},
        )  # fmt: skip
        assert "Kontaktopplysningene er lagret." in corrected.page
        assert "Kirkeveien 2, 1383 Asker" in corrected.page
        unreachable = await desk.post(f"{base}/contact", {"email": "", "phone": "", "preferred_contact": "email"})
        assert unreachable.status == 422
        assert unreachable.field_error("preferred_contact").startswith("Den foretrukne kontaktmåten mangler")

        async with node.pool.acquire() as conn:
            old_card = await conn.fetchval("SELECT card_number FROM patrons")
        lost_form = await desk.get(f"{base}/lost-card")
        assert "Det gamle kortnummeret slutter å virke med en gang" in lost_form.page
        lost = await desk.post(f"{base}/lost-card", {})
        assert "Kortet er meldt tapt." in lost.page
        assert old_card not in lost.page
        by_old = await desk.get(f"/staff/patrons?q={old_card}")  # the old number still finds its holder
        assert "Astrid Lokal" in by_old.page

        blocked = await desk.post(f"{base}/block", {"blocked": "yes"})
        assert "Lånekortet er sperret." in blocked.page
        assert "Sperret av biblioteket." in blocked.page
        lifted = await desk.post(f"{base}/block", {"blocked": "no"})
        assert "Sperringen er opphevet." in lifted.page
        assert "Ingen sperringer eller varsler." in lifted.page

        national_only = await desk.post(f"{base}/deletion", {"confirm": "yes"})
        assert national_only.status == 409
        assert "Låneren har ikke nasjonalt lånekort" in national_only.page
    finally:
        await desk.client.close()


async def test_unknown_patrons_and_pages_are_pages_not_errors(node: Node, staff: Staff) -> None:
    desk = await _desk(node, staff)
    try:
        nobody = "/staff/patrons/00000000-0000-0000-0000-000000000000"
        for path in ("/staff/patrons/not-a-uuid", nobody, "/staff/patrons/new/robot", f"{nobody}/pin"):
            answer = await desk.get(path)
            assert answer.status == 404, path
            assert "Siden finnes ikke." in answer.page
        patron = await desk.post("/staff/patrons/new/local", ADULT)
        for path in (f"/staff/patrons/{patron.patron_id}/fly", f"/staff/patrons/{patron.patron_id}/receipts/99",
                     f"/staff/patrons/{patron.patron_id}/receipts/99999999999999999999"):  # fmt: skip
            answer = await desk.get(path)
            assert answer.status == 404, path
        english = await desk.get(f"/staff/patrons/{patron.patron_id}?lang=en")
        assert '<html lang="en">' in english.page
        assert "Card number" in english.page
        assert "Report a lost card" in english.page
    finally:
        await desk.client.close()


def test_every_refusal_has_words_or_names_its_code() -> None:
    for code in CODE_FIELDS:
        for language in ("nb", "en"):
            words = refusal_text(code, language, age=18)
            assert code not in words, (code, language)  # worded, not the generic fallback
    assert refusal_text("a_code_from_tomorrow", "nb") == "Det gikk ikke (a_code_from_tomorrow)."
    assert refusal_text("a_code_from_tomorrow", "en") == "That did not work (a_code_from_tomorrow)."
    assert all(set(words) == {"nb", "en"} and all(words.values()) for words in PATRON_TEXTS.values())


async def test_a_field_with_a_control_character_is_refused_with_a_page(node: Node, staff: Staff) -> None:
    desk = await _desk(node, staff)
    try:
        refused = await desk.post("/staff/patrons/new/local", ADULT | {"name": "Astrid\tLokal"})
        assert refused.status == 422
        assert "Et felt inneholder et tegn som ikke kan lagres" in refused.page
        assert '<html lang="nb">' in refused.page
        assert await _patron_count(node) == 0
    finally:
        await desk.client.close()
