"""Correcting a patron's contact fields (name, addresses, phone numbers, e-mail, preferred contact method).

Optimistic concurrency: the library sends the version it read (If-Match), so two desks cannot overwrite each
other's corrections unseen.
"""

from __future__ import annotations

import uuid

from plumbing.db.types import DbConnection
from registry.feed.store import record_change
from registry.patrons import store
from registry.patrons.core import Caller, RegistryCore, check_version, linked_row, record_for
from registry_contract.models import ContactUpdate, PatronRecord, refuse_unreachable_contact
from registry_contract.registered_address import refuse_changing_registered_address


async def update_contact(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, update: ContactUpdate, *, expected_version: int,
    purpose: str,
) -> PatronRecord:  # fmt: skip
    """Change contact fields if the caller saw the current version (optimistic concurrency)."""

    async def work(connection: DbConnection) -> PatronRecord:
        row = await linked_row(connection, caller, patron_id)
        check_version(row, expected_version)
        current = store.decrypt_record(core.keyring, row)
        changed = {field: getattr(update, field) for field in update.model_fields_set}
        if "addresses" in changed:
            refuse_changing_registered_address(current.address_source, current.addresses, changed["addresses"])
        merged = current.model_copy(update=changed)
        refuse_unreachable_contact(merged.preferred_contact, merged.addresses, merged.phone_numbers, merged.email)
        values = {column: getattr(merged, column) for column in changed}
        await store.update_encrypted_fields(connection, core.keyring, row, values)
        await record_change(connection, patron_id, "updated", row["libraries"], row["version"] + 1)
        await core.audit(connection, caller, "update_contact", purpose, patron_id)
        return await record_for(core, connection, patron_id)

    return await core.in_transaction(work)
