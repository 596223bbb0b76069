"""What registry administrators do with deletion requests and death notices.

Death notices need approval just like deletion requests: erasure cannot be undone, and a notice filed
by mistake (or with the wrong patron) must not wipe a living person's card. Both wait in one queue, and
every step is audited under the administrator's name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry.patrons import store
from registry.patrons.core import Caller, RegistryCore
from registry.patrons.erasure import erase_patron
from registry_contract.models import ChangeKind

# The tombstone each erasure reason sends to the linked libraries.
TOMBSTONE_BY_REASON: dict[str, ChangeKind] = {
    "deletion": "deleted",
    "death_notice": "deceased",
    "opted_out": "opted_out",
    "last_library_unlinked": "deleted",
}


@dataclass(frozen=True)
class ErasureRequest:
    request_id: uuid.UUID
    patron_id: uuid.UUID
    kind: str
    filed_by_library: str | None
    filed_via: str
    status: str
    filed_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_note: str | None


@dataclass(frozen=True)
class RequestDetails:
    request: ErasureRequest
    card_number: str | None
    libraries: list[str]


REQUEST_COLUMNS = """request_id, patron_id, kind, filed_by_library, filed_via, status, filed_at, decided_at,
                     decided_by, decision_note"""


def administrator(name: str) -> Caller:
    return Caller(actor=f"admin:{name}")


async def list_requests(connection: DbConnection, status: str | None = "pending") -> list[ErasureRequest]:
    rows = await connection.fetch(
        f"SELECT {REQUEST_COLUMNS} FROM erasure_requests WHERE $1::text IS NULL OR status = $1 ORDER BY filed_at",  # noqa: S608
        status,
    )
    return [ErasureRequest(**dict(row)) for row in rows]


async def _request(connection: DbConnection, request_id: uuid.UUID, *, for_update: bool = False) -> ErasureRequest:
    row = await connection.fetchrow(
        f"SELECT {REQUEST_COLUMNS} FROM erasure_requests WHERE request_id = $1"  # noqa: S608 - fixed columns
        + (" FOR UPDATE" if for_update else ""),
        request_id,
    )
    if row is None:
        raise DomainError(ErrorKind.NOT_FOUND, "erasure_request_not_found", "no such request")
    return ErasureRequest(**dict(row))


async def show_request(core: RegistryCore, admin: Caller, request_id: uuid.UUID) -> RequestDetails:
    async def work(connection: DbConnection) -> RequestDetails:
        request = await _request(connection, request_id)
        row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=request.patron_id)
        if row is None:
            return RequestDetails(request, None, [])
        await core.audit(connection, admin, "show_erasure_request", "erasure request review", request.patron_id)
        record = store.decrypt_record(core.keyring, row)
        return RequestDetails(request, record.card_number, record.libraries)

    return await core.in_transaction(work)


async def _decide(
    core: RegistryCore, admin: Caller, request_id: uuid.UUID, *, approve: bool, note: str | None
) -> ErasureRequest:
    already_gone: list[bool] = []

    async def work(connection: DbConnection) -> ErasureRequest:
        request = await _request(connection, request_id, for_update=True)
        if request.status != "pending":
            raise DomainError(ErrorKind.CONFLICT, "erasure_request_decided", f"the request is already {request.status}")
        status = "approved" if approve else "rejected"
        await connection.execute(
            """
            UPDATE erasure_requests SET status = $2, decided_at = now(), decided_by = $3, decision_note = $4
            WHERE request_id = $1
            """,
            request_id,
            status,
            admin.actor,
            note,
        )
        await core.audit(connection, admin, f"{status}_{request.kind}", note or request.kind, request.patron_id)
        present = await store.fetch_patron_row(connection, where=store.BY_ID, argument=request.patron_id)
        if present is None:
            already_gone.append(True)
        if approve and present is not None:
            await erase_patron(
                core,
                connection,
                admin,
                request.patron_id,
                reason=request.kind,
                change=TOMBSTONE_BY_REASON[request.kind],
            )
            # Other pending requests for the same patron are moot once the record is gone.
            await connection.execute(
                """
                UPDATE erasure_requests SET status = 'approved', decided_at = now(), decided_by = $2,
                       decision_note = 'erased with request ' || $3
                WHERE patron_id = $1 AND status = 'pending'
                """,
                request.patron_id,
                admin.actor,
                str(request_id),
            )
        return await _request(connection, request_id)

    decided = await core.in_transaction(work)
    if approve and decided.decided_at is not None and not already_gone:
        await core.remember_erasure(decided.patron_id, decided.kind, decided.decided_at)
    return decided


async def approve_request(
    core: RegistryCore, admin: Caller, request_id: uuid.UUID, note: str | None = None
) -> ErasureRequest:
    """Erase for real: the data key goes with the row, linked libraries get a tombstone, the ledger keeps the UUID."""
    return await _decide(core, admin, request_id, approve=True, note=note)


async def reject_request(
    core: RegistryCore, admin: Caller, request_id: uuid.UUID, note: str | None = None
) -> ErasureRequest:
    return await _decide(core, admin, request_id, approve=False, note=note)


async def reapply_erasures(core: RegistryCore, admin: Caller) -> list[uuid.UUID]:
    """After a restore from backup: erase again every patron in the ledger that the backup brought back.

    The ledger itself must survive the restore: keep it (it holds only UUIDs and times) in the newest backup
    or export it before restoring; a ledger restored from the same old backup knows nothing newer.
    """
    async with core.pool.acquire() as connection:
        if core.ledger_file is not None:
            # A restored database forgets erasures made after its backup; the file remembers them.
            await connection.executemany(
                "INSERT INTO erasure_ledger (patron_id, reason, erased_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                [(line.patron_id, line.reason, line.erased_at) for line in core.ledger_file.read()],
            )
        resurrected = [
            row["patron_id"]
            for row in await connection.fetch(
                "SELECT l.patron_id FROM erasure_ledger l JOIN patrons p USING (patron_id) ORDER BY l.erased_at"
            )
        ]
    for patron_id in resurrected:

        async def work(connection: DbConnection, patron_id: uuid.UUID = patron_id) -> None:
            reason = await connection.fetchval("SELECT reason FROM erasure_ledger WHERE patron_id = $1", patron_id)
            change = TOMBSTONE_BY_REASON[reason]
            await erase_patron(core, connection, admin, patron_id, reason=reason, change=change)

        await core.in_transaction(work)
    return resurrected
