"""Contact updates with optimistic concurrency, links, home library and unlinking the last library."""

from __future__ import annotations

import asyncio

import asyncpg

from registry_contract.client import RegistryClient, card_and_pin
from registry_contract.models import CardAndPinProof, HomeLibrary, NationalIdLookup, PatronRecord
from tests.registry.conftest import GOOD_PIN, RawApi, Register, Registered, refusal


def _present(patron: Registered) -> CardAndPinProof:
    # Issue 9: linking a library needs the patron present (card and PIN).
    return card_and_pin(patron.record.card_number, GOOD_PIN)


async def test_patch_with_if_match_bumps_the_version(asker: RegistryClient, raw: RawApi, register: Register) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}"
    answer = await raw.call("asker", "PATCH", path, json={"name": "Nytt Navn Fjellheim"}, headers={"If-Match": '"1"'})

    assert answer.status == 200
    assert answer.headers["ETag"] == '"2"'
    updated = PatronRecord.model_validate(answer.json)
    assert updated == patron.record.model_copy(update={"name": "Nytt Navn Fjellheim", "version": 2})
    assert await asker.request("GET", path, PatronRecord) == updated


async def test_patch_preconditions(asker: RegistryClient, raw: RawApi, register: Register) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}"
    missing = await raw.call("asker", "PATCH", path, json={"name": "A B"})
    stale = await raw.call("asker", "PATCH", path, json={"name": "A B"}, headers={"If-Match": '"7"'})
    garbage = await raw.call("asker", "PATCH", path, json={"name": "A B"}, headers={"If-Match": "*"})
    assert (missing.status, missing.code) == (428, "if_match_required")
    assert (stale.status, stale.code) == (412, "version_mismatch")
    assert stale.json["current_version"] == 1
    assert (garbage.status, garbage.code) == (422, "if_match_invalid")
    assert await asker.request("GET", path, PatronRecord) == patron.record


async def test_concurrent_updates_one_wins_and_nothing_is_lost(
    asker: RegistryClient, sandnes: RegistryClient, raw: RawApi, register: Register
) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}"
    linked = await sandnes.link(patron.record.patron_id, _present(patron))
    etag = {"If-Match": f'"{linked.version}"'}
    changes = {"asker": {"name": "Navn Fra Asker"}, "sandnes": {"email": "fra.sandnes@example.org"}}

    answers = await asyncio.gather(
        *(raw.call(library, "PATCH", path, json=change, headers=etag) for library, change in changes.items())
    )
    statuses = sorted((answer.status, answer.code) for answer in answers)
    assert statuses == [(200, None), (412, "version_mismatch")]
    winner, loser = ("asker", "sandnes") if answers[0].status == 200 else ("sandnes", "asker")
    after_first = await asker.request("GET", path, PatronRecord)
    assert after_first.model_dump(include=set(changes[winner])) == changes[winner]
    assert after_first.version == linked.version + 1

    # The loser reads again and reapplies its change on top of the winner's.
    fresh = await raw.call(loser, "GET", path)
    retried = await raw.call(loser, "PATCH", path, json=changes[loser], headers={"If-Match": fresh.headers["ETag"]})
    assert retried.status == 200
    final = PatronRecord.model_validate(retried.json)
    assert final.name == "Navn Fra Asker"
    assert final.email == "fra.sandnes@example.org"
    assert final.version == linked.version + 2


async def test_unreachable_contact_method_and_empty_patch_are_refused(
    asker: RegistryClient, raw: RawApi, register: Register
) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}"
    etag = {"If-Match": '"1"'}
    no_email = await raw.call("asker", "PATCH", path, json={"email": None}, headers=etag)
    empty = await raw.call("asker", "PATCH", path, json={}, headers=etag)
    no_name = await raw.call("asker", "PATCH", path, json={"name": None}, headers=etag)
    no_addresses = await raw.call("asker", "PATCH", path, json={"addresses": None}, headers=etag)
    no_phones = await raw.call("asker", "PATCH", path, json={"phone_numbers": None}, headers=etag)
    assert (no_email.status, no_email.code) == (422, "contact_method_unreachable")
    for answer in (empty, no_name, no_addresses, no_phones):
        assert (answer.status, answer.code) == (422, "validation_failed")
    assert await asker.request("GET", path, PatronRecord) == patron.record

    # Switching to letters and dropping the e-mail in one request is fine.
    switched = await raw.call("asker", "PATCH", path, json={"email": None, "preferred_contact": "letter"}, headers=etag)
    assert switched.status == 200
    assert (switched.json["email"], switched.json["preferred_contact"]) == (None, "letter")


async def test_home_library_must_be_linked(asker: RegistryClient, oslo: RegistryClient, register: Register) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}"
    refused = await refusal(
        asker.request("PUT", f"{path}/home-library", PatronRecord, body=HomeLibrary(library_id="oslo"))
    )
    assert refused == (422, "home_library_not_linked")

    linked = await oslo.link(patron.record.patron_id, _present(patron))
    assert linked.libraries == ["asker", "oslo"]
    moved = await asker.request("PUT", f"{path}/home-library", PatronRecord, body=HomeLibrary(library_id="oslo"))
    assert (moved.home_library, moved.version) == ("oslo", linked.version + 1)


async def test_unlinking_moves_the_home_library_and_the_last_unlink_erases(
    asker: RegistryClient, oslo: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    patron_id = patron.record.patron_id
    path = f"/v1/patrons/{patron_id}"
    await oslo.link(patron.record.patron_id, _present(patron))

    first = await raw.call("asker", "DELETE", f"{path}/link")
    assert first.status == 200
    assert (first.json["libraries"], first.json["home_library"]) == (["oslo"], "oslo")
    assert await refusal(asker.request("GET", path, PatronRecord)) == (404, "patron_not_found")

    # Issue 9: the last unlink erases the record, so the patron must be present (card and PIN).
    proof = _present(patron).model_dump()
    last = await raw.call("oslo", "DELETE", f"{path}/link", json={"proof": proof})
    assert (last.status, last.text) == (204, "")
    lookup = NationalIdLookup(national_id=patron.national_id)
    assert await refusal(oslo.request("POST", "/v1/patrons/lookup", PatronRecord, body=lookup)) == (
        404,
        "patron_not_found",
    )
    by_card = await refusal(oslo.request("GET", f"/v1/patrons/by-card/{patron.record.card_number}", PatronRecord))
    assert by_card == (404, "patron_not_found")
    assert (
        await db.fetchval("SELECT reason FROM erasure_ledger WHERE patron_id = $1", patron_id)
        == "last_library_unlinked"
    )
    for table in ("patrons", "patron_libraries", "replaced_cards"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0  # noqa: S608 - fixed table names
