"""Finding a patron: by national ID, by card number, or by ID for a linked library.

A library linked to the patron sees the whole record; any other sees a preview (name and birth date) until
the patron, present, links it. Lookups of strangers count against the library's lookup limit.
"""

from __future__ import annotations

import uuid

import asyncpg

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from registry.crypto.envelope import blind_index
from registry.patrons import store
from registry.patrons.core import Caller, RegistryCore
from registry.patrons.lookup_limits import count_unlinked_lookup
from registry_contract.card_number import parse_card_number
from registry_contract.models import PatronPreview, PatronRecord
from registry_contract.national_id import parse_national_id
from registry_contract.refusals import card_replaced, patron_not_found


async def _read(
    core: RegistryCore, caller: Caller, *, where: str, arguments: tuple[object, ...], operation: str, purpose: str
) -> asyncpg.Record | None:
    """A read, answered only once its audit entry is committed: the busiest requests need no transaction of
    their own, and their entries are written together (``registry.audit.accesses``)."""
    async with core.pool.acquire() as connection:
        row = await store.fetch_patron_row_where(connection, where=where, arguments=arguments)
    if row is not None:
        await core.accesses.record(caller.access(operation, purpose, row["patron_id"]))
    return row


async def lookup_by_national_id(
    core: RegistryCore, caller: Caller, national_id_text: str, purpose: str
) -> PatronRecord | PatronPreview:
    national_id = parse_national_id(national_id_text, allow_synthetic=core.allow_synthetic_national_ids)
    index = blind_index(core.keyring, national_id.digits)
    found = await _lookup(
        core, caller, where=store.BY_NATIONAL_ID_INDEX, argument=index, operation="lookup_by_national_id",
        purpose=purpose,
    )  # fmt: skip
    if found is None:
        raise patron_not_found()
    return found


async def row_by_card(connection: DbConnection, card_number: str) -> asyncpg.Record:
    """The row of the patron holding this card now; a replaced card is refused as replaced."""
    serial = parse_card_number(card_number)
    row = await store.fetch_patron_row(connection, where=store.BY_CARD_SERIAL, argument=serial)
    if row is None:
        raise await _card_not_found(connection, serial)
    return row


async def _card_not_found(connection: DbConnection, serial: int) -> DomainError:
    if await store.is_replaced_card(connection, serial):
        return card_replaced()
    return patron_not_found()


async def lookup_by_card(
    core: RegistryCore, caller: Caller, card_number: str, purpose: str
) -> PatronRecord | PatronPreview:
    serial = parse_card_number(card_number)
    found = await _lookup(
        core, caller, where=store.BY_CARD_SERIAL, argument=serial, operation="lookup_by_card", purpose=purpose
    )
    if found is None:
        async with core.pool.acquire() as connection:
            raise await _card_not_found(connection, serial)
    return found


async def _lookup(
    core: RegistryCore, caller: Caller, *, where: str, argument: object, operation: str, purpose: str
) -> PatronRecord | PatronPreview | None:
    """A patron found by a unique key: the whole record for a linked library, a preview for any other.

    Lookups of patrons linked to the caller (every loan at the desk) take one statement and are never
    limited. Any other lookup, of a stranger or of nobody, counts against the library's lookup limit and is
    audited even when nothing is found (an entry without a patron: the searched value is never recorded).
    """
    assert caller.library_id is not None
    library_id = caller.library_id
    linked = await _read(
        core, caller, where=f"{where} AND {store.LINKED_TO_SECOND_ARGUMENT}", arguments=(argument, library_id),
        operation=operation, purpose=purpose,
    )  # fmt: skip
    if linked is not None:
        return store.decrypt_record(core.keyring, linked)

    async def unlinked(connection: DbConnection) -> asyncpg.Record | DomainError | None:
        # A refusal is returned, not raised, so the count and its audit entry commit.
        refusal = await count_unlinked_lookup(connection, library_id, core.lookup_limit)
        if refusal is not None:
            await core.audit(connection, caller, f"{operation}_refused", purpose, None)
            return refusal
        access = caller.access(operation, purpose, None)
        row = await store.read_patron_row(connection, where=where, arguments=(argument,), access=access)
        if row is None:
            await core.audit(connection, caller, operation, purpose, None)
        return row

    row = await core.in_transaction(unlinked)
    if isinstance(row, DomainError):
        raise row
    if row is None:
        return None
    # Linked a moment ago, between the two reads: the whole record is this library's to see now.
    if library_id in row["libraries"]:
        return store.decrypt_record(core.keyring, row)
    return store.decrypt_preview(core.keyring, row)


async def get_linked_patron(core: RegistryCore, caller: Caller, patron_id: uuid.UUID, purpose: str) -> PatronRecord:
    assert caller.library_id is not None
    # The library condition is part of the read, so a library that is not linked leaves no audit entry.
    row = await _read(
        core, caller, where=store.BY_ID_LINKED_TO, arguments=(patron_id, caller.library_id), operation="read",
        purpose=purpose,
    )  # fmt: skip
    if row is None:
        raise patron_not_found()
    return store.decrypt_record(core.keyring, row)
