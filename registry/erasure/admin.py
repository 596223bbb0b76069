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
from registry_contract.card_number import format_card_number
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
class RequestSummary:
    """One request in the administrators' list: the card it concerns (None once the record is erased)."""

    request: ErasureRequest
    card_number: str | None

    def waited(self, now: dt.datetime) -> dt.timedelta:
        """How long the request waited: until its decision, or until ``now`` while it is pending."""
        return (self.request.decided_at or now) - self.request.filed_at


@dataclass(frozen=True)
class RequestDetails:
    """What an administrator sees before deciding: whose record would be erased, and which libraries are told."""

    request: ErasureRequest
    card_number: str | None
    libraries: list[str]
    name: str | None = None
    birth_date: dt.date | None = None
    home_library: str | None = None

    @property
    def record_present(self) -> bool:
        return self.card_number is not None


REQUEST_COLUMNS = """request_id, patron_id, kind, filed_by_library, filed_via, status, filed_at, decided_at,
                     decided_by, decision_note"""
STATUSES = ("pending", "approved", "rejected")
MAX_NOTE_LENGTH = 500
REVIEW_PURPOSE = "erasure request review"


def administrator(name: str) -> Caller:
    """The caller every administrator's step is audited under, from the command line and the desk alike."""
    return Caller(actor=f"admin:{name}")


async def list_requests(core: RegistryCore, admin: Caller, status: str | None = "pending") -> list[RequestSummary]:
    """Requests with ``status`` (None: all), pending first, oldest first; the listing itself is audited."""
    if status is not None and status not in STATUSES:
        raise DomainError(ErrorKind.INVALID, "erasure_status_unknown", f"status must be one of {', '.join(STATUSES)}")

    async def work(connection: DbConnection) -> list[RequestSummary]:
        rows = await connection.fetch(
            f"""
            SELECT {", ".join("r." + column.strip() for column in REQUEST_COLUMNS.split(","))}, p.card_serial
            FROM erasure_requests r LEFT JOIN patrons p USING (patron_id)
            WHERE $1::text IS NULL OR r.status = $1
            ORDER BY r.status = 'pending' DESC, r.filed_at, r.request_id
            """,  # noqa: S608 - fixed columns
            status,
        )
        await core.audit(connection, admin, "list_erasure_requests", REVIEW_PURPOSE, None)
        return [
            RequestSummary(
                ErasureRequest(**{key: value for key, value in dict(row).items() if key != "card_serial"}),
                None if row["card_serial"] is None else format_card_number(row["card_serial"]),
            )
            for row in rows
        ]

    return await core.in_transaction(work)


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
    """One request and the record it would erase; audited as a view of that patron (or of the request, once
    the record is gone)."""

    async def work(connection: DbConnection) -> RequestDetails:
        request = await _request(connection, request_id)
        row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=request.patron_id)
        await core.audit(connection, admin, "show_erasure_request", REVIEW_PURPOSE, request.patron_id)
        if row is None:
            return RequestDetails(request, None, [])
        record = store.decrypt_record(core.keyring, row)
        return RequestDetails(
            request, record.card_number, record.libraries, name=record.name, birth_date=record.birth_date,
            home_library=record.home_library,
        )  # fmt: skip

    return await core.in_transaction(work)


def _checked_note(note: str | None) -> str | None:
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise DomainError(
            ErrorKind.INVALID, "decision_note_too_long", f"the reason may be at most {MAX_NOTE_LENGTH} characters"
        )
    return note or None


async def _decide(
    core: RegistryCore, admin: Caller, request_id: uuid.UUID, *, approve: bool, note: str | None
) -> ErasureRequest:
    note = _checked_note(note)
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
