"""A library card for a person who signed in with their national eID: national at once, or local if they opt out.

The signed-in person registers either themselves or, as a guardian, a child under the library's guardian age
(the child's national ID typed by the guardian; the guardian's own ID only shows that they are of age and
goes nowhere). The same domain paths as the desk's: ``national.register_national`` queues the registration
(national ID and PIN in the encrypted outbox payload only) and ``cards.register_person`` issues a local card.

A person who already has a national card (the registry answers ``national_id_already_registered``) is linked
here instead: the outbox entry carries the signed id token, which the registry verifies against the eID
provider's keys as proof that the holder is present (``registry_contract.models.EidSignInProof``). The token
travels only for the person's own registration: a child's record is not theirs to link.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from local_library.clock import Clock
from local_library.patrons.cards import register_person
from local_library.patrons.models import Guardian, Patron, PersonRegistration
from local_library.policy import LibraryPolicy, needs_guardian
from local_library.registry_link.national import EID_TOKEN_PAYLOAD_KEY, NationalRegistration, register_national
from local_library.registry_link.outbox import OutboxCipher
from local_library.request_model import RequestModel
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry_contract.ages import age_on
from registry_contract.field_types import ContactMethod, Email, Name, NationalIdText, PhoneNumber
from registry_contract.models import PostalAddress
from registry_contract.national_id import birth_date_and_gender, parse_national_id
from registry_contract.pins import PinHasher, refuse_unfit_pin

ADULT_AGE = 18

CardKind = Literal["national", "local"]
Pin = Annotated[str, StringConstraints(max_length=16)]


class SelfRegistration(RequestModel):
    """The form after a verified eID sign-in (the national ID is not in it: it comes from the sign-in)."""

    multiline_fields = frozenset({"guardian_contact"})

    accept_rules: Literal["yes"]
    card_kind: CardKind = "national"
    name: Name
    email: Email | None = None
    phone: PhoneNumber | None = None
    address_line: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] = ""
    city: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    preferred_contact: ContactMethod = "email"
    pin: Pin = Field(repr=False)
    pin_again: Pin = Field(repr=False)
    # A guardian registering a child.
    child_national_id: NationalIdText | None = Field(default=None, repr=False)
    guardian_name: Name | None = None
    guardian_contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


def _refusal(code: str, message: str) -> DomainError:
    return DomainError(ErrorKind.INVALID, code, message)


def _address(form: SelfRegistration) -> list[PostalAddress]:
    if not (form.address_line or form.postal_code or form.city):
        return []
    return [PostalAddress(lines=[form.address_line], postal_code=form.postal_code, city=form.city)]


def _encoded_birth_date(national_id: str) -> dt.date:
    """The birth date the number encodes. A number issued under the 2032 rules encodes none, and an eID sign-in
    does not carry one: such a person is refused with the shared rule's code and registers at the desk."""
    birth_date, _ = birth_date_and_gender(parse_national_id(national_id, allow_synthetic=True), None, None)
    return birth_date


def _guardian(form: SelfRegistration, signed_in_pid: str, today: dt.date) -> tuple[str, Guardian | None]:
    """Whose card this is (their national ID), and the guardian when a guardian registers a child."""
    if form.child_national_id is None:
        return signed_in_pid, None
    guardian_birth = _encoded_birth_date(signed_in_pid)
    if age_on(guardian_birth, today) < ADULT_AGE:
        raise _refusal("guardian_not_adult", "a guardian signing for a child must be of age")
    if not form.guardian_name or not form.guardian_contact:
        raise DomainError(ErrorKind.INVALID, "guardian_required", "the guardian's name and contact are needed")
    if form.child_national_id == signed_in_pid:
        raise _refusal("national_id_is_guardians", "the child's national ID is the guardian's own")
    return form.child_national_id, Guardian(name=form.guardian_name, contact=form.guardian_contact)


async def register_signed_in(
    conn: DbConnection, cipher: OutboxCipher, hasher: PinHasher, policy: LibraryPolicy, clock: Clock,
    *, signed_in_pid: str, id_token: str, form: SelfRegistration,
) -> Patron:  # fmt: skip
    """Register the card: a national one is queued for the registry (the caller then waits a bounded time)."""
    if form.pin != form.pin_again:
        raise _refusal("pins_differ", "the two PINs differ")
    refuse_unfit_pin(form.pin)
    today = clock.today()
    national_id, guardian = _guardian(form, signed_in_pid, today)
    birth_date = _encoded_birth_date(national_id)
    if guardian is not None and not needs_guardian(policy, age_on(birth_date, today)):
        raise _refusal("guardian_not_needed", "the child is old enough to register with their own eID")
    phones = [form.phone] if form.phone else []
    if form.card_kind == "local":
        postal = "\n".join(part for part in (form.address_line, f"{form.postal_code} {form.city}".strip()) if part)
        person = PersonRegistration(
            name=form.name, birth_date=birth_date, guardian=guardian, pin=form.pin, email=form.email,
            phone=form.phone, postal_address=postal or None, preferred_contact=form.preferred_contact,
        )  # fmt: skip
        return await register_person(conn, policy, clock, hasher, person)
    registration = NationalRegistration(
        national_id=national_id, pin=form.pin, name=form.name, addresses=_address(form), phone_numbers=phones,
        email=form.email, preferred_contact=form.preferred_contact, guardian=guardian,
    )  # fmt: skip
    # The id token proves the signed-in person only: it goes along for their own registration alone.
    proof = {EID_TOKEN_PAYLOAD_KEY: id_token} if guardian is None else {}
    return await register_national(conn, cipher, policy, clock, registration, extra_payload=proof)
