"""A lost card: a new card number at once; the old number is refused as replaced from then on."""

from __future__ import annotations

import uuid

from plumbing.db.types import DbConnection
from registry.feed.store import record_change
from registry.patrons import idempotency, store
from registry.patrons.core import Caller, RegistryCore, check_version, linked_row, record_for
from registry_contract.models import PatronRecord


async def report_lost_card(
    core: RegistryCore,
    caller: Caller,
    patron_id: uuid.UUID,
    *,
    expected_version: int,
    purpose: str,
    idempotency_key: str | None = None,
) -> PatronRecord:
    """Issue a new card number; the old one stops working at once.

    Needs the version the library saw, so two desks cannot both replace the card. With an idempotency key, a
    retry of a request that was applied (its answer lost) returns the card issued then instead of a refusal.
    """
    # The key and the patron identify the request: a retry may carry a newer If-Match than the first attempt.
    operation = f"lost_card:{patron_id}"
    fingerprint = idempotency.request_fingerprint(core.keyring.blind_index_key, operation, b"")

    async def work(connection: DbConnection) -> PatronRecord:
        row = await linked_row(connection, caller, patron_id)
        if idempotency_key is not None and caller.library_id is not None:
            earlier = await idempotency.find_outcome(
                connection, caller.library_id, idempotency.check_key(idempotency_key), operation, fingerprint
            )
            if earlier is not None:
                return store.decrypt_record(core.keyring, row)
            await idempotency.store_outcome(
                connection, library_id=caller.library_id, idempotency_key=idempotency_key, operation=operation,
                fingerprint=fingerprint, outcome=idempotency.StoredOutcome(patron_id, 200),
            )  # fmt: skip
        check_version(row, expected_version)
        await store.replace_card(connection, patron_id, row["card_serial"])
        await record_change(connection, patron_id, "card_replaced", row["libraries"], row["version"] + 1)
        await core.audit(connection, caller, "report_lost_card", purpose, patron_id)
        return await record_for(core, connection, patron_id)

    return await core.in_transaction(work)
