"""After registering patrons, no table of the registry database holds any of their personal data in clear text."""

from __future__ import annotations

import io
import re

import asyncpg

from registry_contract.client import RegistryClient
from registry_contract.models import PostalAddress
from tests.registry.conftest import Register, Registered

PINS = ("4821", "7394", "5062", "3917")
TIMESTAMP_OR_UUID = re.compile(
    rb"^(\d{4}-\d{2}-\d{2} [0-9:.+]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def _secrets(patron: Registered) -> list[bytes]:
    request = patron.request
    national_id = patron.national_id
    texts = [national_id, f"{national_id[:6]} {national_id[6:]}", request.name, *request.phone_numbers]
    texts += [request.email or "", *(line for address in request.addresses for line in address.lines)]
    texts += request.name.split()
    return [text.encode() for text in texts if text]


async def _dump_every_table(db: asyncpg.Connection) -> tuple[dict[str, bytes], list[tuple[str, bytes]]]:
    """Each table's COPY text, and the raw bytes of every text and bytea value (COPY hex-encodes bytea)."""
    tables = [row["tablename"] for row in await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    assert "patrons" in tables
    dumps: dict[str, bytes] = {}
    raw_values: list[tuple[str, bytes]] = []
    for table in tables:
        buffer = io.BytesIO()
        await db.copy_from_table(table, output=buffer)
        dumps[table] = buffer.getvalue()
        for row in await db.fetch(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from pg_tables
            raw_values.extend((table, value) for value in row.values() if isinstance(value, bytes))
            raw_values.extend((table, value.encode()) for value in row.values() if isinstance(value, str))
    return dumps, raw_values


def _assert_pin_not_stored(pin: str, dumps: dict[str, bytes], raw_values: list[tuple[str, bytes]]) -> None:
    # A four-digit PIN occurs by chance inside ciphertext, hashes, UUIDs and timestamps, so it is looked for
    # where a stored PIN would be: a whole column value, a quoted JSON string, or a digit run of its own.
    standalone = re.compile(rb"(?<![0-9])" + pin.encode() + rb"(?![0-9])")
    for table, dump in dumps.items():
        for field in re.split(rb"[\t\n]", dump):
            if field.startswith(b"\\\\x") or TIMESTAMP_OR_UUID.match(field):
                continue
            assert standalone.search(field) is None, (table, pin)
    for table, value in raw_values:
        assert value != pin.encode(), table
        assert b'"' + pin.encode() + b'"' not in value, table


async def test_a_dump_of_every_table_holds_no_personal_data(
    asker: RegistryClient, sandnes: RegistryClient, register: Register, db: asyncpg.Connection
) -> None:
    patrons = [
        await register(
            client,
            pin=pin,
            name=f"Ågot Særnavn{number} Kvitfjell",
            addresses=[
                PostalAddress(
                    lines=[f"Hemmeligveien {number + 3}", f"c/o Ukjentnavn{number}"], postal_code="4306", city="Sandnes"
                ),
                PostalAddress(lines=[f"Hyttestien {number + 40}"], postal_code="3580", city="Geilo"),
            ],
            phone_numbers=[f"+47 4{number}58 13 27", f"9{number}7634{number}2"],
            email=f"hemmelig.{number}@eksempel.no",
            preferred_contact="sms",
        )
        for number, (client, pin) in enumerate(zip((asker, sandnes, asker, sandnes), PINS, strict=True))
    ]
    dumps, raw_values = await _dump_every_table(db)
    assert dumps["patrons"].count(b"\n") == len(patrons)

    for patron in patrons:
        for secret in _secrets(patron):
            for table, dump in dumps.items():
                assert secret not in dump, (table, secret)
            for table, value in raw_values:
                assert secret not in value, (table, secret)

    for pin in PINS:
        _assert_pin_not_stored(pin, dumps, raw_values)
    pin_hashes = [row["pin_hash"] for row in await db.fetch("SELECT pin_hash FROM patrons")]
    assert all(pin_hash.startswith("$argon2id$") for pin_hash in pin_hashes)
