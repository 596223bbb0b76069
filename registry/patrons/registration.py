"""Registering a national patron: one record per national ID, linked to the registering library.

A node resending a registration after a lost answer (same idempotency key, same body) gets the record made
the first time, without new Argon2 work and without writing anything.
"""

from __future__ import annotations

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry.crypto.envelope import blind_index
from registry.feed.store import record_change
from registry.patrons import idempotency, store
from registry.patrons.core import Caller, RegistryCore, home_library_not_linked, record_for
from registry_contract.models import PatronRecord, RegisterPatron
from registry_contract.national_id import birth_date_and_gender, parse_national_id
from registry_contract.pins import refuse_unfit_pin


async def register_patron(
    core: RegistryCore,
    caller: Caller,
    request: RegisterPatron,
    *,
    idempotency_key: str | None,
    raw_body: bytes,
    purpose: str,
) -> tuple[PatronRecord, bool]:
    """Register a national patron linked to the calling library; returns (record, created now)."""
    assert caller.library_id is not None
    library_id = caller.library_id
    key = idempotency.check_key(idempotency_key)
    national_id = parse_national_id(request.national_id, allow_synthetic=core.allow_synthetic_national_ids)
    refuse_unfit_pin(request.pin)
    # A new patron is linked to the registering library only, so that is the only possible home library.
    if request.home_library not in (None, library_id):
        raise home_library_not_linked()
    fingerprint = idempotency.request_fingerprint(core.keyring.blind_index_key, "register", raw_body)
    # A replay (a node resending after a lost answer) is answered before any Argon2 work and writes nothing.
    async with core.pool.acquire() as connection:
        earlier = await idempotency.find_outcome(connection, library_id, key, "register", fingerprint)
        if earlier is not None and earlier.patron_id is not None:
            return await record_for(core, connection, earlier.patron_id), False
    birth_date, gender = birth_date_and_gender(national_id, request.birth_date, request.gender)
    pin_hash = await core.pin_hasher.hash_pin(request.pin)
    fields = store.PersonalFields(
        national_id=national_id.digits,
        birth_date=birth_date,
        gender=gender,
        name=request.name,
        addresses=request.addresses,
        phone_numbers=request.phone_numbers,
        email=request.email,
        preferred_contact=request.preferred_contact,
    )
    index = blind_index(core.keyring, national_id.digits)

    async def work(connection: DbConnection) -> tuple[PatronRecord, bool]:
        earlier = await idempotency.find_outcome(connection, library_id, key, "register", fingerprint)
        if earlier is not None and earlier.patron_id is not None:
            return await record_for(core, connection, earlier.patron_id), False
        row = store.build_patron_row(
            core.keyring,
            national_id_index=index,
            card_serial=await store.next_card_serial(connection),
            fields=fields,
            home_library=request.home_library or library_id,
            pin_hash=pin_hash,
        )
        if not await store.insert_patron_unless_registered(connection, row):
            # A concurrent retry with the same key may have won the race; it has committed by now.
            earlier = await idempotency.find_outcome(connection, library_id, key, "register", fingerprint)
            if earlier is not None and earlier.patron_id is not None:
                return await record_for(core, connection, earlier.patron_id), False
            raise DomainError(
                ErrorKind.CONFLICT,
                "national_id_already_registered",
                "this national ID already has a national card; look it up and link it instead",
            )
        await store.link_library(connection, row.patron_id, library_id)
        await record_change(connection, row.patron_id, "registered", [library_id], 1)
        await idempotency.store_outcome(
            connection,
            library_id=library_id,
            idempotency_key=key,
            operation="register",
            fingerprint=fingerprint,
            outcome=idempotency.StoredOutcome(row.patron_id, 201),
        )
        await core.audit(connection, caller, "register", purpose, row.patron_id)
        return await record_for(core, connection, row.patron_id), True

    return await core.in_transaction(work)
