"""The permitted fields: what the national registry may store about a person — and nothing else.

The national card's privacy statement ("Nasjonalt lånekort - personvernopplysninger", in Sandnes library's
regulations, source 001; summarised in BRIEF §2.1) lists twelve kinds of data. This module is the one place
that declares them, with where the statement names each one and how the registry keeps it. Everything else
follows from this table:

- the wire model: ``PatronRecord`` carries exactly the fields with a ``record_field`` plus the technical ones
  in :data:`TECHNICAL_RECORD_FIELDS`, and every request carries only permitted fields
  (``tests/registry/test_permitted_fields.py``);
- the store: ``registry.patrons.store`` encrypts the fields declared encrypted, in this order;
- the schema: ``tests/registry/test_schema_allowlist.py`` builds the allowed columns of the patron tables
  from :func:`allowed_patron_columns`, so a column nobody declared here fails it.

Adding a field is a legal question first: change the privacy statement, then this table, then a migration.
Never stored centrally, whatever a library sends: loans, reservations, blacklistings, or anything else
between a patron and one library.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "PERMITTED_FIELDS",
    "TECHNICAL_COLUMNS",
    "TECHNICAL_RECORD_FIELDS",
    "Column",
    "PermittedField",
    "Storage",
    "allowed_patron_columns",
    "by_name",
    "encrypted_field_names",
]


class Storage(Enum):
    """How the registry keeps a field (the value is what it means, for the table below and for reviewers)."""

    ENCRYPTED = "encrypted under the patron's own data key (AES-GCM, the column name as associated data)"
    ENCRYPTED_WITH_BLIND_INDEX = "encrypted as above, plus an HMAC blind index to find the person by it"
    SERIAL_NUMBER = "a serial number in the clear: it is printed on the card and typed at every desk"
    LIBRARY_REFERENCE = "a library ID in the clear: which library, nothing about the person"
    PIN_HASH = "an Argon2id hash with a pepper; the PIN itself is never stored"
    LINK_TABLE = "one row per associated library in a link table"


@dataclass(frozen=True)
class Column:
    """A database column of the registry (table, column, PostgreSQL ``information_schema`` data type)."""

    table: str
    name: str
    data_type: str


@dataclass(frozen=True)
class PermittedField:
    name: str
    """The field's name in this code base (request field, store field, the stem of its column names)."""
    meaning: str
    statement_item: int
    """Its number in the privacy statement's list (and in BRIEF §2.1)."""
    statement_text: str
    """The statement's own words (Norwegian), so a reviewer can match the line."""
    storage: Storage
    columns: tuple[Column, ...]
    record_field: str | None
    """Its name on ``PatronRecord``, or None when it never leaves the registry."""


def _encrypted(name: str) -> tuple[Column, ...]:
    return (Column("patrons", f"{name}_ciphertext", "bytea"),)


PERMITTED_FIELDS: tuple[PermittedField, ...] = (
    PermittedField(
        name="card_number",
        meaning="the library card number (ten digits, the serial with a check digit)",
        statement_item=1,
        statement_text="Lånernummer",
        storage=Storage.SERIAL_NUMBER,
        # A replaced card's number is kept, so the desk hears "replaced" instead of "unknown".
        columns=(Column("patrons", "card_serial", "bigint"), Column("replaced_cards", "card_serial", "bigint")),
        record_field="card_number",
    ),
    PermittedField(
        name="birth_date",
        meaning="date of birth",
        statement_item=2,
        statement_text="Fødselsdato",
        storage=Storage.ENCRYPTED,
        columns=_encrypted("birth_date"),
        record_field="birth_date",
    ),
    PermittedField(
        name="gender",
        meaning="gender (as in the national ID)",
        statement_item=3,
        statement_text="Kjønn",
        storage=Storage.ENCRYPTED,
        columns=_encrypted("gender"),
        record_field="gender",
    ),
    PermittedField(
        name="national_id",
        meaning="the 11-digit national ID number (fødselsnummer); shown only to the patron, on the insight site",
        statement_item=4,
        statement_text="Kryptert fødselsnummer",
        storage=Storage.ENCRYPTED_WITH_BLIND_INDEX,
        columns=(*_encrypted("national_id"), Column("patrons", "national_id_index", "bytea")),
        record_field=None,
    ),
    PermittedField(
        name="name",
        meaning="the patron's name",
        statement_item=5,
        statement_text="Navn",
        storage=Storage.ENCRYPTED,
        columns=_encrypted("name"),
        record_field="name",
    ),
    PermittedField(
        name="addresses",
        meaning="up to two postal addresses",
        statement_item=6,
        statement_text="Inntil 2 postadresser",
        storage=Storage.ENCRYPTED,
        columns=_encrypted("addresses"),
        record_field="addresses",
    ),
    PermittedField(
        name="phone_numbers",
        meaning="phone numbers",
        statement_item=7,
        statement_text="Telefonnumre",
        storage=Storage.ENCRYPTED,
        columns=_encrypted("phone_numbers"),
        record_field="phone_numbers",
    ),
    PermittedField(
        name="email",
        meaning="e-mail address",
        statement_item=8,
        statement_text="E-postadresse",
        storage=Storage.ENCRYPTED,
        columns=_encrypted("email"),
        record_field="email",
    ),
    PermittedField(
        name="preferred_contact",
        meaning="preferred contact method: letter, e-mail or SMS",
        statement_item=9,
        statement_text="Foretrukket kontaktmetode; brev, e-post eller SMS",
        storage=Storage.ENCRYPTED,
        columns=_encrypted("preferred_contact"),
        record_field="preferred_contact",
    ),
    PermittedField(
        name="home_library",
        meaning="the library the patron uses most",
        statement_item=10,
        statement_text="Hjemmebibliotek; det biblioteket du bruker mest",
        storage=Storage.LIBRARY_REFERENCE,
        columns=(Column("patrons", "home_library", "text"),),
        record_field="home_library",
    ),
    PermittedField(
        name="pin",
        meaning="the PIN for self-service machines and the libraries' web services; the record says only "
        "whether one is set",
        statement_item=11,
        statement_text="PIN-kode for selvbetjeningsautomater og bibliotekenes web-løsninger",
        storage=Storage.PIN_HASH,
        columns=(Column("patrons", "pin_hash", "text"),),
        record_field="pin_set",
    ),
    PermittedField(
        name="libraries",
        meaning="which libraries the patron is associated with",
        statement_item=12,
        statement_text="Opplysninger om hvilke bibliotek en låner er tilknyttet",
        storage=Storage.LINK_TABLE,
        columns=(Column("patron_libraries", "library_id", "text"),),
        record_field="libraries",
    ),
)

TECHNICAL_RECORD_FIELDS: tuple[str, ...] = ("patron_id", "version", "address_source")
"""On the record beside the permitted fields: a random ID, the version for optimistic concurrency, and where
the addresses come from (the population register's address cannot be overwritten; a protected one is not kept)."""

_TIMESTAMP = "timestamp with time zone"

TECHNICAL_COLUMNS: tuple[tuple[Column, str], ...] = (
    (Column("patrons", "patron_id", "uuid"), "a random key that says nothing about the person"),
    (Column("patrons", "wrapped_data_key", "bytea"), "the patron's data key, wrapped; deleting it shreds the record"),
    (Column("patrons", "kek_version", "integer"), "which key-encryption key wraps the data key"),
    (Column("patrons", "pin_failed_attempts", "integer"), "PIN lockout at the library door (lockout.py)"),
    (Column("patrons", "pin_last_failed_at", _TIMESTAMP), "PIN lockout at the library door"),
    (Column("patrons", "pin_online_failed_attempts", "integer"), "PIN delay at the online door"),
    (Column("patrons", "pin_online_last_failed_at", _TIMESTAMP), "PIN delay at the online door"),
    (Column("patrons", "version", "integer"), "optimistic concurrency (the ETag)"),
    (
        Column("patrons", "address_source", "text"),
        "where the first address comes from: a library, the population register, or none kept (protected)",
    ),
    (Column("patrons", "created_at", _TIMESTAMP), "when the record was made"),
    (Column("patrons", "updated_at", _TIMESTAMP), "when the record last changed"),
    (Column("patron_libraries", "patron_id", "uuid"), "the link's patron"),
    (Column("patron_libraries", "linked_at", _TIMESTAMP), "when the library was associated"),
    (Column("replaced_cards", "patron_id", "uuid"), "whose card it was"),
    (Column("replaced_cards", "replaced_at", _TIMESTAMP), "when it was reported lost"),
)
"""Columns of the patron tables that hold no personal data, each with the reason it exists."""


def by_name(name: str) -> PermittedField:
    for field in PERMITTED_FIELDS:
        if field.name == name:
            return field
    raise KeyError(name)


def encrypted_field_names() -> tuple[str, ...]:
    """The fields kept as ciphertext, in the order of the declaration (also the order of the columns)."""
    encrypted = {Storage.ENCRYPTED, Storage.ENCRYPTED_WITH_BLIND_INDEX}
    return tuple(field.name for field in PERMITTED_FIELDS if field.storage in encrypted)


def allowed_patron_columns() -> dict[str, dict[str, str]]:
    """Every column of the tables holding patron records, by table: the permitted fields and technical ones."""
    allowed: dict[str, dict[str, str]] = {}
    columns = [column for field in PERMITTED_FIELDS for column in field.columns]
    columns += [column for column, _reason in TECHNICAL_COLUMNS]
    for column in columns:
        allowed.setdefault(column.table, {})[column.name] = column.data_type
    return allowed
