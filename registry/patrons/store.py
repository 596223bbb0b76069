"""Patron rows: encrypting fields on the way in, decrypting them on the way out, and the SQL around them.

Query functions take the connection first; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, cast

import asyncpg

from plumbing.db.types import DbConnection
from registry.audit.log import AuditEvent, recording_arguments, recording_from
from registry.crypto.envelope import (
    FieldCipher,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from registry.crypto.keyring import KeyRing
from registry_contract.card_number import format_card_number
from registry_contract.field_types import ContactMethod, Gender
from registry_contract.models import PatronPreview, PatronRecord, PostalAddress

# Every personal field, each encrypted under the patron's data key with its column name as associated data.
ENCRYPTED_COLUMNS = (
    "national_id",
    "birth_date",
    "gender",
    "name",
    "addresses",
    "phone_numbers",
    "email",
    "preferred_contact",
)

PATRON_COLUMNS = """
    p.patron_id, p.card_serial, p.wrapped_data_key, p.birth_date_ciphertext, p.gender_ciphertext,
    p.name_ciphertext, p.addresses_ciphertext, p.phone_numbers_ciphertext, p.email_ciphertext,
    p.preferred_contact_ciphertext, p.home_library, p.pin_hash IS NOT NULL AS pin_set, p.version,
    ARRAY(SELECT l.library_id FROM patron_libraries l WHERE l.patron_id = p.patron_id ORDER BY l.library_id)
        AS libraries
"""


@dataclass(frozen=True)
class PersonalFields:
    """The permitted personal fields in clear text, as the registry receives them."""

    national_id: str
    birth_date: dt.date
    gender: Gender
    name: str
    addresses: list[PostalAddress]
    phone_numbers: list[str]
    email: str | None
    preferred_contact: ContactMethod


@dataclass(frozen=True)
class NewPatronRow:
    """Everything one INSERT into ``patrons`` needs, already encrypted."""

    patron_id: uuid.UUID
    national_id_index: bytes
    card_serial: int
    wrapped_data_key: bytes
    kek_version: int
    ciphertexts: dict[str, bytes | None]
    home_library: str | None
    pin_hash: str | None

    def as_tuple(self) -> tuple[Any, ...]:
        """Values in the order of ``INSERT_COLUMNS`` (also the order COPY uses for bulk import)."""
        return (
            self.patron_id,
            self.national_id_index,
            self.card_serial,
            self.wrapped_data_key,
            self.kek_version,
            *(self.ciphertexts[column] for column in ENCRYPTED_COLUMNS),
            self.home_library,
            self.pin_hash,
        )


INSERT_COLUMNS = (
    "patron_id",
    "national_id_index",
    "card_serial",
    "wrapped_data_key",
    "kek_version",
    *(f"{column}_ciphertext" for column in ENCRYPTED_COLUMNS),
    "home_library",
    "pin_hash",
)


def encrypt_personal_fields(data_key: bytes, patron_id: uuid.UUID, fields: PersonalFields) -> dict[str, bytes | None]:
    cipher = FieldCipher(data_key, patron_id)
    plain: dict[str, str | None] = {
        "national_id": fields.national_id,
        "birth_date": fields.birth_date.isoformat(),
        "gender": fields.gender,
        "name": fields.name,
        "email": fields.email,
        "preferred_contact": fields.preferred_contact,
    }
    ciphertexts: dict[str, bytes | None] = {
        column: None if value is None else cipher.encrypt(column, value) for column, value in plain.items()
    }
    ciphertexts["addresses"] = cipher.encrypt_json(
        "addresses", [address.model_dump(mode="json") for address in fields.addresses]
    )
    ciphertexts["phone_numbers"] = cipher.encrypt_json("phone_numbers", fields.phone_numbers)
    return ciphertexts


def build_patron_row(
    keyring: KeyRing,
    *,
    national_id_index: bytes,
    card_serial: int,
    fields: PersonalFields,
    home_library: str | None,
    pin_hash: str | None,
    patron_id: uuid.UUID | None = None,
) -> NewPatronRow:
    """Encrypt a new patron under a fresh data key (the one path for registration and bulk import)."""
    patron_id = patron_id or uuid.uuid4()
    data_key = new_data_key()
    return NewPatronRow(
        patron_id=patron_id,
        national_id_index=national_id_index,
        card_serial=card_serial,
        wrapped_data_key=wrap_data_key(keyring, data_key, patron_id),
        kek_version=keyring.active_kek_version,
        ciphertexts=encrypt_personal_fields(data_key, patron_id, fields),
        home_library=home_library,
        pin_hash=pin_hash,
    )


async def insert_patron_unless_registered(connection: DbConnection, row: NewPatronRow) -> bool:
    """Insert; False if the national ID is already registered (the UNIQUE blind index decides, race-free)."""
    placeholders = ", ".join(f"${number}" for number in range(1, len(INSERT_COLUMNS) + 1))
    inserted = await connection.fetchval(
        f"INSERT INTO patrons ({', '.join(INSERT_COLUMNS)}) VALUES ({placeholders}) "  # noqa: S608 - fixed names
        "ON CONFLICT (national_id_index) DO NOTHING RETURNING true",
        *row.as_tuple(),
    )
    return bool(inserted)


async def next_card_serial(connection: DbConnection) -> int:
    return int(await connection.fetchval("SELECT nextval('card_serial_sequence')"))


async def fetch_patron_row(
    connection: DbConnection, *, where: str, argument: object, for_update: bool = False
) -> asyncpg.Record | None:
    """One patron by a unique column (``where`` is one of this module's fixed conditions, never user input)."""
    lock = " FOR UPDATE OF p" if for_update else ""
    return await connection.fetchrow(
        f"SELECT {PATRON_COLUMNS} FROM patrons p WHERE {where}{lock}",  # noqa: S608 - fixed fragments only
        argument,
    )


async def read_patron_row(
    connection: DbConnection, *, where: str, arguments: tuple[object, ...], access: AuditEvent
) -> asyncpg.Record | None:
    """One patron, with the access recorded in the same statement (so no transaction is needed for reads)."""
    return await connection.fetchrow(
        f"""
        WITH found AS (SELECT {PATRON_COLUMNS} FROM patrons p WHERE {where}),
             recorded AS ({recording_from("found", len(arguments) + 1)})
        SELECT * FROM found
        """,  # noqa: S608 - fixed fragments only
        *arguments,
        *recording_arguments(access),
    )


BY_ID = "p.patron_id = $1"
# Added to a condition on $1: the patron is linked to the library given as $2.
LINKED_TO_SECOND_ARGUMENT = (
    "EXISTS (SELECT 1 FROM patron_libraries l WHERE l.patron_id = p.patron_id AND l.library_id = $2)"
)
BY_ID_LINKED_TO = f"{BY_ID} AND {LINKED_TO_SECOND_ARGUMENT}"
BY_CARD_SERIAL = "p.card_serial = $1"
BY_NATIONAL_ID_INDEX = "p.national_id_index = $1"


def data_key_of(keyring: KeyRing, row: asyncpg.Record) -> bytes:
    return unwrap_data_key(keyring, bytes(row["wrapped_data_key"]), row["patron_id"])


def decrypt_record(keyring: KeyRing, row: asyncpg.Record) -> PatronRecord:
    patron_id: uuid.UUID = row["patron_id"]
    cipher = FieldCipher(data_key_of(keyring, row), patron_id)

    def text(column: str) -> str:
        return cipher.decrypt(column, bytes(row[f"{column}_ciphertext"]))

    email_ciphertext = row["email_ciphertext"]
    addresses = cast(list[dict[str, Any]], cipher.decrypt_json("addresses", bytes(row["addresses_ciphertext"])))
    phone_numbers = cast(list[str], cipher.decrypt_json("phone_numbers", bytes(row["phone_numbers_ciphertext"])))
    # Built without re-validation: what was stored is served as it is, so a record stored before a rule was
    # tightened (a control character in a name) stays readable and correctable instead of becoming a 500.
    return PatronRecord.model_construct(
        patron_id=patron_id,
        card_number=format_card_number(row["card_serial"]),
        birth_date=dt.date.fromisoformat(text("birth_date")),
        gender=cast(Gender, text("gender")),
        name=text("name"),
        addresses=[PostalAddress.model_construct(**address) for address in addresses],
        phone_numbers=phone_numbers,
        email=None if email_ciphertext is None else cipher.decrypt("email", bytes(email_ciphertext)),
        preferred_contact=cast(ContactMethod, text("preferred_contact")),
        home_library=row["home_library"],
        libraries=list(row["libraries"]),
        pin_set=row["pin_set"],
        version=row["version"],
    )


def decrypt_preview(keyring: KeyRing, row: asyncpg.Record) -> PatronPreview:
    """Only what recognises the person at the desk; the other fields are not even decrypted."""
    patron_id: uuid.UUID = row["patron_id"]
    cipher = FieldCipher(data_key_of(keyring, row), patron_id)
    return PatronPreview(
        patron_id=patron_id,
        name=cipher.decrypt("name", bytes(row["name_ciphertext"])),
        birth_date=dt.date.fromisoformat(cipher.decrypt("birth_date", bytes(row["birth_date_ciphertext"]))),
    )


async def linked_libraries(connection: DbConnection, patron_id: uuid.UUID) -> list[str]:
    rows = await connection.fetch(
        "SELECT library_id FROM patron_libraries WHERE patron_id = $1 ORDER BY library_id", patron_id
    )
    return [row["library_id"] for row in rows]


async def link_library(connection: DbConnection, patron_id: uuid.UUID, library_id: str) -> bool:
    """Associate the library; False if it already was."""
    inserted = await connection.fetchval(
        "INSERT INTO patron_libraries (patron_id, library_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
        patron_id,
        library_id,
    )
    return bool(inserted)


async def bump_version(connection: DbConnection, patron_id: uuid.UUID) -> int:
    return int(
        await connection.fetchval(
            "UPDATE patrons SET version = version + 1, updated_at = now() WHERE patron_id = $1 RETURNING version",
            patron_id,
        )
    )
