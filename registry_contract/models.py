"""Request and response models of the registry's node API (``/v1``).

These models are the wire contract: the views validate with them, the OpenAPI document is generated from
them, and the client nodes use parses with them. Unknown fields are refused everywhere, because the
registry may store only the fields the privacy statement lists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, RootModel, StringConstraints, model_validator

from plumbing.errors import DomainError, ErrorKind, rule_violation
from plumbing.text import PlainTextModel
from registry_contract.field_types import (
    AddressLine,
    CardNumber,
    ContactMethod,
    Email,
    Gender,
    LibraryId,
    Name,
    NationalIdText,
    PhoneNumber,
    Pin,
    TypedPin,
)

AddressSource = Literal["library", "population_register", "protected"]
ChangeKind = Literal["registered", "updated", "linked", "unlinked", "card_replaced", "deleted", "opted_out", "deceased"]


class WireModel(PlainTextModel):
    # PlainTextModel: no text field in either direction holds a control character (a node could not store it).
    # hide_input_in_errors: a failing national ID or PIN must never be echoed back or logged.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class WhoAmI(WireModel):
    library_id: str
    certificate_serial: str


class Health(WireModel):
    status: str
    database: str
    # Dates that would stop the registry (CRL, certificates) and a failing audit sealer, well before they do.
    crl_next_update: dt.datetime | None = None
    audit_unsealed: int | None = None
    audit_oldest_unsealed_seconds: float | None = None
    warnings: list[str] = Field(default_factory=list)
    lookup_alerts: list[str] = Field(
        default_factory=list, description="libraries refused for looking up too many patrons they are not linked to"
    )


class PostalAddress(WireModel):
    lines: list[AddressLine] = Field(min_length=1, max_length=3, description="street, c/o, etc.")
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z -]{3,10}$")]
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "NO"


class ContactFields(WireModel):
    name: Name
    addresses: list[PostalAddress] = Field(default_factory=list, max_length=2)
    phone_numbers: list[PhoneNumber] = Field(default_factory=list, max_length=5)
    email: Email | None = None
    preferred_contact: ContactMethod = "email"

    @model_validator(mode="after")
    def contact_method_is_reachable(self) -> ContactFields:
        unreachable = unreachable_contact_method(self.preferred_contact, self.addresses, self.phone_numbers, self.email)
        if unreachable is not None:
            raise rule_violation(CONTACT_METHOD_UNREACHABLE, unreachable)
        return self


CONTACT_METHOD_UNREACHABLE = "contact_method_unreachable"


def unreachable_contact_method(
    method: ContactMethod | None, addresses: list[PostalAddress] | None, phones: list[str] | None, email: str | None
) -> str | None:
    """Why the preferred contact method cannot reach the patron with the details given, or None if it can."""
    if method == "email" and not email:
        return "preferred contact by e-mail needs an e-mail address"
    if method == "sms" and not phones:
        return "preferred contact by SMS needs a phone number"
    if method == "letter" and not addresses:
        return "preferred contact by letter needs a postal address"
    return None


def refuse_unreachable_contact(
    method: ContactMethod | None, addresses: list[PostalAddress] | None, phones: list[str] | None, email: str | None
) -> None:
    """The domain's refusal of the same rule, for a record put together from stored and changed fields."""
    unreachable = unreachable_contact_method(method, addresses, phones, email)
    if unreachable is not None:
        raise DomainError(ErrorKind.INVALID, CONTACT_METHOD_UNREACHABLE, unreachable)


class RegisterPatron(ContactFields):
    national_id: NationalIdText
    pin: Pin
    birth_date: dt.date | None = Field(default=None, description="defaults to the date in the national ID")
    gender: Gender | None = Field(default=None, description="defaults to the gender in the national ID")
    home_library: LibraryId | None = Field(default=None, description="defaults to the registering library")


class NationalIdLookup(WireModel):
    national_id: NationalIdText


class CardAuthentication(WireModel):
    card_number: CardNumber
    pin: TypedPin
    door: Literal["library", "online"] = "library"
    """Where the patron typed the PIN: at a library (desk, kiosk) or online (Min side). Online failures
    only ever delay and never lock the card for good (``registry_contract.lockout``)."""


class CardAndPinProof(WireModel):
    """The patron is at the desk: their card number and PIN, checked by the registry (with its PIN lockout)."""

    kind: Literal["card_and_pin"]
    card_number: CardNumber
    pin: TypedPin = Field(repr=False)


# One kind of proof today; the eID sign-in joins as a second member, told apart by ``kind``:
# Annotated[CardAndPinProof | EidSignInProof, Field(discriminator="kind")].
PresenceProof = CardAndPinProof


class PatronPresence(WireModel):
    """Body of linking a library, of opting out and of unlinking the last library: the patron's proof of presence."""

    proof: PresenceProof | None = Field(default=None, description="without it the request is refused (403)")


class ContactUpdate(WireModel):
    """Only the fields present are changed; an explicit null clears the e-mail address."""

    name: Name | None = None
    addresses: list[PostalAddress] | None = Field(default=None, max_length=2)
    phone_numbers: list[PhoneNumber] | None = Field(default=None, max_length=5)
    email: Email | None = None
    preferred_contact: ContactMethod | None = None

    @model_validator(mode="after")
    def something_changes(self) -> ContactUpdate:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        # Only the e-mail address may be cleared with null; an empty list removes addresses or phone numbers.
        for name in ("name", "preferred_contact", "addresses", "phone_numbers"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class PinChange(WireModel):
    new_pin: Pin


class HomeLibrary(WireModel):
    library_id: LibraryId


class ErasureRequestFiling(WireModel):
    kind: Literal["deletion", "death_notice"]


# Its fields are the permitted fields of registry_contract.permitted_fields (tests/registry/test_permitted_fields.py).
class PatronRecord(WireModel):
    """Everything the registry holds about a patron, but the national ID (which never leaves it)."""

    patron_id: uuid.UUID
    card_number: str
    birth_date: dt.date
    gender: Gender
    name: str
    addresses: list[PostalAddress]
    phone_numbers: list[str]
    email: str | None
    preferred_contact: ContactMethod
    home_library: str | None
    libraries: list[str]
    pin_set: bool
    version: int
    address_source: AddressSource = Field(
        default="library",
        description="'population_register': the first address is the registered one and cannot be changed by a "
        "library; 'protected': the register protects the address, so none is kept or shown",
    )


class PatronPreview(WireModel):
    """What a library not linked to the patron sees: enough to recognise the person at the desk, no more."""

    patron_id: uuid.UUID
    name: str
    birth_date: dt.date


class PatronLookupResult(RootModel[PatronRecord | PatronPreview]):
    """The whole record if the patron is linked to the calling library; otherwise a preview until the link."""


class ErasureRequestReceipt(WireModel):
    request_id: uuid.UUID
    patron_id: uuid.UUID
    kind: Literal["deletion", "death_notice"]
    status: Literal["pending", "approved", "rejected"]
    filed_at: dt.datetime


class OptOutReceipt(WireModel):
    patron_id: uuid.UUID
    erased_at: dt.datetime


class Change(WireModel):
    patron_id: uuid.UUID
    change: ChangeKind
    patron_version: int | None
    occurred_at: dt.datetime


class ChangePage(WireModel):
    changes: list[Change]
    next_cursor: str = Field(description="pass back as ?cursor= to continue; store it only after applying")
    has_more: bool


class ChangePageQuery(WireModel):
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=100, ge=1, le=1000)
