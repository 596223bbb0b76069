"""Every read and write of a patron record is audited in an append-only, hash-chained log."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from registry.audit.log import AuditEvent, record, record_sealed_many, seal_all, seal_pending, verify_chain
from registry.crypto.keyring import KeyRing
from registry_contract.client import RegistryClient, card_and_pin
from registry_contract.models import CardAuthentication, PatronRecord
from tests.registry.conftest import GOOD_PIN, RawApi, Register, refusal


async def _entries(
    db: asyncpg.Connection, keyring: KeyRing, after: int = 0
) -> list[tuple[str | None, str, uuid.UUID | None]]:
    await seal_all(db, keyring.audit_key)
    rows = await db.fetch(
        "SELECT library_id, operation, patron_id FROM audit_log WHERE sequence_number > $1 ORDER BY sequence_number",
        after,
    )
    return [(row["library_id"], row["operation"], row["patron_id"]) for row in rows]


async def test_each_access_adds_an_audit_entry(
    *,
    asker: RegistryClient, sandnes: RegistryClient, raw: RawApi, register: Register, db: asyncpg.Connection,
    keyring: KeyRing,
) -> None:  # fmt: skip
    patron = await register(asker)
    patron_id = patron.record.patron_id
    path = f"/v1/patrons/{patron_id}"
    await asker.request("GET", path, PatronRecord, headers={"Natreg-Purpose": "desk: patron asked"})
    await sandnes.lookup_by_national_id(patron.national_id)
    await sandnes.lookup_by_card(patron.record.card_number)
    # Issue 9: the link needs the patron present; the card and PIN are checked (audited) first.
    await sandnes.link(patron_id, card_and_pin(patron.record.card_number, GOOD_PIN))
    await raw.call("sandnes", "PATCH", path, json={"name": "Q R"}, headers={"If-Match": '"2"'})
    await asker.request(
        "POST", "/v1/patrons/authenticate", PatronRecord,
        body=CardAuthentication(card_number=patron.record.card_number, pin=GOOD_PIN),
    )  # fmt: skip

    assert await _entries(db, keyring) == [
        ("asker", "register", patron_id),
        ("asker", "read", patron_id),
        ("sandnes", "lookup_by_national_id", patron_id),
        ("sandnes", "lookup_by_card", patron_id),
        ("sandnes", "authenticate", patron_id),
        ("sandnes", "link", patron_id),
        ("sandnes", "update_contact", patron_id),
        ("asker", "authenticate", patron_id),
    ]
    purposes = [row["purpose"] for row in await db.fetch("SELECT purpose FROM audit_log ORDER BY sequence_number")]
    assert purposes[1] == "desk: patron asked"
    actors = {row["actor"] for row in await db.fetch("SELECT actor FROM audit_log")}
    assert actors == {"library:asker", "library:sandnes"}

    dump = "\n".join(str(dict(row)) for row in await db.fetch("SELECT * FROM audit_log"))
    assert patron.national_id not in dump
    assert GOOD_PIN not in "".join(
        row["purpose"] + row["operation"] for row in await db.fetch("SELECT * FROM audit_log")
    )

    verdict = await verify_chain(db, keyring.audit_key)
    assert (verdict.intact, verdict.entries_checked) == (True, 8)


async def test_a_refused_access_writes_no_entry_for_a_patron_it_did_not_reach(
    sandnes: RegistryClient, asker: RegistryClient, register: Register, db: asyncpg.Connection, keyring: KeyRing
) -> None:
    patron = await register(asker)
    await seal_all(db, keyring.audit_key)
    before = await db.fetchval("SELECT max(sequence_number) FROM audit_log")
    refused = await refusal(sandnes.request("GET", f"/v1/patrons/{patron.record.patron_id}", PatronRecord))
    assert refused == (404, "patron_not_found")
    assert await _entries(db, keyring, before) == []


async def test_tampering_with_one_entry_is_detected_at_that_entry(
    asker: RegistryClient, register: Register, db: asyncpg.Connection, keyring: KeyRing
) -> None:
    patron = await register(asker)
    for _ in range(4):
        await asker.request("GET", f"/v1/patrons/{patron.record.patron_id}", PatronRecord)
    await seal_all(db, keyring.audit_key)
    assert (await verify_chain(db, keyring.audit_key)).entries_checked == 5

    # Only a superuser who switches the trigger off can edit the log at all; the chain still shows it.
    await db.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
    await db.execute("UPDATE audit_log SET purpose = 'nothing to see' WHERE sequence_number = 3")
    await db.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")

    verdict = await verify_chain(db, keyring.audit_key)
    assert (verdict.intact, verdict.first_broken_sequence_number, verdict.entries_checked) == (False, 3, 2)
    assert verdict.problem == "its contents do not match its hash"


async def test_a_deleted_entry_is_detected(
    asker: RegistryClient, register: Register, db: asyncpg.Connection, keyring: KeyRing
) -> None:
    patron = await register(asker)
    for _ in range(3):
        await asker.request("GET", f"/v1/patrons/{patron.record.patron_id}", PatronRecord)
    await seal_all(db, keyring.audit_key)
    await db.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
    await db.execute("DELETE FROM audit_log WHERE sequence_number = 2")
    await db.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
    verdict = await verify_chain(db, keyring.audit_key)
    assert (verdict.first_broken_sequence_number, verdict.problem) == (2, "entry 2 is missing")


async def test_the_log_refuses_update_delete_and_truncate(
    asker: RegistryClient, register: Register, db: asyncpg.Connection, keyring: KeyRing
) -> None:
    await register(asker)
    await asker.whoami()
    await register(asker)
    # One entry sealed into the chain, one still pending: neither can be changed or removed.
    await seal_pending(db, keyring.audit_key, batch_size=1)
    for table in ("audit_log", "audit_pending"):
        statements = [f"UPDATE {table} SET purpose = 'x'", f"DELETE FROM {table}", f"TRUNCATE {table}"]  # noqa: S608
        for statement in statements:
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await db.execute(statement)
    assert await db.fetchval("SELECT count(*) FROM audit_log") == 1
    assert await db.fetchval("SELECT count(*) FROM audit_pending") == 1


async def test_parallel_accesses_are_chained_in_commit_order(
    asker: RegistryClient, register: Register, db: asyncpg.Connection, keyring: KeyRing, registry_database_url: str
) -> None:
    patron = await register(asker)
    await seal_all(db, keyring.audit_key)
    holder = await asyncpg.connect(registry_database_url)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await record(holder, AuditEvent(actor="test", operation="held_open", purpose="ordering"))
        path = f"/v1/patrons/{patron.record.patron_id}"
        await asyncio.gather(*(asker.request("GET", path, PatronRecord) for _ in range(10)))
        # The ten reads committed, but an entry of a transaction still open sorts before them: none is sealed.
        await seal_all(db, keyring.audit_key)
        assert await db.fetchval("SELECT count(*) FROM audit_log WHERE operation = 'read'") == 0
        await transaction.commit()
    finally:
        await holder.close()
    await seal_all(db, keyring.audit_key)
    rows = await db.fetch("SELECT operation FROM audit_log ORDER BY sequence_number")
    operations = [row["operation"] for row in rows]
    assert operations == ["register", "held_open", *["read"] * 10]
    assert (await verify_chain(db, keyring.audit_key)).intact
    assert await db.fetchval("SELECT count(*) FROM audit_pending") == 0


async def test_entries_recorded_straight_into_the_chain_follow_those_committed_before_and_roll_back_whole(
    db: asyncpg.Connection, keyring: KeyRing, registry_database_url: str
) -> None:
    await seal_all(db, keyring.audit_key)
    await record(db, AuditEvent(actor="test", operation="before", purpose="ordering"))
    access = AuditEvent(actor="admin:import", operation="import", purpose="migration")
    imported = [str(uuid.uuid4()) for _ in range(3)]
    async with db.transaction():
        await record_sealed_many(db, keyring.audit_key, access, imported)
        # Sealed while this transaction holds the lock: no other sealer can move the head until it ends.
        other = await asyncpg.connect(registry_database_url)
        try:
            assert await seal_pending(other, keyring.audit_key) == 0
        finally:
            await other.close()

    async def crash_mid_batch() -> None:
        async with db.transaction():
            await record_sealed_many(db, keyring.audit_key, access, imported[:1])
            raise RuntimeError("crashed mid-batch")

    with pytest.raises(RuntimeError, match="crashed"):
        await crash_mid_batch()
    await record(db, AuditEvent(actor="test", operation="after", purpose="ordering"))
    await seal_all(db, keyring.audit_key)
    rows = await db.fetch("SELECT operation, patron_id FROM audit_log ORDER BY sequence_number")
    operations = [row["operation"] for row in rows]
    assert operations[-5:] == ["before", "import", "import", "import", "after"]
    assert [str(row["patron_id"]) for row in rows[-4:-1]] == imported
    assert (await verify_chain(db, keyring.audit_key)).intact
    assert await db.fetchval("SELECT count(*) FROM audit_pending") == 0
