"""Patron records and the requests that create or change them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints, model_validator

from local_library.policy import Channel
from local_library.request_model import RequestModel
from registry_contract.field_types import Email, Name, PhoneNumber

PatronKind = Literal["national", "local", "institution"]
BlockReason = Literal["reminders", "staff"]

Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Pin = Annotated[str, StringConstraints(min_length=1, max_length=16)]
"""Format and triviality are checked by the PIN rules; PIN fields are left out of reprs, and so of logs."""


class ContactDetails(RequestModel):
    # A postal address is typed into one box, so it may span lines; every other field is a single line.
    multiline_fields = frozenset({"postal_address"})

    email: Email | None = None
    phone: PhoneNumber | None = None
    postal_address: Address | None = None
    preferred_contact: Channel

    @model_validator(mode="after")
    def _reachable_by_preferred_method(self) -> ContactDetails:
        needed = {"email": self.email, "sms": self.phone, "letter": self.postal_address}[self.preferred_contact]
        if needed is None:
            field = {"email": "email", "sms": "phone", "letter": "postal_address"}[self.preferred_contact]
            raise ValueError(f"preferred contact {self.preferred_contact!r} needs {field}")
        return self


class Guardian(RequestModel):
    multiline_fields = frozenset({"contact"})

    name: Name
    contact: Address


class PersonRegistration(ContactDetails):
    """A local-only card for a person (the opt-out card: nothing is sent to the registry)."""

    name: Name
    birth_date: date
    guardian: Guardian | None = None
    pin: Pin | None = Field(default=None, repr=False)
    pre_due_notice: bool = False


class InstitutionRegistration(ContactDetails):
    """A school, kindergarten or other institution: always a local card, in its name, with a responsible person."""

    institution_name: Name
    responsible_person: Name
    pin: Pin | None = Field(default=None, repr=False)
    national: bool = False
    """Asking for a national card is refused (``institution_card_is_local``); the field exists to say so clearly."""


class Patron(BaseModel):
    patron_id: UUID
    kind: PatronKind
    card_number: str | None
    registry_patron_id: UUID | None
    name: str
    birth_date: date | None
    responsible_person: str | None
    guardian_name: str | None
    guardian_contact: str | None
    email: str | None
    phone: str | None
    postal_address: str | None
    preferred_contact: Channel
    pre_due_notice: bool
    has_pin: bool
    blocked: bool
    blocked_reason: BlockReason | None


class PinChange(RequestModel):
    pin: Pin = Field(repr=False)


class BlockChange(RequestModel):
    blocked: bool
