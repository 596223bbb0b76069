"""National cards at this library: registering, upgrading a local card, opting out, corrections, erasure.

Each operation changes the local record and queues the registry write in one transaction; the outbox
delivers it (at once if the registry is reachable, later if not). The national ID and the national PIN only
pass through: they travel in the encrypted outbox payload, which is erased once the registry has answered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from local_library.circulation.fees import charge_fee
from local_library.clock import Clock
from local_library.patrons.cards import prepare_national_upgrade, refuse_minor_without_guardian
from local_library.patrons.models import Guardian, Patron
from local_library.patrons.pins import hash_new_pin
from local_library.patrons.queries import next_local_card_number, patron_by_id, retire_card, update_patron
from local_library.policy import LibraryPolicy, address_in_norway, new_card_fee, refuse_without_address_in_norway
from local_library.registry_link.cache import cached_columns
from local_library.registry_link.corrections import correction_base, send_correction
from local_library.registry_link.outbox import Deliverer, LocalUpdate, OutboxCipher, OutboxEntry, enqueue
from local_library.registry_link.registration import apply_registration
from local_library.request_model import RequestModel
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.web.sessions import end_sessions_of
from registry_contract.client import RegistryClient, RegistryError, card_and_pin
from registry_contract.field_types import Gender, NationalIdText, Pin
from registry_contract.models import (
    ContactFields,
    ContactUpdate,
    EidSignInProof,
    PatronRecord,
    PostalAddress,
    RegisterPatron,
    refuse_unreachable_contact,
)
from registry_contract.national_id import birth_date_and_gender, parse_national_id
from registry_contract.pins import PinHasher, refuse_unfit_pin


class NationalRegistration(ContactFields):
    """A new national card at the desk (the patron shows ID; the national ID passes through to the registry)."""

    national_id: NationalIdText = Field(repr=False)
    pin: Pin = Field(repr=False)
    guardian: Guardian | None = None
    birth_date: dt.date | None = Field(
        default=None, description="needed for a national ID issued under the 2032 rules, which encodes none"
    )
    gender: Gender | None = Field(default=None, description="as birth_date")
    pre_due_notice: bool = False
    """The library's own e-mail before the due date (kept here, never sent to the registry)."""


class NationalUpgrade(RequestModel):
    """Turn this library's local card into a national card."""

    national_id: NationalIdText = Field(repr=False)
    pin: Pin = Field(repr=False)
    addresses: list[PostalAddress] = Field(default_factory=list, max_length=2)


class OptOut(RequestModel):
    """Leave the central registry; the patron keeps a local card here, with a PIN of this library.

    ``national_pin`` is the patron's current national PIN: the registry erases the national record only when
    the patron is present. It travels only in the encrypted outbox payload.
    """

    pin: Pin = Field(repr=False)
    national_pin: Annotated[str, StringConstraints(max_length=16)] = Field(repr=False)


class ErasureFiling(RequestModel):
    kind: Literal["deletion", "death_notice"]


def _birth_date(national_id: str, given: dt.date | None = None, gender: Gender | None = None) -> dt.date:
    # The registry decides whether synthetic test numbers are acceptable; here only the structure matters.
    # A number issued under the 2032 rules encodes no birth date; the desk must then give it (one refusal code).
    parsed = parse_national_id(national_id, allow_synthetic=True)
    birth_date, _gender = birth_date_and_gender(parsed, given, gender)
    return birth_date


async def register_national(
    conn: DbConnection,
    cipher: OutboxCipher,
    policy: LibraryPolicy,
    clock: Clock,
    registration: NationalRegistration,
    *,
    extra_payload: dict[str, str] | None = None,
) -> Patron:
    """A local record waiting for its national card number, and the registration queued for the registry.

    ``extra_payload`` travels beside the registry's request body (an eID sign-in's id token, ``local_library.eid``).
    """
    birth_date = _birth_date(registration.national_id, registration.birth_date, registration.gender)
    refuse_unfit_pin(registration.pin)
    refuse_minor_without_guardian(policy, birth_date, clock.today(), registration.guardian)
    refuse_without_address_in_norway(policy, address_in_norway(registration.addresses))
    guardian = registration.guardian
    patron_id = await conn.fetchval(
        """
        INSERT INTO patrons (kind, name, birth_date, guardian_name, guardian_contact, email, phone, postal_address,
                             preferred_contact, pre_due_notice)
        VALUES ('national', $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING patron_id
        """,
        registration.name,
        birth_date,
        None if guardian is None else guardian.name,
        None if guardian is None else guardian.contact,
        registration.email,
        registration.phone_numbers[0] if registration.phone_numbers else None,
        None,
        registration.preferred_contact,
        registration.pre_due_notice,
    )
    register = RegisterPatron(
        national_id=registration.national_id, pin=registration.pin, name=registration.name,
        addresses=registration.addresses, phone_numbers=registration.phone_numbers, email=registration.email,
        preferred_contact=registration.preferred_contact, birth_date=registration.birth_date,
        gender=registration.gender,
    )  # fmt: skip
    payload = {**register.model_dump(mode="json"), **(extra_payload or {})}
    await enqueue(conn, cipher, "register", patron_id, payload)
    return await patron_by_id(conn, patron_id)


async def upgrade_to_national(
    conn: DbConnection, cipher: OutboxCipher, patron_id: uuid.UUID, upgrade: NationalUpgrade
) -> Patron:
    """Queue the registration of a local card holder; the local card is replaced once the registry answers."""
    patron = await prepare_national_upgrade(conn, patron_id)
    refuse_unfit_pin(upgrade.pin)
    if _birth_date(upgrade.national_id) != patron.birth_date:
        raise DomainError(
            ErrorKind.INVALID, "national_id_birth_date_mismatch", "the national ID does not match the date of birth"
        )
    phones = [patron.phone] if patron.phone else []
    refuse_unreachable_contact(patron.preferred_contact, upgrade.addresses, phones, patron.email)
    register = RegisterPatron(
        national_id=upgrade.national_id, pin=upgrade.pin, name=patron.name, addresses=upgrade.addresses,
        phone_numbers=phones, email=patron.email, preferred_contact=patron.preferred_contact,
    )  # fmt: skip
    await enqueue(conn, cipher, "register", patron_id, register.model_dump(mode="json"))
    return patron


async def _national(conn: DbConnection, patron_id: uuid.UUID) -> tuple[Patron, uuid.UUID]:
    patron = await patron_by_id(conn, patron_id, for_update=True)
    if patron.kind != "national" or patron.registry_patron_id is None:
        raise DomainError(
            ErrorKind.CONFLICT, "not_national_yet", "this patron has no national card (or it is still being registered)"
        )
    return patron, patron.registry_patron_id


async def opt_out(
    conn: DbConnection, cipher: OutboxCipher, hasher: PinHasher, clock: Clock, patron_id: uuid.UUID, *, request: OptOut
) -> Patron:
    """The patron leaves central storage: a local card here at once, the central record removed via the outbox."""
    patron, registry_patron_id = await _national(conn, patron_id)
    national_card = patron.card_number
    pin_hash = await hash_new_pin(hasher, request.pin)
    if national_card is not None:
        await retire_card(conn, patron_id, national_card, clock.now(), "opted_out")
    local = await update_patron(
        conn, patron_id, kind="local", registry_patron_id=None, registry_version=None,
        card_number=await next_local_card_number(conn), pin_hash=pin_hash,
    )  # fmt: skip
    # The card and national PIN are the patron's proof of presence, checked by the registry on delivery.
    proof = {"card_number": national_card, "pin": request.national_pin}
    await enqueue(conn, cipher, "opt_out", patron_id, {"registry_patron_id": str(registry_patron_id), **proof})
    return local


async def correct_contact(
    conn: DbConnection, cipher: OutboxCipher, patron_id: uuid.UUID, correction: ContactUpdate
) -> Patron:
    """Correct a national patron's contact data here and at the registry (which tells every linked library)."""
    patron, registry_patron_id = await _national(conn, patron_id)
    base = correction_base(patron, correction)
    local: dict[str, Any] = {}
    fields = correction.model_fields_set
    if "name" in fields:
        local["name"] = correction.name
    if "email" in fields:
        local["email"] = correction.email
    if "phone_numbers" in fields:
        local["phone"] = correction.phone_numbers[0] if correction.phone_numbers else None
    if "preferred_contact" in fields:
        local["preferred_contact"] = correction.preferred_contact
    if local:
        patron = await update_patron(conn, patron_id, **local)
    await enqueue(
        conn, cipher, "update_contact", patron_id,
        {"registry_patron_id": str(registry_patron_id), "base_version": await _cached_version(conn, patron_id),
         "correction": correction.model_dump(mode="json", exclude_unset=True), "base": base},
    )  # fmt: skip
    return patron


async def _cached_version(conn: DbConnection, patron_id: uuid.UUID) -> int | None:
    version: int | None = await conn.fetchval("SELECT registry_version FROM patrons WHERE patron_id = $1", patron_id)
    return version


class NationalPinChange(RequestModel):
    pin: Pin = Field(repr=False)


async def change_national_pin(
    conn: DbConnection, cipher: OutboxCipher, patron_id: uuid.UUID, change: NationalPinChange
) -> Patron:
    """A new PIN for a national card (staff have seen the patron's ID); it travels encrypted, once."""
    patron, registry_patron_id = await _national(conn, patron_id)
    refuse_unfit_pin(change.pin)
    await enqueue(
        conn, cipher, "change_pin", patron_id, {"registry_patron_id": str(registry_patron_id), "pin": change.pin}
    )
    # Whoever knew the old PIN is logged out of Min side here at once (the registry ends its insight sessions).
    await end_sessions_of(conn, patron_id)
    return patron


async def report_national_lost_card(
    conn: DbConnection, cipher: OutboxCipher, policy: LibraryPolicy, clock: Clock, patron_id: uuid.UUID
) -> Patron:
    """The registry issues the new national number; this library charges its own new-card fee."""
    patron, registry_patron_id = await _national(conn, patron_id)
    fee_ore = new_card_fee(policy, had_card_before=True)
    if fee_ore > 0:
        await charge_fee(conn, patron_id=patron_id, kind="new_card", amount_ore=fee_ore, charged_on=clock.today())
    await enqueue(
        conn, cipher, "lost_card", patron_id,
        {"registry_patron_id": str(registry_patron_id), "base_version": await _cached_version(conn, patron_id)},
    )  # fmt: skip
    return patron


async def file_erasure(conn: DbConnection, cipher: OutboxCipher, patron_id: uuid.UUID, filing: ErasureFiling) -> Patron:
    """A deletion request or death notice, passed on to the registry's administrators."""
    patron, registry_patron_id = await _national(conn, patron_id)
    operation = "deletion_request" if filing.kind == "deletion" else "death_notice"
    await enqueue(conn, cipher, operation, patron_id, {"registry_patron_id": str(registry_patron_id)})
    return patron


# What each queued operation does at the registry, and then locally.


async def _nothing_more(conn: DbConnection) -> None:
    return None


EID_TOKEN_PAYLOAD_KEY = "eid_id_token"  # noqa: S105 -- the name of a payload field, not a secret
"""A self-registration's signed id token (``local_library.eid``), beside the registry's request body."""


async def deliver_registration(client: RegistryClient, entry: OutboxEntry) -> LocalUpdate:
    body = dict(entry.payload)
    id_token = body.pop(EID_TOKEN_PAYLOAD_KEY, None)
    registration = RegisterPatron.model_validate(body)
    try:
        record = await client.register_patron(registration, idempotency_key=str(entry.idempotency_key))
    except RegistryError as error:
        if error.code != "national_id_already_registered":
            raise
        # Already a national card holder. Linked here already (a repeated registration): that record. Linked
        # elsewhere only: linking needs the patron's card and national PIN, so staff link them at the desk
        # (``/api/staff/national-patrons/link``) and this refusal tells them so.
        found = await client.lookup_by_national_id(registration.national_id, purpose="registration at the desk")
        # Linked here already (a repeated registration): the local side folds the duplicate record.
        if isinstance(found, PatronRecord):
            record = found
        elif id_token is not None:
            # Signed in with their eID: the registry verifies the id token as the holder's proof of presence.
            record = await client.link(found.patron_id, EidSignInProof(kind="eid_sign_in", id_token=id_token))
        else:
            raise
        if id_token is not None:
            # The holder proved who they are with their eID (as with ID at a desk, where staff may set a new PIN):
            # the PIN they just chose becomes their national PIN. Setting it again after a crash changes nothing.
            await client.change_pin(record.patron_id, registration.pin)

    async def apply(conn: DbConnection) -> None:
        await apply_registration(conn, entry, record)

    return apply


def _registry_id(entry: OutboxEntry) -> uuid.UUID:
    return uuid.UUID(entry.payload["registry_patron_id"])


async def deliver_correction(client: RegistryClient, entry: OutboxEntry) -> LocalUpdate:
    correction = ContactUpdate.model_validate(entry.payload["correction"])
    record = await send_correction(
        client, _registry_id(entry), correction, base_version=entry.payload["base_version"],
        base=entry.payload.get("base"),
    )  # fmt: skip

    async def apply(conn: DbConnection) -> None:
        await conn.execute(
            "UPDATE patrons SET registry_version = $2 WHERE registry_patron_id = $1 AND "
            "coalesce(registry_version, 0) < $2",
            record.patron_id,
            record.version,
        )

    return apply


async def deliver_opt_out(client: RegistryClient, entry: OutboxEntry) -> LocalUpdate:
    card_number, pin = entry.payload.get("card_number"), entry.payload.get("pin")
    # An entry queued before opt-out needed the patron's presence carries no proof: the registry refuses it.
    proof = card_and_pin(card_number, pin) if card_number and pin is not None else None
    try:
        await client.opt_out(_registry_id(entry), proof)
    except RegistryError as error:
        if error.code != "patron_not_found":  # already gone: a retry after the first attempt was applied
            raise
    return _nothing_more


async def deliver_erasure_request(client: RegistryClient, entry: OutboxEntry) -> LocalUpdate:
    kind: Literal["deletion", "death_notice"] = "deletion" if entry.operation == "deletion_request" else "death_notice"
    await client.file_erasure_request(_registry_id(entry), kind)
    return _nothing_more


async def deliver_pin_change(client: RegistryClient, entry: OutboxEntry) -> LocalUpdate:
    await client.change_pin(_registry_id(entry), entry.payload["pin"])
    return _nothing_more


async def deliver_lost_card(client: RegistryClient, entry: OutboxEntry) -> LocalUpdate:
    registry_patron_id = _registry_id(entry)
    base_version = entry.payload["base_version"]
    if base_version is None:
        base_version = (await client.get_patron(registry_patron_id)).version
    # The idempotency key makes a redelivery after a crash return the card issued the first time.
    record = await client.report_lost_card(
        registry_patron_id, version=base_version, idempotency_key=str(entry.idempotency_key)
    )

    async def apply(conn: DbConnection) -> None:
        patron = await patron_by_id(conn, entry.patron_id, for_update=True)
        if patron.card_number is not None and patron.card_number != record.card_number:
            await retire_card(conn, entry.patron_id, patron.card_number, dt.datetime.now(dt.UTC), "lost")
        await update_patron(conn, entry.patron_id, **cached_columns(record))

    return apply


DELIVERERS: dict[str, Deliverer] = {
    "register": deliver_registration,
    "update_contact": deliver_correction,
    "opt_out": deliver_opt_out,
    "deletion_request": deliver_erasure_request,
    "death_notice": deliver_erasure_request,
    "change_pin": deliver_pin_change,
    "lost_card": deliver_lost_card,
}
