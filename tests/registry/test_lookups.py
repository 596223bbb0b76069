"""Finding patrons: by national ID (in the body) from any library, by card, and lost cards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import asyncpg

from registry_contract.card_number import format_card_number
from registry_contract.client import RegistryClient, card_and_pin
from registry_contract.models import NationalIdLookup, PatronPreview, PatronRecord
from tests.registry.conftest import GOOD_PIN, RawApi, Register, refusal


async def test_another_library_finds_a_patron_by_national_id_and_links(
    asker: RegistryClient, sandnes: RegistryClient, register: Register
) -> None:
    patron = await register(asker)
    # Not linked yet: only what recognises the patron at the desk (issue 9: no longer the whole record).
    found = await sandnes.lookup_by_national_id(patron.national_id)
    assert found == PatronPreview(
        patron_id=patron.record.patron_id, name=patron.record.name, birth_date=patron.record.birth_date
    )

    present = card_and_pin(patron.record.card_number, GOOD_PIN)
    linked = await sandnes.link(patron.record.patron_id, present)
    assert linked.libraries == ["asker", "sandnes"]
    assert linked.home_library == "asker"
    assert linked.version == 2
    # Linking twice changes nothing.
    again = await sandnes.link(patron.record.patron_id, present)
    assert again == linked
    assert await sandnes.lookup_by_national_id(patron.national_id) == linked
    assert await sandnes.request("GET", f"/v1/patrons/{patron.record.patron_id}", PatronRecord) == linked


async def test_lookup_by_card_number(asker: RegistryClient, sandnes: RegistryClient, register: Register) -> None:
    patron = await register(asker)
    assert await asker.lookup_by_card(patron.record.card_number) == patron.record
    # Issue 9: a library not linked to the patron gets a preview only.
    found = await sandnes.lookup_by_card(patron.record.card_number)
    assert found == PatronPreview(
        patron_id=patron.record.patron_id, name=patron.record.name, birth_date=patron.record.birth_date
    )


async def test_unknown_patrons_are_not_found(asker: RegistryClient, national_ids: Iterator[str]) -> None:
    by_id = await refusal(
        asker.request("POST", "/v1/patrons/lookup", PatronRecord, body=NationalIdLookup(national_id=next(national_ids)))
    )
    by_card = await refusal(
        asker.request("GET", f"/v1/patrons/by-card/{format_card_number(999_999_999)}", PatronRecord)
    )
    by_uuid = await refusal(asker.request("GET", f"/v1/patrons/{uuid.uuid4()}", PatronRecord))
    assert by_id == by_card == by_uuid == (404, "patron_not_found")


async def test_a_card_number_with_a_wrong_check_digit_is_refused(asker: RegistryClient, register: Register) -> None:
    card = (await register(asker)).record.card_number
    mistyped = card[:9] + str((int(card[9]) + 1) % 10)
    assert await refusal(asker.request("GET", f"/v1/patrons/by-card/{mistyped}", PatronRecord)) == (
        422,
        "card_number_checksum",
    )


async def test_a_library_not_linked_cannot_read_by_patron_id(
    asker: RegistryClient, sandnes: RegistryClient, register: Register
) -> None:
    patron = await register(asker)
    assert await refusal(sandnes.request("GET", f"/v1/patrons/{patron.record.patron_id}", PatronRecord)) == (
        404,
        "patron_not_found",
    )


async def test_a_lost_card_is_replaced_once_and_the_old_number_stops_working(
    asker: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}/lost-card"

    missing = await raw.call("asker", "POST", path)
    assert (missing.status, missing.code) == (428, "if_match_required")

    replaced = await raw.call("asker", "POST", path, headers={"If-Match": '"1"'})
    assert replaced.status == 200
    assert replaced.headers["ETag"] == '"2"'
    new_card = replaced.json["card_number"]
    assert new_card != patron.record.card_number
    assert replaced.json["version"] == 2

    # A retry of the same report (stale version) must not issue a third card.
    retry = await raw.call("asker", "POST", path, headers={"If-Match": '"1"'})
    assert (retry.status, retry.code) == (412, "version_mismatch")
    assert retry.json["current_version"] == 2

    old = await refusal(asker.request("GET", f"/v1/patrons/by-card/{patron.record.card_number}", PatronRecord))
    assert old == (410, "card_replaced")
    assert (await asker.request("GET", f"/v1/patrons/by-card/{new_card}", PatronRecord)).card_number == new_card
    assert await db.fetchval("SELECT count(*) FROM replaced_cards") == 1
