"""What the patron can do on the insight site, on top of the same domain functions the libraries use.

Every view, export and reveal is itself an audited access, so the patron's own visits show in their log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from plumbing.db.types import DbConnection
from registry.audit.log import AuditEntry, entries_for_patron
from registry.crypto.envelope import decrypt_field
from registry.oidc.clients import ServiceUse, services_used, withdraw_consent
from registry.patrons import store
from registry.patrons.authentication import authenticate
from registry.patrons.core import Caller, RegistryCore
from registry.patrons.erasure import file_erasure_request
from registry_contract.models import CardAuthentication, ErasureRequestReceipt, PatronRecord
from registry_contract.national_id import NationalId
from registry_contract.refusals import patron_not_found

PATRON_SELF = Caller(actor="patron")


@dataclass(frozen=True)
class PendingRequest:
    request_id: uuid.UUID
    kind: str
    filed_at: dt.datetime


@dataclass(frozen=True)
class InsightData:
    record: PatronRecord
    national_id_shown: str
    accesses: list[AuditEntry]
    pending_requests: list[PendingRequest]
    services: list[ServiceUse]
    """The library services the patron logs in to with the card (``registry.oidc``)."""


def _bounded_pin(pin: str) -> str:
    # A PIN longer than the wire model allows is still a (malformed) attempt and must count like one, not
    # slip past the counter as a validation error: any 16 characters of it are just as wrong.
    return pin[:16]


async def log_in(core: RegistryCore, card_number: str, pin: str, *, purpose: str = "insight login") -> uuid.UUID:
    """Card number + PIN, through the same check as the libraries' doors, counted at the online door (the
    insight site's login, and the library-service login of ``registry.oidc``, named by ``purpose``)."""
    record = await authenticate(
        core, PATRON_SELF, CardAuthentication(card_number=card_number, pin=_bounded_pin(pin)), purpose
    )
    return record.patron_id


async def confirm_pin(core: RegistryCore, patron_id: uuid.UUID, pin: str) -> None:
    """Ask for the PIN again before something as sensitive as the full national ID (a session left open on a
    shared computer is not enough). Counted like any login attempt; raises the same refusals."""
    async with core.pool.acquire() as connection:
        row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id)
    if row is None:
        raise patron_not_found()
    card_number = store.decrypt_record(core.keyring, row).card_number
    credentials = CardAuthentication(card_number=card_number, pin=_bounded_pin(pin))
    await authenticate(core, PATRON_SELF, credentials, "insight reveal of the national ID")


async def _national_id(core: RegistryCore, connection: DbConnection, patron_id: uuid.UUID) -> NationalId:
    row = await store.national_id_row(connection, patron_id)
    if row is None:
        raise patron_not_found()
    data_key = store.data_key_of(core.keyring, row)
    return NationalId(decrypt_field(data_key, patron_id, "national_id", bytes(row["national_id_ciphertext"])))


async def _pending(connection: DbConnection, patron_id: uuid.UUID) -> list[PendingRequest]:
    rows = await store.pending_erasure_requests(connection, patron_id)
    return [PendingRequest(row["request_id"], row["kind"], row["filed_at"]) for row in rows]


async def view(core: RegistryCore, patron_id: uuid.UUID, *, reveal: bool) -> InsightData:
    async def work(connection: DbConnection) -> InsightData:
        row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id)
        if row is None:
            raise patron_not_found()
        national_id = await _national_id(core, connection, patron_id)
        operation = "insight_reveal" if reveal else "insight_view"
        await core.audit(connection, PATRON_SELF, operation, "the patron's right of access", patron_id)
        return InsightData(
            record=store.decrypt_record(core.keyring, row),
            national_id_shown=national_id.digits if reveal else national_id.masked(),
            accesses=await entries_for_patron(connection, patron_id),
            pending_requests=await _pending(connection, patron_id),
            services=await services_used(connection, patron_id),
        )

    return await core.in_transaction(work)


async def export(core: RegistryCore, patron_id: uuid.UUID) -> dict[str, Any]:
    """Everything about the patron as one JSON document (their copy, so the national ID is in full)."""

    async def work(connection: DbConnection) -> dict[str, Any]:
        row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id)
        if row is None:
            raise patron_not_found()
        national_id = await _national_id(core, connection, patron_id)
        await core.audit(connection, PATRON_SELF, "insight_export", "the patron's right of access", patron_id)
        record = store.decrypt_record(core.keyring, row)
        return {
            "exported_at": dt.datetime.now(dt.UTC).isoformat(),
            "record": {**record.model_dump(mode="json"), "national_id": national_id.digits},
            "accesses": [
                {
                    "at": entry.occurred_at.isoformat(),
                    "by": entry.library_id or entry.actor,
                    "operation": entry.operation,
                    "purpose": entry.purpose,
                }
                for entry in await entries_for_patron(connection, patron_id)
            ],
            "pending_requests": [
                {"request_id": str(request.request_id), "kind": request.kind, "filed_at": request.filed_at.isoformat()}
                for request in await _pending(connection, patron_id)
            ],
            "services": [
                {
                    "service": use.client_id,
                    "name": use.names["en"],
                    "claims": list(use.claims),
                    "agreed_at": use.agreed_at.isoformat(),
                    "logins": use.logins,
                    "last_login_at": use.last_login_at.isoformat() if use.last_login_at else None,
                }
                for use in await services_used(connection, patron_id)
            ],
        }

    return await core.in_transaction(work)


async def request_deletion(core: RegistryCore, patron_id: uuid.UUID) -> ErasureRequestReceipt:
    return await file_erasure_request(core, PATRON_SELF, patron_id, "deletion", "the patron's request")


async def withdraw_service(core: RegistryCore, patron_id: uuid.UUID, client_id: str) -> None:
    """The patron withdraws a library service's access: its tokens end, the next login asks for consent again."""

    async def work(connection: DbConnection) -> None:
        if await withdraw_consent(connection, patron_id, client_id):
            await core.audit(
                connection, PATRON_SELF, "service_consent_withdrawn", f"the patron withdrew {client_id}", patron_id
            )

    await core.in_transaction(work)
