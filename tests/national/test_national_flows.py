"""National cards across libraries, from the desk's side: the scenarios of issue 4 that involve the registry."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from registry.app import RunningRegistry, start_registry
from registry.settings import RegistrySettings
from registry_contract.client import RegistryError
from registry_contract.models import RegisterPatron
from registry_contract.national_id import generate_synthetic_national_id, parse_national_id
from tests.national.conftest import Node, NodeError, NodeFactory
from tests.servers import registry_client

PIN = "4821"


def _registration(seed: int, **overrides: Any) -> dict[str, Any]:
    # Adults, so that no library's guardian rule applies.
    birth_date = dt.date(1975, 1, 1) + dt.timedelta(days=seed)
    national_id = generate_synthetic_national_id(random.Random(seed), birth_date=birth_date)
    body: dict[str, Any] = {
        "national_id": national_id,
        "pin": PIN,
        "name": "Nora Nasjonal",
        "email": "nora@example.org",
        "phone_numbers": ["+47 41000001"],
        "addresses": [{"lines": ["Storgata 1"], "postal_code": "1383", "city": "Asker"}],
        "preferred_contact": "email",
    }
    body.update(overrides)
    return body


async def _adult_registration(node: Node, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    body = _registration(seed)
    status, answer = await node.call("POST", "/api/staff/national-patrons", body)
    assert status == 201, answer
    return body, answer


async def _registry_patrons(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM patrons"))
    finally:
        await connection.close()


async def test_patron_registered_at_asker_borrows_at_sandnes_with_the_same_card_and_pin(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=1)
    assert registered["registry"] == "done"
    card = registered["patron"]["card_number"]
    assert len(card) == 10
    assert card.isdigit()
    assert registered["patron"]["kind"] == "national"

    loan = await sandnes.ok(
        "POST", "/api/staff/kiosk/checkouts", {"card_number": card, "pin": PIN, "barcode": "SANDNES-1"}
    )
    assert loan["due_on"] == (dt.date.fromisoformat(loan["checked_out_on"]) + dt.timedelta(days=28)).isoformat()
    here = await sandnes.ok("GET", f"/api/staff/cards/{card}")
    assert here["kind"] == "national"
    assert here["name"] == "Nora Nasjonal"

    status, refused = await sandnes.call(
        "POST", "/api/staff/kiosk/checkouts", {"card_number": card, "pin": "9071", "barcode": "SANDNES-1"}
    )
    assert (status, refused["code"]) == (403, "pin_invalid")


async def test_registration_while_the_registry_is_down_completes_exactly_once(
    registry_database_url: str, keys_dir: Any, start_node: NodeFactory
) -> None:
    settings = RegistrySettings(
        database_url=registry_database_url, keys_dir=keys_dir, port=0, health_port=0, public_port=0, admin_port=0,
        allow_synthetic_national_ids=True, pin_hash_time_cost=1, pin_hash_memory_kib=1024,
    )  # fmt: skip
    registry = await start_registry(settings)
    port = int(registry.api_url.rsplit(":", 1)[1])
    asker = await start_node("asker", registry.api_url)
    await registry.stop()

    status, queued = await asker.call("POST", "/api/staff/national-patrons", _registration(7))
    assert status == 202, queued
    assert queued["registry"] == "queued"
    assert queued["patron"]["card_number"] is None
    # The desk keeps working: another attempt while the registry is still away changes nothing.
    report = await asker.ok("POST", "/api/staff/registry-sync")
    assert report["delivery"] == {"delivered": 0, "needs_staff": 0, "retrying": 0, "postponed": 1}
    outbox = await asker.ok("GET", "/api/staff/registry-outbox")
    assert [(entry["status"], entry["attempts"]) for entry in outbox] == [("pending", 2)]

    registry = await start_registry(settings.model_copy(update={"port": port}))
    try:
        report = await asker.ok("POST", "/api/staff/registry-sync")
        assert report["delivery"] == {"delivered": 1, "needs_staff": 0, "retrying": 0, "postponed": 0}
        account = await asker.ok("GET", f"/api/staff/patrons/{queued['patron']['patron_id']}")
        assert len(account["patron"]["card_number"]) == 10
        report = await asker.ok("POST", "/api/staff/registry-sync")
        assert report["delivery"] == {"delivered": 0, "needs_staff": 0, "retrying": 0, "postponed": 0}
        assert await _registry_patrons(registry_database_url) == 1
        outbox = await asker.ok("GET", "/api/staff/registry-outbox")
        assert [(entry["operation"], entry["status"]) for entry in outbox] == [("register", "delivered")]
    finally:
        await registry.stop()


async def test_an_address_changed_at_sandnes_reaches_asker_through_the_change_feed(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=3)
    card = registered["patron"]["card_number"]
    linked = await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})
    correction = {
        "addresses": [{"lines": ["Langgata 20"], "postal_code": "4306", "city": "Sandnes"}],
        "preferred_contact": "letter",
    }
    corrected = await sandnes.ok("PATCH", f"/api/staff/patrons/{linked['patron_id']}/national-contact", correction)
    assert corrected["registry"] == "done"

    await asker.ok("POST", "/api/staff/registry-sync")
    at_asker = await asker.ok("GET", f"/api/staff/cards/{card}")
    assert at_asker["postal_address"] == "Langgata 20, 4306 Sandnes"
    assert at_asker["preferred_contact"] == "letter"


async def test_opting_out_leaves_a_local_card_here_and_a_tombstone_elsewhere(
    registry: RunningRegistry, start_node: NodeFactory, registry_database_url: str
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=5)
    card = registered["patron"]["card_number"]
    await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})

    patron_id = registered["patron"]["patron_id"]
    # Issue 9: the registry erases the national record only with the patron's card and national PIN.
    opted = await asker.ok("POST", f"/api/staff/patrons/{patron_id}/opt-out", {"pin": "5062", "national_pin": PIN})
    assert opted["registry"] == "done"
    assert opted["patron"]["kind"] == "local"
    assert opted["patron"]["card_number"].startswith("L")
    assert await _registry_patrons(registry_database_url) == 0
    # At Asker the national card is retired as opted out (the patron has a local card here now).
    status, retired = await asker.call("GET", f"/api/staff/cards/{card}")
    assert (status, retired["code"]) == (410, "card_opted_out")

    report = await sandnes.ok("POST", "/api/staff/registry-sync")
    assert report["follow"]["tombstones"] == 1
    status, gone = await sandnes.call("GET", f"/api/staff/cards/{card}")
    assert (status, gone["code"]) == (404, "patron_not_found")
    # The local card works at Asker with the new local PIN.
    loan = await asker.ok(
        "POST", "/api/staff/kiosk/checkouts", {"card_number": opted["patron"]["card_number"], "pin": "5062",
                                               "barcode": "ASKER-1"},
    )  # fmt: skip
    assert loan


async def test_a_local_card_is_upgraded_to_a_national_card(registry: RunningRegistry, start_node: NodeFactory) -> None:
    asker = await start_node("asker", registry.api_url)
    body = _registration(11)
    national_id = body["national_id"]
    birth_date = parse_national_id(national_id, allow_synthetic=True).birth_date.isoformat()
    local = await asker.ok(
        "POST", "/api/staff/patrons",
        {"name": "Lokal Låner", "birth_date": birth_date, "email": "lokal@example.org", "preferred_contact": "email",
         "pin": "5062", "guardian": {"name": "Foresatt", "contact": "+47 40000000"}},
    )  # fmt: skip
    upgraded = await asker.ok(
        "POST", f"/api/staff/patrons/{local['patron_id']}/national-upgrade", {"national_id": national_id, "pin": PIN}
    )
    assert upgraded["registry"] == "done"
    assert upgraded["patron"]["kind"] == "national"
    assert len(upgraded["patron"]["card_number"]) == 10
    # The old local card tells the truth: upgraded to a national card, not "lost".
    status, old = await asker.call("GET", f"/api/staff/cards/{local['card_number']}")
    assert (status, old["code"]) == (410, "card_upgraded")


async def test_registering_someone_who_already_has_a_national_card_asks_for_their_card_and_pin(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    # Issue 9: a library links itself to a patron only with the patron's card and PIN, so a registration of
    # a national card holder from elsewhere no longer links silently; staff are told, and link at the desk.
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    body, registered = await _adult_registration(asker, seed=13)
    status, again = await sandnes.call("POST", "/api/staff/national-patrons", body)
    assert status == 201, again
    refusal = again["registry_refusal"]
    assert (refusal["operation"], refusal["code"]) == ("register", "national_id_already_registered")
    card = registered["patron"]["card_number"]
    linked = await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})
    assert linked["card_number"] == card


async def test_national_operations_refuse_local_patrons(registry: RunningRegistry, start_node: NodeFactory) -> None:
    asker = await start_node("asker", registry.api_url)
    local = await asker.ok(
        "POST", "/api/staff/patrons",
        {"name": "Kun Lokal", "birth_date": "1980-05-05", "email": "k@example.org", "preferred_contact": "email"},
    )  # fmt: skip
    with pytest.raises(NodeError) as refused:
        await asker.ok("POST", f"/api/staff/patrons/{local['patron_id']}/opt-out", {"pin": "5062", "national_pin": PIN})
    assert (refused.value.status, refused.value.body["code"]) == (409, "not_national_yet")


async def test_a_national_card_reported_lost_at_sandnes_is_replaced_everywhere(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=17)
    old_card = registered["patron"]["card_number"]
    linked = await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": old_card, "pin": PIN})

    replaced = await sandnes.ok("POST", f"/api/staff/patrons/{linked['patron_id']}/national-lost-card")
    new_card = replaced["patron"]["card_number"]
    assert new_card != old_card
    account = await sandnes.ok("GET", f"/api/staff/patrons/{linked['patron_id']}")
    assert [fee["amount_ore"] for fee in account["fees"]] == [4000]  # Sandnes: 40 kr for a new card

    await asker.ok("POST", "/api/staff/registry-sync")
    at_asker = await asker.ok("GET", f"/api/staff/cards/{new_card}")
    assert at_asker["name"] == "Nora Nasjonal"
    status, old = await asker.call("GET", f"/api/staff/cards/{old_card}")
    assert (status, old["code"]) == (410, "card_replaced")

    # A new national PIN is set at the registry, not locally; then the kiosk at Asker takes it.
    with pytest.raises(NodeError) as local_pin:
        await asker.ok("PUT", f"/api/staff/patrons/{at_asker['patron_id']}/pin", {"pin": "3917"})
    assert local_pin.value.body["code"] == "national_pin_at_registry"
    changed = await asker.ok("PUT", f"/api/staff/patrons/{at_asker['patron_id']}/national-pin", {"pin": "3917"})
    assert changed["registry"] == "done"
    loan = await asker.ok(
        "POST", "/api/staff/kiosk/checkouts", {"card_number": new_card, "pin": "3917", "barcode": "ASKER-1"}
    )
    assert loan["due_on"]


async def test_a_pin_that_is_not_four_digits_has_one_code_at_the_desk_and_at_the_registry(
    registry: RunningRegistry, start_node: NodeFactory, keys_dir: Path
) -> None:
    # Issue 10: one code per rule across both services. A malformed PIN was `validation_failed` at the registry
    # (the wire model's pattern) and `pin_format` for a local card at the desk.
    asker = await start_node("asker", registry.api_url)
    status, refused = await asker.call("POST", "/api/staff/national-patrons", _registration(31) | {"pin": "12a4"})
    assert (status, refused["code"]) == (422, "pin_format")
    # Past the client's own validation: what a node with another idea of the rule would send.
    malformed = RegisterPatron.model_validate(_registration(32)).model_copy(update={"pin": "12a4"})
    async with registry_client(registry, keys_dir, "asker") as client:
        with pytest.raises(RegistryError) as at_the_registry:
            await client.register_patron(malformed, idempotency_key="pin-format-1")
    assert (at_the_registry.value.status, at_the_registry.value.code) == (422, "pin_format")
