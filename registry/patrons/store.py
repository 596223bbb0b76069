"""Patron rows: encrypting fields on the way in, decrypting them on the way out, and all the patron SQL.

Which fields are encrypted follows ``registry_contract.permitted_fields``. Query functions take the
connection first; the caller (an operation in this package) owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import asyncpg

from plumbing.db.types import DbConnection
from registry.audit.log import AuditEvent, recording_arguments, recording_from
from registry.crypto.envelope import (
    FieldCipher,
    Randomness,
    canonical_json,
    new_data_key,
    new_patron_id,
    patron_random_bytes,
    unwrap_data_key,
    wrap_data_key,
)
from registry.crypto.keyring import KeyRing
from registry_contract.card_number import format_card_number
from registry_contract.field_types import ContactMethod, Gender
from registry_contract.lockout import Door
from registry_contract.models import PatronPreview, PatronRecord, PostalAddress
from registry_contract.permitted_fields import encrypted_field_names

# Every encrypted permitted field (registry_contract.permitted_fields), each under the patron's data key with
# its column name as associated data.
ENCRYPTED_COLUMNS = encrypted_field_names()

# The national ID never leaves the registry, so it is not even read with the record.
_RECORD_CIPHERTEXTS = ", ".join(f"p.{column}_ciphertext" for column in ENCRYPTED_COLUMNS if column != "national_id")

PATRON_COLUMNS = f"""
    p.patron_id, p.card_serial, p.wrapped_data_key, {_RECORD_CIPHERTEXTS},
    p.home_library, p.pin_hash IS NOT NULL AS pin_set, p.version, p.address_source,
    ARRAY(SELECT l.library_id FROM patron_libraries l WHERE l.patron_id = p.patron_id ORDER BY l.library_id)
        AS libraries
"""  # noqa: S608 - column names from the declaration, no input


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


def _plaintext(value: object) -> str | None:
    """One field as the text that is encrypted: text as it is, a date in ISO form, lists (addresses, phone
    numbers) as canonical JSON."""
    if value is None:
        return None
    if type(value) is str:  # the common case first; a str subclass (an enum, say) goes through str() below
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return canonical_json(
            [item.model_dump(mode="json") if isinstance(item, PostalAddress) else item for item in value]
        )
    return str(value)


def _encrypt(cipher: FieldCipher, column: str, value: object) -> bytes | None:
    """One field's ciphertext (None stays None)."""
    plaintext = _plaintext(value)
    return None if plaintext is None else cipher.encrypt(column, plaintext)


def _encrypted_values(cipher: FieldCipher, fields: PersonalFields) -> list[bytes | None]:
    """The ciphertexts of ``fields`` in the order of ``ENCRYPTED_COLUMNS``."""
    return cipher.encrypt_many(ENCRYPTED_COLUMNS, [_plaintext(getattr(fields, column)) for column in ENCRYPTED_COLUMNS])


def encrypt_personal_fields(data_key: bytes, patron_id: uuid.UUID, fields: PersonalFields) -> dict[str, bytes | None]:
    return dict(zip(ENCRYPTED_COLUMNS, _encrypted_values(FieldCipher(data_key, patron_id), fields), strict=True))


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


# Random bytes one new patron takes from a Randomness (see new_patron_values).
PATRON_RANDOM_BYTES = patron_random_bytes(len(ENCRYPTED_COLUMNS))
# The columns of INSERT_COLUMNS with the two a bulk import fills in last (card serial, PIN hash) at the end, so
# that filling them in is appending to the values new_patron_values prepared.
IMPORT_COLUMNS = (
    *(column for column in INSERT_COLUMNS if column not in {"card_serial", "pin_hash"}),
    "card_serial",
    "pin_hash",
)


def new_patron_values(
    keyring: KeyRing,
    randomness: Randomness,
    *,
    national_id_index: bytes,
    fields: PersonalFields,
    home_library: str | None,
) -> tuple[Any, ...]:
    """A new patron as the values of ``IMPORT_COLUMNS`` but the last two (card serial, PIN hash), for bulk import.

    The same encryption as :func:`build_patron_row`, with the patron ID, data key and nonces taken from
    ``randomness`` (``PATRON_RANDOM_BYTES`` of it) instead of one system call each. The patron ID is given as
    text (``str(uuid)``): it crosses a process boundary, where a UUID object costs several times more to pickle.
    """
    patron_id = new_patron_id(randomness)
    data_key = new_data_key(randomness)
    wrapped = wrap_data_key(keyring, data_key, patron_id, randomness)
    ciphertexts = _encrypted_values(FieldCipher(data_key, patron_id, randomness), fields)
    return (str(patron_id), national_id_index, wrapped, keyring.active_kek_version, *ciphertexts, home_library)


async def insert_patron_unless_registered(connection: DbConnection, row: NewPatronRow) -> bool:
    """Insert; False if the national ID is already registered (the UNIQUE blind index decides, race-free)."""
    return await _insert_unless_registered(connection, INSERT_COLUMNS, row.as_tuple())


async def insert_import_values_unless_registered(connection: DbConnection, values: tuple[Any, ...]) -> bool:
    """:func:`insert_patron_unless_registered` for values of ``IMPORT_COLUMNS``."""
    return await _insert_unless_registered(connection, IMPORT_COLUMNS, values)


async def _insert_unless_registered(
    connection: DbConnection, columns: tuple[str, ...], values: tuple[Any, ...]
) -> bool:
    placeholders = ", ".join(f"${number}" for number in range(1, len(columns) + 1))
    inserted = await connection.fetchval(
        f"INSERT INTO patrons ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608 - fixed names
        "ON CONFLICT (national_id_index) DO NOTHING RETURNING true",
        *values,
    )
    return bool(inserted)


async def next_card_serial(connection: DbConnection) -> int:
    return int(await connection.fetchval("SELECT nextval('card_serial_sequence')"))


async def fetch_patron_row(
    connection: DbConnection, *, where: str, argument: object, for_update: bool = False
) -> asyncpg.Record | None:
    """One patron by a unique column (``where`` is one of this module's fixed conditions, never user input)."""
    lock = " FOR UPDATE OF p" if for_update else ""
    return await fetch_patron_row_where(connection, where=where + lock, arguments=(argument,))


async def fetch_patron_row_where(
    connection: DbConnection, *, where: str, arguments: tuple[object, ...]
) -> asyncpg.Record | None:
    """One patron by a fixed condition of this module taking ``arguments`` (never user input in ``where``)."""
    return await connection.fetchrow(
        f"SELECT {PATRON_COLUMNS} FROM patrons p WHERE {where}",  # noqa: S608 - fixed fragments only
        *arguments,
    )


async def read_patron_row(
    connection: DbConnection, *, where: str, arguments: tuple[object, ...], access: AuditEvent
) -> asyncpg.Record | None:
    """One patron, with the access recorded in the same statement (inside a transaction that counts the read:
    an unlinked lookup). Reads on their own record through ``RegistryCore.accesses`` instead."""
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
        address_source=row["address_source"],
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


async def set_home_library(connection: DbConnection, patron_id: uuid.UUID, library_id: str) -> None:
    await connection.execute("UPDATE patrons SET home_library = $2 WHERE patron_id = $1", patron_id, library_id)


async def unlink_library(connection: DbConnection, patron_id: uuid.UUID, library_id: str) -> None:
    await connection.execute(
        "DELETE FROM patron_libraries WHERE patron_id = $1 AND library_id = $2", patron_id, library_id
    )


async def update_encrypted_fields(
    connection: DbConnection, keyring: KeyRing, row: asyncpg.Record, values: Mapping[str, object]
) -> None:
    """Replace some encrypted fields under the patron's own data key, and count a new version."""
    patron_id: uuid.UUID = row["patron_id"]
    cipher = FieldCipher(data_key_of(keyring, row), patron_id)
    assignments: list[str] = []
    arguments: list[object] = [patron_id]
    for column, value in values.items():
        if column not in ENCRYPTED_COLUMNS:  # column names go into the SQL: only declared ones
            raise ValueError(f"{column!r} is not an encrypted field")
        arguments.append(_encrypt(cipher, column, value))
        assignments.append(f"{column}_ciphertext = ${len(arguments)}")
    await connection.execute(
        f"UPDATE patrons SET {', '.join(assignments)}, version = version + 1, updated_at = now() "  # noqa: S608
        "WHERE patron_id = $1",
        *arguments,
    )


async def set_address_source(connection: DbConnection, patron_id: uuid.UUID, source: str) -> None:
    """Where the first address comes from (``registry_contract.models.AddressSource``); the caller counts the
    new version."""
    await connection.execute("UPDATE patrons SET address_source = $2 WHERE patron_id = $1", patron_id, source)


# Cards ------------------------------------------------------------------------------------------------------


async def is_replaced_card(connection: DbConnection, card_serial: int) -> bool:
    return bool(await connection.fetchval("SELECT true FROM replaced_cards WHERE card_serial = $1", card_serial))


async def replace_card(connection: DbConnection, patron_id: uuid.UUID, old_serial: int) -> None:
    """Give the patron a new card number; the old one is kept as replaced (so it is refused as such)."""
    await connection.execute(
        "INSERT INTO replaced_cards (card_serial, patron_id) VALUES ($1, $2)", old_serial, patron_id
    )
    await connection.execute(
        "UPDATE patrons SET card_serial = $2, version = version + 1, updated_at = now() WHERE patron_id = $1",
        patron_id,
        await next_card_serial(connection),
    )


# PINs and their failure counters (registry_contract.lockout) --------------------------------------------

_FAILURE_COLUMNS: dict[Door, tuple[str, str]] = {
    "library": ("pin_failed_attempts", "pin_last_failed_at"),
    "online": ("pin_online_failed_attempts", "pin_online_last_failed_at"),
}
# Both doors' counters, cleared by a right PIN or a new one.
_PIN_COUNTERS_CLEARED = ", ".join(
    f"{failed} = 0, {last_failed} = NULL" for failed, last_failed in _FAILURE_COLUMNS.values()
)


@dataclass(frozen=True)
class PinState:
    pin_hash: str | None
    failed_attempts: int
    """Failures in a row at the door asked about."""
    last_failed_at: dt.datetime | None
    library_failed_attempts: int
    """Failures in a row at the library door, which locks the PIN for good at every door."""


async def pin_state_for_update(connection: DbConnection, patron_id: uuid.UUID, door: Door) -> PinState:
    failed, last_failed = _FAILURE_COLUMNS[door]
    row = await connection.fetchrow(
        f"SELECT pin_hash, {failed} AS failed, {last_failed} AS last_failed, pin_failed_attempts "  # noqa: S608
        "FROM patrons WHERE patron_id = $1 FOR UPDATE",
        patron_id,
    )
    assert row is not None  # the caller found the patron in the same transaction
    return PinState(row["pin_hash"], row["failed"], row["last_failed"], row["pin_failed_attempts"])


async def count_pin_failure(connection: DbConnection, patron_id: uuid.UUID, door: Door, at: dt.datetime) -> None:
    failed, last_failed = _FAILURE_COLUMNS[door]
    await connection.execute(
        f"UPDATE patrons SET {failed} = {failed} + 1, {last_failed} = $2 WHERE patron_id = $1",  # noqa: S608
        patron_id,
        at,
    )


async def clear_pin_failures(connection: DbConnection, patron_id: uuid.UUID, upgraded_hash: str | None) -> None:
    """After a right PIN: both doors start over; a hash re-made with today's Argon2 parameters replaces the old."""
    await connection.execute(
        f"UPDATE patrons SET {_PIN_COUNTERS_CLEARED}, pin_hash = coalesce($2, pin_hash) WHERE patron_id = $1",  # noqa: S608
        patron_id,
        upgraded_hash,
    )


async def set_pin(connection: DbConnection, patron_id: uuid.UUID, pin_hash: str) -> None:
    """A new PIN, which also lifts any lockout."""
    await connection.execute(
        f"""
        UPDATE patrons SET pin_hash = $2, {_PIN_COUNTERS_CLEARED}, version = version + 1, updated_at = now()
        WHERE patron_id = $1
        """,  # noqa: S608 - constant
        patron_id,
        pin_hash,
    )


# Erasure ----------------------------------------------------------------------------------------------------


async def delete_patron(connection: DbConnection, patron_id: uuid.UUID) -> None:
    """Delete the row, and with it the only copy of the wrapped data key (crypto-shredding)."""
    await connection.execute("DELETE FROM patrons WHERE patron_id = $1", patron_id)


async def record_erasure(connection: DbConnection, patron_id: uuid.UUID, reason: str) -> dt.datetime:
    """Note the erasure in the ledger (UUID and time only); an erasure noted before keeps its first time."""
    erased_at: dt.datetime = await connection.fetchval(
        """
        INSERT INTO erasure_ledger (patron_id, reason) VALUES ($1, $2)
        ON CONFLICT (patron_id) DO UPDATE SET erased_at = erasure_ledger.erased_at
        RETURNING erased_at
        """,
        patron_id,
        reason,
    )
    return erased_at


_ERASURE_REQUEST_COLUMNS = "request_id, patron_id, kind, status, filed_at"


async def file_erasure_request(
    connection: DbConnection, patron_id: uuid.UUID, kind: str, *, library_id: str | None, via: str
) -> asyncpg.Record | None:
    """File a pending request; None when one of that kind is already pending."""
    return await connection.fetchrow(
        f"""
        INSERT INTO erasure_requests (request_id, patron_id, kind, filed_by_library, filed_via)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (patron_id, kind) WHERE status = 'pending' DO NOTHING
        RETURNING {_ERASURE_REQUEST_COLUMNS}
        """,  # noqa: S608 - constant
        uuid.uuid4(),
        patron_id,
        kind,
        library_id,
        via,
    )


async def national_id_row(connection: DbConnection, patron_id: uuid.UUID) -> asyncpg.Record | None:
    """Only what decrypting the national ID takes (the insight page shows it on request)."""
    return await connection.fetchrow(
        "SELECT patron_id, wrapped_data_key, national_id_ciphertext FROM patrons WHERE patron_id = $1", patron_id
    )


async def pending_erasure_requests(connection: DbConnection, patron_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every pending request of the patron, oldest first."""
    return await connection.fetch(
        "SELECT request_id, kind, filed_at FROM erasure_requests WHERE patron_id = $1 AND status = 'pending' "
        "ORDER BY filed_at",
        patron_id,
    )


async def pending_erasure_request(connection: DbConnection, patron_id: uuid.UUID, kind: str) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {_ERASURE_REQUEST_COLUMNS} FROM erasure_requests "  # noqa: S608 - constant
        "WHERE patron_id = $1 AND kind = $2 AND status = 'pending'",
        patron_id,
        kind,
    )


UNKNOWN_CARD_MEMORY = dt.timedelta(days=1)


def unknown_card_key(keyring: KeyRing, card_number: str) -> bytes:
    """What ``unknown_card_failures`` is keyed by: an HMAC of the card number, in its own domain."""
    return hmac.digest(keyring.blind_index_key, b"natreg unknown card\x00" + card_number.encode(), hashlib.sha256)


async def unknown_card_failures(connection: DbConnection, card_key: bytes) -> tuple[int, dt.datetime | None]:
    row = await connection.fetchrow(
        "SELECT failed_attempts, last_failed_at FROM unknown_card_failures WHERE card_key = $1 FOR UPDATE", card_key
    )
    return (0, None) if row is None else (row["failed_attempts"], row["last_failed_at"])


async def count_unknown_card_failure(connection: DbConnection, card_key: bytes, at: dt.datetime) -> None:
    await connection.execute("DELETE FROM unknown_card_failures WHERE last_failed_at < $1", at - UNKNOWN_CARD_MEMORY)
    await connection.execute(
        """
        INSERT INTO unknown_card_failures (card_key, failed_attempts, last_failed_at) VALUES ($1, 1, $2)
        ON CONFLICT (card_key) DO UPDATE SET failed_attempts = unknown_card_failures.failed_attempts + 1,
                                             last_failed_at = $2
        """,
        card_key,
        at,
    )
