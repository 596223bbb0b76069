"""Creating and changing local and institution cards: sign-up rules, PIN changes, lost cards and blocks."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from local_library.circulation.fees import Fee, charge_fee
from local_library.clock import Clock
from local_library.policy import (
    LibraryPolicy,
    address_in_norway,
    needs_guardian,
    new_card_fee,
    refuse_without_address_in_norway,
)
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.web.sessions import end_sessions_of
from registry_contract.ages import age_on
from registry_contract.pins import PinHasher

from .models import BlockReason, ContactDetails, Guardian, InstitutionRegistration, Patron, PersonRegistration
from .pins import hash_new_pin
from .queries import (
    PIN_COUNTERS_CLEARED,
    insert_patron,
    next_local_card_number,
    patron_by_id,
    retire_card,
    set_block,
    update_patron,
)


def refuse_minor_without_guardian(
    policy: LibraryPolicy, birth_date: date, today: date, guardian: Guardian | None
) -> None:
    """The library's age rule for a guardian's signature, for local and national cards alike."""
    if needs_guardian(policy, age_on(birth_date, today)) and guardian is None:
        raise DomainError(
            ErrorKind.INVALID,
            "guardian_required",
            f"patrons under {policy.cards.guardian_signature_under} need a guardian's signature at this library",
        )


async def register_person(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, hasher: PinHasher, registration: PersonRegistration
) -> Patron:
    """Issue a local-only card to a person; a minor needs a guardian per the library's policy."""
    today = clock.today()
    if registration.birth_date > today:
        raise DomainError(ErrorKind.INVALID, "birth_date_in_future", "the date of birth is in the future")
    refuse_minor_without_guardian(policy, registration.birth_date, today, registration.guardian)
    refuse_without_address_in_norway(policy, address_in_norway(registration.postal_address))
    pin_hash = None if registration.pin is None else await hash_new_pin(hasher, registration.pin)
    guardian = registration.guardian
    return await insert_patron(
        conn,
        kind="local",
        card_number=await next_local_card_number(conn),
        name=registration.name,
        birth_date=registration.birth_date,
        guardian_name=None if guardian is None else guardian.name,
        guardian_contact=None if guardian is None else guardian.contact,
        pin_hash=pin_hash,
        pre_due_notice=registration.pre_due_notice,
        **_contact_columns(registration),
    )


async def register_institution(
    conn: DbConnection, policy: LibraryPolicy, hasher: PinHasher, registration: InstitutionRegistration
) -> Patron:
    """Issue an institution's card: always local, in the institution's name, with a responsible person."""
    if registration.national:
        raise_institution_card_is_local()
    refuse_without_address_in_norway(policy, address_in_norway(registration.postal_address))
    pin_hash = None if registration.pin is None else await hash_new_pin(hasher, registration.pin)
    return await insert_patron(
        conn,
        kind="institution",
        card_number=await next_local_card_number(conn),
        name=registration.institution_name,
        responsible_person=registration.responsible_person,
        pin_hash=pin_hash,
        **_contact_columns(registration),
    )


def raise_institution_card_is_local() -> None:
    raise DomainError(
        ErrorKind.CONFLICT,
        "institution_card_is_local",
        "institutions get a local card only; the national card is for persons with a national ID",
    )


async def prepare_national_upgrade(conn: DbConnection, patron_id: UUID) -> Patron:
    """The patron whose local card is to become national, locked; refuses institutions and national patrons.

    The registration at the registry itself is the national flow's business; this is the node's half.
    """
    patron = await patron_by_id(conn, patron_id, for_update=True)
    if patron.kind == "institution":
        raise_institution_card_is_local()
    if patron.kind == "national":
        raise DomainError(ErrorKind.CONFLICT, "already_national", "this patron already has a national card")
    return patron


async def change_contact(conn: DbConnection, patron_id: UUID, contact: ContactDetails) -> Patron:
    return await update_patron(conn, patron_id, **_contact_columns(contact))


async def change_pin(conn: DbConnection, hasher: PinHasher, patron_id: UUID, pin: str) -> Patron:
    patron = await patron_by_id(conn, patron_id, for_update=True)
    if patron.kind == "national":
        raise DomainError(
            ErrorKind.CONFLICT,
            "national_pin_at_registry",
            "a national card's PIN is kept by the registry: use the national PIN change",
        )
    pin_hash = await hash_new_pin(hasher, pin)
    # A new PIN set at the desk also lifts a lockout (staff have seen the patron) and ends the patron's Min side
    # sessions: whoever knew the old PIN is logged out.
    await end_sessions_of(conn, patron_id)
    return await update_patron(conn, patron_id, pin_hash=pin_hash, **PIN_COUNTERS_CLEARED)


async def replace_lost_card(
    conn: DbConnection, policy: LibraryPolicy, clock: Clock, patron_id: UUID
) -> tuple[Patron, Fee | None]:
    """A new local card number; the old one stops working at once. Charges the policy's new-card fee."""
    patron = await patron_by_id(conn, patron_id, for_update=True)
    if patron.kind == "national":
        raise DomainError(
            ErrorKind.CONFLICT,
            "national_card_from_registry",
            "a national card is replaced through the registry, not with a local number",
        )
    assert patron.card_number is not None  # local and institution cards always have one (a table CHECK)
    await retire_card(conn, patron_id, patron.card_number, clock.now(), "lost")
    updated = await update_patron(conn, patron_id, card_number=await next_local_card_number(conn))
    fee_ore = new_card_fee(policy, had_card_before=True)
    fee = None
    if fee_ore > 0:
        fee = await charge_fee(conn, patron_id=patron_id, kind="new_card", amount_ore=fee_ore, charged_on=clock.today())
    return updated, fee


async def set_blocked_by_staff(conn: DbConnection, patron_id: UUID, blocked: bool) -> Patron:
    reason: BlockReason | None = "staff" if blocked else None
    return await set_block(conn, patron_id, reason)


def _contact_columns(contact: ContactDetails) -> dict[str, object]:
    return {
        "email": contact.email,
        "phone": contact.phone,
        "postal_address": contact.postal_address,
        "preferred_contact": contact.preferred_contact,
    }
