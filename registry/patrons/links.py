"""Which libraries a patron is associated with: link, unlink, home library — and opting out of them all.

Linking a library, unlinking the last one (which erases the record) and opting out need the patron present:
their card number and PIN, checked with the same lockout as at every door, or a sign-in with their national
eID that the registry verifies itself (``eid_presence``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from plumbing.db.types import DbConnection
from registry.feed.store import record_change
from registry.patrons import store
from registry.patrons.authentication import authenticate
from registry.patrons.core import (
    Caller,
    RegistryCore,
    home_library_not_linked,
    linked_row,
    linked_row_exists,
    record_for,
)
from registry.patrons.eid_presence import confirm_eid_presence, patron_presence_required
from registry.patrons.erasure import erase_patron
from registry_contract.models import CardAuthentication, EidSignInProof, OptOutReceipt, PatronPresence, PatronRecord
from registry_contract.refusals import patron_not_found


async def confirm_presence(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, presence: PatronPresence, purpose: str
) -> str:
    """Check that the patron is at the desk; return the kind of proof, for the audit entry of the act.

    A card number and PIN go through ``authenticate``, so a wrong PIN counts towards the same lockout as at
    every other door, and is refused with the same codes.
    """
    proof = presence.proof
    if proof is None:
        raise patron_presence_required()
    if isinstance(proof, EidSignInProof):
        await confirm_eid_presence(core, caller, patron_id, proof)
        return proof.kind
    credentials = CardAuthentication(card_number=proof.card_number, pin=proof.pin)
    record = await authenticate(core, caller, credentials, f"{purpose} (proof of presence)")
    if record.patron_id != patron_id:
        raise patron_presence_required("the card and PIN given belong to another patron")
    return proof.kind


def _with_proof(purpose: str, proof_kind: str) -> str:
    return f"{purpose} (proof: {proof_kind})"


async def link_calling_library(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, presence: PatronPresence, purpose: str
) -> PatronRecord:
    """Associate the calling library with the patron (found by national ID or card first), who is present."""
    assert caller.library_id is not None
    library_id = caller.library_id
    purpose = _with_proof(purpose, await confirm_presence(core, caller, patron_id, presence, purpose))

    async def work(connection: DbConnection) -> PatronRecord:
        row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id, for_update=True)
        if row is None:
            raise patron_not_found()
        if await store.link_library(connection, patron_id, library_id):
            version = await store.bump_version(connection, patron_id)
            if row["home_library"] is None:
                await store.set_home_library(connection, patron_id, library_id)
            await record_change(connection, patron_id, "linked", [*row["libraries"], library_id], version)
            await core.audit(connection, caller, "link", purpose, patron_id)
        return await record_for(core, connection, patron_id)

    return await core.in_transaction(work)


async def unlink_calling_library(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, presence: PatronPresence, purpose: str
) -> PatronRecord | None:
    """Remove the calling library's association; the record is erased when its last library goes.

    That erasure needs the patron present, as an opt-out does. Returns the remaining record, or None when the
    patron was erased.
    """
    assert caller.library_id is not None
    library_id = caller.library_id
    async with core.pool.acquire() as connection:
        libraries = (await linked_row(connection, caller, patron_id, for_update=False))["libraries"]
    erasing_proof = (
        await confirm_presence(core, caller, patron_id, presence, purpose) if libraries == [library_id] else None
    )
    if erasing_proof is not None:
        purpose = _with_proof(purpose, erasing_proof)

    erasures: list[dt.datetime] = []

    async def work(connection: DbConnection) -> PatronRecord | None:
        row = await linked_row(connection, caller, patron_id)
        remaining = [library for library in row["libraries"] if library != library_id]
        if not remaining and erasing_proof is None:
            # The other libraries unlinked in the meantime: this unlink would now erase the record.
            raise patron_presence_required("this is the patron's last library: unlinking erases the record")
        await store.unlink_library(connection, patron_id, library_id)
        await core.audit(connection, caller, "unlink", purpose, patron_id)
        await record_change(connection, patron_id, "unlinked", [library_id], None)
        if not remaining:
            erased_at = await erase_patron(
                core, connection, caller, patron_id, reason="last_library_unlinked", change="deleted"
            )
            erasures.append(erased_at)
            return None
        if row["home_library"] == library_id:
            await store.set_home_library(connection, patron_id, remaining[0])
        version = await store.bump_version(connection, patron_id)
        await record_change(connection, patron_id, "updated", remaining, version)
        return await record_for(core, connection, patron_id)

    record = await core.in_transaction(work)
    for erased_at in erasures:
        await core.remember_erasure(patron_id, "last_library_unlinked", erased_at)
    return record


async def set_home_library(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, home_library: str, purpose: str
) -> PatronRecord:
    async def work(connection: DbConnection) -> PatronRecord:
        row = await linked_row(connection, caller, patron_id)
        if home_library not in row["libraries"]:
            raise home_library_not_linked()
        await store.set_home_library(connection, patron_id, home_library)
        version = await store.bump_version(connection, patron_id)
        await record_change(connection, patron_id, "updated", row["libraries"], version)
        await core.audit(connection, caller, "set_home_library", purpose, patron_id)
        return await record_for(core, connection, patron_id)

    return await core.in_transaction(work)


async def opt_out(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, presence: PatronPresence, purpose: str
) -> OptOutReceipt:
    """The patron, present at the desk, refuses central storage: the record goes, every linked library is told."""
    await linked_row_exists(core, caller, patron_id)
    purpose = _with_proof(purpose, await confirm_presence(core, caller, patron_id, presence, purpose))

    async def work(connection: DbConnection) -> OptOutReceipt:
        await linked_row(connection, caller, patron_id)
        await core.audit(connection, caller, "opt_out", purpose, patron_id)
        erased_at = await erase_patron(core, connection, caller, patron_id, reason="opted_out", change="opted_out")
        return OptOutReceipt(patron_id=patron_id, erased_at=erased_at)

    receipt = await core.in_transaction(work)
    await core.remember_erasure(patron_id, "opted_out", receipt.erased_at)
    return receipt
