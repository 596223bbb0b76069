"""Opting out removes the central record at once; deletion requests and death notices are filed once."""

from __future__ import annotations

import asyncpg

from registry_contract.client import RegistryClient, card_and_pin
from registry_contract.models import (
    ErasureRequestFiling,
    ErasureRequestReceipt,
    NationalIdLookup,
    PatronRecord,
)
from tests.registry.conftest import GOOD_PIN, RawApi, Register, refusal


async def test_opt_out_erases_the_record(
    asker: RegistryClient, sandnes: RegistryClient, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    patron_id = patron.record.patron_id
    # Only a linked library may opt the patron out.
    present = card_and_pin(patron.record.card_number, GOOD_PIN)
    assert await refusal(sandnes.opt_out(patron_id, present)) == (404, "patron_not_found")
    # The patron is present (issue 9: an opt-out needs the card and PIN).
    receipt = await asker.opt_out(patron_id, present)

    assert receipt.patron_id == patron_id
    lookup = NationalIdLookup(national_id=patron.national_id)
    assert await refusal(asker.request("POST", "/v1/patrons/lookup", PatronRecord, body=lookup)) == (
        404,
        "patron_not_found",
    )
    by_card = await refusal(asker.request("GET", f"/v1/patrons/by-card/{patron.record.card_number}", PatronRecord))
    assert by_card == (404, "patron_not_found")
    ledger = await db.fetchrow("SELECT reason, erased_at FROM erasure_ledger WHERE patron_id = $1", patron_id)
    assert ledger is not None
    assert (ledger["reason"], ledger["erased_at"]) == ("opted_out", receipt.erased_at)
    assert await db.fetchval("SELECT count(*) FROM patrons") == 0
    # The national ID is free again: the patron may later change their mind.
    again = await register(asker, national_id=patron.national_id)
    assert again.record.patron_id != patron_id


async def test_erasure_requests_are_filed_once_while_pending(
    asker: RegistryClient, register: Register, db: asyncpg.Connection
) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}/erasure-requests"
    receipts: dict[str, ErasureRequestReceipt] = {}
    for kind in ("deletion", "death_notice"):
        filing = ErasureRequestFiling(kind=kind)
        first = await asker.request("POST", path, ErasureRequestReceipt, body=filing)
        second = await asker.request("POST", path, ErasureRequestReceipt, body=filing)
        assert (first.kind, first.status, first.patron_id) == (kind, "pending", patron.record.patron_id)
        assert second == first
        receipts[kind] = first
    assert receipts["deletion"].request_id != receipts["death_notice"].request_id
    assert await db.fetchval("SELECT count(*) FROM erasure_requests") == 2
    # Filed, not executed: the record stays until an administrator decides.
    assert (await asker.request("GET", f"/v1/patrons/{patron.record.patron_id}", PatronRecord)).patron_id == (
        patron.record.patron_id
    )


async def test_erasure_request_answers_202_accepted(asker: RegistryClient, raw: RawApi, register: Register) -> None:
    patron = await register(asker)
    path = f"/v1/patrons/{patron.record.patron_id}/erasure-requests"
    first = await raw.call("asker", "POST", path, json={"kind": "deletion"})
    again = await raw.call("asker", "POST", path, json={"kind": "deletion"})
    unknown_kind = await raw.call("asker", "POST", path, json={"kind": "everything"})
    assert (first.status, again.status) == (202, 202)
    assert again.json["request_id"] == first.json["request_id"]
    assert (unknown_kind.status, unknown_kind.code) == (422, "validation_failed")
