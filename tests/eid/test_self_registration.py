"""Self-registration with a national eID, end to end: the stand-in provider over TLS, the node as relying
party, the registry verifying forwarded id tokens; every refusal the issue names."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

import asyncpg
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from local_library import app_keys
from local_library.eid.relying_party import client_secret_basic
from natreg.eid_standin import ACR_HIGH, Misbehaviour
from registry_contract.client import RegistryError
from registry_contract.models import EidSignInProof
from tests.eid.conftest import EidWorld, PatronBrowser, adult_form, card_number_on
from tests.servers import registry_client, run_registry

Browsers = Callable[[], PatronBrowser]


async def _log_in_to_min_side(world: EidWorld, library_id: str, card_number: str, pin: str) -> str:
    """Min side's own card-and-PIN login: the path of the page it lands on."""
    browser = world.browser()
    try:
        base = world.nodes[library_id].url
        async with browser.session.get(f"{base}/minside?lang=en") as start:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await start.text())
        assert csrf is not None
        form = {"csrf": csrf[1], "lang": "en", "card_number": card_number, "pin": pin}
        async with browser.session.post(f"{base}/minside/login", data=form) as response:
            return response.url.path
    finally:
        await browser.close()


async def _node_pool(world: EidWorld, library_id: str) -> asyncpg.Pool:
    return world.nodes[library_id].runner.app[app_keys.POOL]


async def test_an_adult_gets_a_national_card_at_once_and_the_node_keeps_no_national_id(
    eid_world: EidWorld, browser_of: Browsers
) -> None:
    browser = browser_of()
    await browser.sign_in("asker", eid_world.people["adult"])
    status, page = await browser.form_page("asker")
    assert status == 200
    assert eid_world.people["adult"] not in page  # the national ID is never shown
    status, page = await browser.submit("asker", adult_form())
    assert status == 200, page
    card_number = card_number_on(page)
    assert re.fullmatch(r"[0-9]{10}", card_number)
    assert await _log_in_to_min_side(eid_world, "asker", card_number, "4815") == "/minside/me"
    # The registry holds the national ID; the node holds no trace of it (nor of the id token).
    client = registry_client(eid_world.registry, eid_world.ca_file.parent.parent, "asker")
    try:
        found = await client.lookup_by_national_id(eid_world.people["adult"])
        assert found.card_number == card_number
    finally:
        await client.close()
    pool = await _node_pool(eid_world, "asker")
    async with pool.acquire() as conn:
        dump = await conn.fetchval("SELECT string_agg(t::text, '|') FROM (SELECT * FROM patrons) t")
        outbox = await conn.fetch("SELECT status, payload_ciphertext FROM registry_outbox")
    assert eid_world.people["adult"] not in dump
    assert [row["status"] for row in outbox] == ["delivered"]
    assert all(row["payload_ciphertext"] is None for row in outbox)  # erased once the registry answered
    # The person cookie is gone: the form cannot be used a second time.
    status, _ = await browser.form_page("asker")
    assert status == 400


async def test_opting_out_gives_a_local_card_and_nothing_reaches_the_registry(
    eid_world: EidWorld, browser_of: Browsers
) -> None:
    browser = browser_of()
    await browser.sign_in("asker", eid_world.people["adult"])
    status, page = await browser.submit("asker", adult_form(card_kind="local"))
    assert status == 200, page
    card_number = card_number_on(page)
    assert card_number.startswith("L")
    assert await _log_in_to_min_side(eid_world, "asker", card_number, "4815") == "/minside/me"
    pool = await _node_pool(eid_world, "asker")
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM registry_outbox") == 0


async def test_an_existing_card_holder_is_linked_with_the_eid_as_proof(
    eid_world: EidWorld, browser_of: Browsers
) -> None:
    first = browser_of()
    await first.sign_in("sandnes", eid_world.people["other_adult"])
    _, page = await first.submit("sandnes", adult_form(pin="2580", pin_again="2580"))
    sandnes_card = card_number_on(page)

    second = browser_of()
    await second.sign_in("asker", eid_world.people["other_adult"])
    status, page = await second.submit("asker", adult_form(pin="3691", pin_again="3691"))
    assert status == 200, page
    assert card_number_on(page) == sandnes_card  # the same national card, now linked to Asker too
    # The PIN chosen after the eID sign-in is the card's PIN now, everywhere.
    assert await _log_in_to_min_side(eid_world, "asker", sandnes_card, "3691") == "/minside/me"
    assert await _log_in_to_min_side(eid_world, "sandnes", sandnes_card, "2580") != "/minside/me"  # the old PIN
    client = registry_client(eid_world.registry, eid_world.ca_file.parent.parent, "asker")
    try:
        record = await client.lookup_by_national_id(eid_world.people["other_adult"])
        assert sorted(record.libraries) == ["asker", "sandnes"]  # type: ignore[union-attr]
    finally:
        await client.close()


async def _refused_return(world: EidWorld, browser: PatronBrowser, callback: str) -> str:
    status, page = await browser.return_to_node(callback)
    assert status == 400, page
    return page


async def test_a_wrong_state_is_refused(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()
    callback = await browser.sign_in_at_provider(await browser.start("asker"), eid_world.people["adult"])
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query)) | {"state": "someone-elses-state"}
    page = await _refused_return(eid_world, browser, f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}")
    assert "belongs to another sign-in" in page
    # Without the sealed flow cookie (another browser) the answer is the same.
    stranger = browser_of()
    page = await _refused_return(eid_world, stranger, callback)
    assert "hører til en annen innlogging" in page  # a browser that never started: the default language


async def test_a_replayed_code_is_refused(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()
    callback = await browser.sign_in_at_provider(await browser.start("asker"), eid_world.people["adult"])
    status, _ = await browser.return_to_node(callback)
    assert status == 303
    # The same code again, inside a new sign-in's state: the provider refuses to redeem it twice.
    fresh = await browser.sign_in_at_provider(await browser.start("asker"), eid_world.people["adult"])
    old_code = dict(parse_qsl(urlsplit(callback).query))["code"]
    parts = urlsplit(fresh)
    query = dict(parse_qsl(parts.query)) | {"code": old_code}
    page = await _refused_return(eid_world, browser, f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}")
    assert "did not complete" in page


async def _refused_with(world: EidWorld, browser: PatronBrowser, misbehaviour: Misbehaviour) -> str:
    world.standin.provider.misbehaviour = misbehaviour
    callback = await browser.sign_in_at_provider(await browser.start("asker"), world.people["adult"])
    page = await _refused_return(world, browser, callback)
    status, _ = await browser.form_page("asker")
    assert status == 400  # no person cookie: nothing to register with
    return page


async def test_a_wrong_nonce_is_refused(eid_world: EidWorld, browser_of: Browsers) -> None:
    page = await _refused_with(eid_world, browser_of(), Misbehaviour(nonce="a-nonce-from-another-sign-in"))
    assert "could not be verified" in page


async def test_a_too_low_level_is_refused(eid_world: EidWorld, browser_of: Browsers) -> None:
    page = await _refused_with(eid_world, browser_of(), Misbehaviour(acr="idporten-loa-low"))
    assert "level substantial or high" in page


async def test_an_expired_token_is_refused(eid_world: EidWorld, browser_of: Browsers) -> None:
    page = await _refused_with(eid_world, browser_of(), Misbehaviour(lifetime_seconds=-120))
    assert "could not be verified" in page


async def test_a_token_signed_with_an_unpublished_key_is_refused(eid_world: EidWorld, browser_of: Browsers) -> None:
    page = await _refused_with(eid_world, browser_of(), Misbehaviour(foreign_key=True))
    assert "could not be verified" in page


async def test_a_token_for_another_client_or_issuer_is_refused(eid_world: EidWorld, browser_of: Browsers) -> None:
    page = await _refused_with(eid_world, browser_of(), Misbehaviour(audience="natreg-sandnes"))
    assert "could not be verified" in page
    page = await _refused_with(eid_world, browser_of(), Misbehaviour(issuer="https://idporten.example"))
    assert "could not be verified" in page


async def test_level_high_is_accepted(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()
    callback = await browser.sign_in_at_provider(await browser.start("asker"), eid_world.people["adult"], ACR_HIGH)
    status, _ = await browser.return_to_node(callback)
    assert status == 303


async def test_a_trivial_pin_or_two_different_pins_are_refused_at_their_field(
    eid_world: EidWorld, browser_of: Browsers
) -> None:
    browser = browser_of()
    await browser.sign_in("asker", eid_world.people["adult"])
    status, page = await browser.submit("asker", adult_form(pin="1234", pin_again="1234"))
    assert status == 422
    assert "too easy to guess" in page
    assert 'id="pin" name="pin" type="password"' in page or 'id="pin" name="pin"' in page
    assert 'aria-invalid="true"' in page
    status, page = await browser.submit("asker", adult_form(pin="4815", pin_again="4816"))
    assert status == 422
    assert "The two PINs differ" in page
    status, page = await browser.submit("asker", {k: v for k, v in adult_form().items() if k != "accept_rules"})
    assert status == 422
    # After the refusals the form still works (the sign-in is not used up by a refusal).
    status, page = await browser.submit("asker", adult_form())
    assert status == 200, page


async def test_a_forged_form_is_refused(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()
    await browser.sign_in("asker", eid_world.people["adult"])
    url = f"{eid_world.nodes['asker'].url}/minside/new-card/form"
    async with browser.session.post(url, data={"csrf": "forged", "lang": "en", **adult_form()}) as response:
        assert response.status == 403


async def test_a_minor_under_the_guardian_age_is_sent_to_a_guardian(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()  # Asker asks a guardian's signature under 18
    await browser.sign_in("asker", eid_world.people["teen"])
    status, page = await browser.submit("asker", adult_form(name="Ola Nordmann"))
    assert status == 422
    assert "need a guardian" in page
    pool = await _node_pool(eid_world, "asker")
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM patrons") == 0


async def test_a_minor_old_enough_at_this_library_registers_alone(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()  # Sandnes asks a guardian's signature under 15 only
    await browser.sign_in("sandnes", eid_world.people["teen"])
    status, page = await browser.submit("sandnes", adult_form(name="Ola Nordmann"))
    assert status == 200, page


async def test_a_guardian_registers_a_child_and_the_guardian_is_kept_at_the_node(
    eid_world: EidWorld, browser_of: Browsers
) -> None:
    browser = browser_of()
    await browser.sign_in("asker", eid_world.people["guardian"], for_child=True)
    child = eid_world.people["child"]
    fields = adult_form(
        name="Lille Nordmann", child_national_id=child, guardian_name="Kari Nordmann",
        guardian_contact="kari@example.org, 400 00 000",
    )  # fmt: skip
    status, page = await browser.submit("asker", fields)
    assert status == 200, page
    card_number = card_number_on(page)
    assert child not in page
    pool = await _node_pool(eid_world, "asker")
    async with pool.acquire() as conn:
        patron = await conn.fetchrow("SELECT * FROM patrons WHERE card_number = $1", card_number)
    assert (patron["guardian_name"], patron["guardian_contact"]) == ("Kari Nordmann", "kari@example.org, 400 00 000")
    client = registry_client(eid_world.registry, eid_world.ca_file.parent.parent, "asker")
    try:
        found = await client.lookup_by_national_id(child)
        assert found.card_number == card_number  # the child's record, not the guardian's
    finally:
        await client.close()


async def test_a_guardian_form_without_the_guardians_details_or_for_an_adult_is_refused(
    eid_world: EidWorld, browser_of: Browsers
) -> None:
    browser = browser_of()
    await browser.sign_in("asker", eid_world.people["guardian"], for_child=True)
    status, page = await browser.submit("asker", adult_form(child_national_id=eid_world.people["child"]))
    assert status == 422
    assert "need a guardian" in page or "guardian" in page
    status, page = await browser.submit(
        "asker", adult_form(child_national_id=eid_world.people["guardian"], guardian_name="K", guardian_contact="x")
    )
    assert status == 422
    assert "your own national ID" in page
    # A child may not be registered by a signed-in minor.
    teen = browser_of()
    await teen.sign_in("asker", eid_world.people["teen"], for_child=True)
    status, page = await teen.submit(
        "asker", adult_form(child_national_id=eid_world.people["child"], guardian_name="T", guardian_contact="x")
    )
    assert status == 422
    assert "18 or older" in page


async def test_the_registry_refuses_an_id_token_meant_for_another_library(
    eid_world: EidWorld, browser_of: Browsers
) -> None:
    """The registry verifies a forwarded token itself: Sandnes's token does not prove presence to Asker's call."""
    holder = browser_of()
    await holder.sign_in("asker", eid_world.people["other_adult"])
    await holder.submit("asker", adult_form())
    provider = eid_world.standin.provider
    provider.misbehaviour = Misbehaviour(audience="natreg-sandnes")
    grant_code = await _code_for(eid_world, eid_world.people["other_adult"])
    token = await _redeem(eid_world, grant_code)
    client = registry_client(eid_world.registry, eid_world.ca_file.parent.parent, "asker")
    try:
        found = await client.lookup_by_national_id(eid_world.people["other_adult"])
        with pytest.raises(RegistryError) as refused:
            await client.link(found.patron_id, EidSignInProof(kind="eid_sign_in", id_token=token))
        assert (refused.value.status, refused.value.code) == (403, "eid_token_invalid")
    finally:
        await client.close()


async def _code_for(world: EidWorld, pid: str) -> str:
    """A code the stand-in issued for the asker client (the PKCE challenge of a known verifier)."""
    provider = world.standin.provider
    asker = provider.clients["natreg-asker"]
    verifier = "v" * 50
    query = {
        "client_id": asker.client_id, "redirect_uri": asker.redirect_uris[0], "state": "s", "nonce": "n",
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256", "pid": pid,
        "acr": "idporten-loa-substantial",
    }  # fmt: skip
    session = world.browser().session
    try:
        async with session.post(f"{world.standin.url}/authorize", data=query, allow_redirects=False) as response:
            return dict(parse_qsl(urlsplit(response.headers["Location"]).query))["code"]
    finally:
        await session.close()


async def _redeem(world: EidWorld, code: str) -> str:
    asker = world.standin.provider.clients["natreg-asker"]
    session = world.browser().session
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": asker.redirect_uris[0],
            "code_verifier": "v" * 50}  # fmt: skip
    try:
        async with session.post(
            f"{world.standin.url}/token",
            data=form,
            headers={"Authorization": client_secret_basic(asker.client_id, asker.client_secret)},
        ) as response:
            body = await response.json()
            return str(body["id_token"])
    finally:
        await session.close()


async def test_the_registry_refuses_a_token_naming_another_person(eid_world: EidWorld, browser_of: Browsers) -> None:
    for role in ("adult", "other_adult"):
        holder = browser_of()
        await holder.sign_in("sandnes", eid_world.people[role])
        await holder.submit("sandnes", adult_form())
    token = await _redeem(eid_world, await _code_for(eid_world, eid_world.people["adult"]))
    client = registry_client(eid_world.registry, eid_world.ca_file.parent.parent, "asker")
    try:
        other = await client.lookup_by_national_id(eid_world.people["other_adult"])
        with pytest.raises(RegistryError) as refused:
            await client.link(other.patron_id, EidSignInProof(kind="eid_sign_in", id_token=token))
        assert (refused.value.status, refused.value.code) == (403, "patron_presence_required")
        # The token does prove its own person's presence.
        mine = await client.lookup_by_national_id(eid_world.people["adult"])
        linked = await client.link(mine.patron_id, EidSignInProof(kind="eid_sign_in", id_token=token))
        assert sorted(linked.libraries) == ["asker", "sandnes"]
    finally:
        await client.close()


async def test_a_registry_without_an_eid_provider_accepts_no_eid_sign_in(
    eid_world: EidWorld, browser_of: Browsers, registry_database_url: str
) -> None:
    holder = browser_of()
    await holder.sign_in("sandnes", eid_world.people["adult"])
    await holder.submit("sandnes", adult_form())
    token = await _redeem(eid_world, await _code_for(eid_world, eid_world.people["adult"]))
    keys_dir = eid_world.ca_file.parent.parent
    await eid_world.registry.stop()
    plain = await run_registry(registry_database_url, keys_dir, pin_hash_time_cost=1, pin_hash_memory_kib=1024)
    client = registry_client(plain, keys_dir, "asker")
    try:
        found = await client.lookup_by_national_id(eid_world.people["adult"])
        with pytest.raises(RegistryError) as refused:
            await client.link(found.patron_id, EidSignInProof(kind="eid_sign_in", id_token=token))
        assert (refused.value.status, refused.value.code) == (403, "patron_presence_required")
    finally:
        await client.close()
        eid_world.registry = plain  # stopped by the fixture


async def test_a_control_character_in_the_form_is_a_page(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()
    await browser.sign_in("asker", eid_world.people["adult"])
    status, page = await browser.submit("asker", adult_form(name="Kari\x1bNordmann"))
    assert status == 422
    assert page.startswith("<!doctype html>")
    assert "characters that cannot be used" in page


async def test_sandnes_asks_for_an_address_in_norway_at_its_field(eid_world: EidWorld, browser_of: Browsers) -> None:
    """Sandnes's "fixed address in Norway" rule holds for self-registration too, worded at the address field."""
    browser = browser_of()
    await browser.sign_in("sandnes", eid_world.people["teen"])
    status, page = await browser.submit("sandnes", adult_form(address_line="", postal_code="", city=""))
    assert status == 422, page
    assert "fixed address in Norway. Please enter your address." in page
    assert 'aria-invalid="true"' in page.split('id="address_line"')[1].split(">")[0]
