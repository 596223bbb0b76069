"""Erasing a patron's record for real, and filing deletion requests and death notices for administrators.

What administrators do with those requests is ``registry.erasure``; this module holds the erasure itself,
which opt-out, the last unlink and an approved request all go through.
"""

from __future__ import annotations

import datetime as dt
import uuid

from plumbing.db.types import DbConnection
from registry.feed.store import record_change
from registry.patrons import store
from registry.patrons.core import Caller, RegistryCore, linked_row
from registry_contract.models import ChangeKind, ErasureRequestReceipt


async def erase_patron(
    core: RegistryCore, connection: DbConnection, caller: Caller, patron_id: uuid.UUID, *, reason: str,
    change: ChangeKind,
) -> dt.datetime:  # fmt: skip
    """Remove the record for real, inside the caller's transaction.

    The row holds the only copy of the wrapped data key, so deleting it destroys the key and with it every
    ciphertext of the patron (crypto-shredding). Linked libraries get a tombstone in their change feed, and
    the erasure ledger keeps only the UUID and the time, so the erasure can be re-applied after a restore.
    """
    libraries = await store.linked_libraries(connection, patron_id)
    await record_change(connection, patron_id, change, libraries, None)
    await store.delete_patron(connection, patron_id)
    erased_at = await store.record_erasure(connection, patron_id, reason)
    await core.audit(connection, caller, f"erase:{reason}", "erasure", patron_id)
    return erased_at


async def file_erasure_request(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, kind: str, purpose: str
) -> ErasureRequestReceipt:
    """Store a deletion request or death notice for the administrators; a pending one is not filed twice."""

    async def work(connection: DbConnection) -> ErasureRequestReceipt:
        await linked_row(connection, caller, patron_id, for_update=True)
        via = "library" if caller.library_id else "insight_page"
        row = await store.file_erasure_request(connection, patron_id, kind, library_id=caller.library_id, via=via)
        if row is None:
            row = await store.pending_erasure_request(connection, patron_id, kind)
            assert row is not None
        else:
            await core.audit(connection, caller, f"file_{kind}", purpose, patron_id)
        return ErasureRequestReceipt.model_validate(dict(row))

    return await core.in_transaction(work)
