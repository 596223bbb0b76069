"""What the population register sends: event feed elements, persons from the bulk lookup, tokens.

A projection of Skatteetaten's JSON (``hendelser/feed``, ``personer/bulkoppslag``) to what the registry may
keep: the feed carries only the national ID and the kind of event, and the person document is read for the
fields of the permitted list (name, gender, birth date, registered address, its protection, death).
Unknown fields are ignored: the register adds fields without notice.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FEED_PAGE_SIZE = 1000
"""The register's fixed page size; a shorter page means the feed is read to its end."""
BULK_LOOKUP_MAX = 1000

ProtectionLevel = Literal["ugradert", "fortrolig", "strengtFortrolig", "strengtFortroligUtland"]
PROTECTED_LEVELS: frozenset[str] = frozenset({"fortrolig", "strengtFortrolig", "strengtFortroligUtland"})


class RegisterModel(BaseModel):
    # hide_input_in_errors: a document that fails to parse must not put a national ID into a log.
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


class EventDetails(RegisterModel):
    folkeregisteridentifikator: str
    hendelsetype: str = Field(description="e.g. doedsfall, flytting, navneendring, adressebeskyttelse")
    ajourholdstidspunkt: dt.datetime | None = None


class FeedElement(RegisterModel):
    sekvensnummer: int = Field(ge=1)
    hendelse: EventDetails


class RegisteredAddress(RegisterModel):
    adresselinjer: list[str] = Field(min_length=1, max_length=3)
    postnummer: str
    poststed: str
    landkode: str = "NO"


class RegisterPerson(RegisterModel):
    folkeregisteridentifikator: str
    status: str = Field(description="bosatt, utflyttet, doed, ...")
    fornavn: str
    mellomnavn: str | None = None
    etternavn: str
    kjoenn: Literal["kvinne", "mann"] | None = None
    foedselsdato: dt.date | None = None
    bostedsadresse: RegisteredAddress | None = None
    adressebeskyttelse: ProtectionLevel = "ugradert"

    @property
    def deceased(self) -> bool:
        return self.status == "doed"

    @property
    def address_protected(self) -> bool:
        return self.adressebeskyttelse in PROTECTED_LEVELS

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.fornavn, self.mellomnavn, self.etternavn) if part)


class BulkLookupRequest(RegisterModel):
    foedselsEllerDNummer: list[str] = Field(max_length=BULK_LOOKUP_MAX)  # noqa: N815 - the register's name


class BulkLookupHit(RegisterModel):
    foedselsEllerDNummer: str  # noqa: N815 - the register's name
    folkeregisterperson: RegisterPerson | None = None


class BulkLookupResponse(RegisterModel):
    oppslag: list[BulkLookupHit]


class TokenResponse(RegisterModel):
    access_token: str
    expires_in: int = Field(gt=0)
    token_type: str = "Bearer"  # noqa: S105 - the name of the token type, not a secret
