"""Loading patrons in bulk, for migrating an existing registry.

Rows are validated one by one (a bad row is reported by line and skipped), encrypted exactly like a
registration through the API, and written in batches with COPY. A national ID that is already registered is
skipped and reported, so running the same file twice loads every good row once.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import Field, ValidationError

from natreg.db.types import DbConnection
from natreg.errors import DomainError
from registry.api.models import ContactFields, LibraryId, Pin, PostalAddress
from registry.audit.log import AuditEvent, record_many
from registry.crypto.envelope import blind_index
from registry.crypto.keyring import KeyRing
from registry.crypto.pins import PinHasher, is_trivial_pin
from registry.patrons import store
from registry.patrons.national_id import parse_national_id

BATCH_SIZE = 5000
LIST_SEPARATOR = "|"
IMPORT_ACTOR = "admin:import"


class ImportRow(ContactFields):
    national_id: str = Field(max_length=20)
    pin: Pin | None = None
    home_library: LibraryId | None = None
    libraries: list[LibraryId] = Field(default_factory=list, max_length=50)


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str


@dataclass
class ImportReport:
    loaded: int = 0
    already_registered: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _ReadyRow:
    line: int
    row: store.NewPatronRow
    libraries: list[str]


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """CSV columns: national_id, name, phone_numbers, email, preferred_contact, home_library, libraries, pin,
    and per address N (1-2): addressN_lines, addressN_postal_code, addressN_city[, addressN_country].
    List cells separate items with "|"."""
    reader = csv.DictReader(io.StringIO(text))
    for raw in reader:
        line = reader.line_num
        cells = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
        addresses = []
        for number in (1, 2):
            if cells.get(f"address{number}_lines"):
                address = {
                    "lines": cells[f"address{number}_lines"].split(LIST_SEPARATOR),
                    "postal_code": cells.get(f"address{number}_postal_code", ""),
                    "city": cells.get(f"address{number}_city", ""),
                }
                if cells.get(f"address{number}_country"):
                    address["country"] = cells[f"address{number}_country"]
                addresses.append(address)
        document: dict[str, Any] = {
            "national_id": cells.get("national_id", ""),
            "name": cells.get("name", ""),
            "addresses": addresses,
            "phone_numbers": [p for p in cells.get("phone_numbers", "").split(LIST_SEPARATOR) if p],
            "libraries": [lib for lib in cells.get("libraries", "").split(LIST_SEPARATOR) if lib],
        }
        for optional in ("email", "preferred_contact", "home_library", "pin"):
            if cells.get(optional):
                document[optional] = cells[optional]
        yield line, document


def _json_lines(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError:
            yield number, "not valid JSON"
            continue
        yield number, document if isinstance(document, dict) else "not a JSON object"


def read_documents(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, document or error message) for every record of a .csv or .jsonl file."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        yield from _csv_rows(text)
    elif path.suffix.lower() in {".jsonl", ".ndjson"}:
        yield from _json_lines(text)
    else:
        raise ValueError(f"{path.name}: use a .csv or .jsonl file")


async def import_patrons(
    pool: asyncpg.Pool,
    keyring: KeyRing,
    pin_hasher: PinHasher,
    path: Path,
    *,
    allow_synthetic: bool,
    default_library: str | None,
) -> ImportReport:
    importer = _Importer(pool, keyring, pin_hasher, allow_synthetic, default_library)
    report = importer.report
    batch: list[tuple[int, ImportRow]] = []
    for line, document in read_documents(path):
        if isinstance(document, str):
            report.errors.append(RowError(line, "row_unreadable", document))
            continue
        try:
            batch.append((line, ImportRow.model_validate(document)))
        except ValidationError as error:
            first = error.errors(include_input=False, include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            report.errors.append(RowError(line, "row_invalid", f"{where}: {first['msg']}" if where else first["msg"]))
        if len(batch) >= BATCH_SIZE:
            await importer.load_batch(batch)
            batch = []
    if batch:
        await importer.load_batch(batch)
    return report


@dataclass
class _Importer:
    pool: asyncpg.Pool
    keyring: KeyRing
    pin_hasher: PinHasher
    allow_synthetic: bool
    default_library: str | None
    report: ImportReport = field(default_factory=ImportReport)

    async def load_batch(self, batch: list[tuple[int, ImportRow]]) -> None:
        keyring, report, allow_synthetic, default_library = (
            self.keyring,
            self.report,
            self.allow_synthetic,
            self.default_library,
        )
        candidates: list[tuple[int, ImportRow, str, bytes, list[str]]] = []
        seen: set[bytes] = set()
        for line, row in batch:
            try:
                national_id = parse_national_id(row.national_id, allow_synthetic=allow_synthetic)
            except DomainError as error:
                report.errors.append(RowError(line, error.code, error.message))
                continue
            libraries = list(dict.fromkeys(row.libraries or ([default_library] if default_library else [])))
            if not libraries:
                report.errors.append(RowError(line, "row_invalid", "libraries: a patron needs at least one library"))
                continue
            if row.pin is not None and is_trivial_pin(row.pin):
                report.errors.append(RowError(line, "pin_too_simple", "the PIN is a sequence or repetition"))
                continue
            index = blind_index(keyring, national_id.digits)
            if index in seen:
                report.errors.append(
                    RowError(line, "duplicate_in_file", "this national ID appears earlier in the file")
                )
                continue
            seen.add(index)
            candidates.append((line, row, national_id.digits, index, libraries))

        async with self.pool.acquire() as connection:
            existing = {
                bytes(value)
                for value in await connection.fetchval(
                    "SELECT coalesce(array_agg(national_id_index), '{}') FROM patrons "
                    "WHERE national_id_index = ANY($1)",
                    [index for _, _, _, index, _ in candidates],
                )
            }
            fresh = [candidate for candidate in candidates if candidate[3] not in existing]
            report.already_registered.extend(line for line, _, _, index, _ in candidates if index in existing)
            serials = await connection.fetchval(
                "SELECT array_agg(nextval('card_serial_sequence')) FROM generate_series(1, $1)", len(fresh)
            ) if fresh else []  # fmt: skip
        pin_hashes = await asyncio.gather(
            *(self.pin_hasher.hash_pin(row.pin) if row.pin else _no_pin() for _, row, _, _, _ in fresh)
        )
        ready = []
        for (line, row, digits, index, libraries), serial, pin_hash in zip(fresh, serials, pin_hashes, strict=True):
            national_id = parse_national_id(digits, allow_synthetic=allow_synthetic)
            fields = store.PersonalFields(
                national_id=digits,
                birth_date=national_id.birth_date,
                gender=national_id.gender,
                name=row.name,
                addresses=[PostalAddress.model_validate(address.model_dump()) for address in row.addresses],
                phone_numbers=row.phone_numbers,
                email=row.email,
                preferred_contact=row.preferred_contact,
            )
            home = row.home_library if row.home_library in libraries else libraries[0]
            new_row = store.build_patron_row(
                keyring,
                national_id_index=index,
                card_serial=serial,
                fields=fields,
                home_library=home,
                pin_hash=pin_hash,
            )
            ready.append(_ReadyRow(line, new_row, libraries))
        await _write(self.pool, keyring, ready, report)


async def _no_pin() -> None:
    return None


async def _write(pool: asyncpg.Pool, keyring: KeyRing, ready: list[_ReadyRow], report: ImportReport) -> None:
    if not ready:
        return
    async with pool.acquire() as connection:
        try:
            async with connection.transaction():
                await _copy_batch(connection, keyring, ready)
            report.loaded += len(ready)
        except asyncpg.UniqueViolationError:
            # Someone registered one of these IDs through the API since we checked: fall back to one by one.
            for item in ready:
                async with connection.transaction():
                    if await store.insert_patron_unless_registered(connection, item.row):
                        await _copy_links_feed_audit(connection, keyring, [item])
                        report.loaded += 1
                    else:
                        report.already_registered.append(item.line)


async def _copy_batch(connection: DbConnection, keyring: KeyRing, ready: list[_ReadyRow]) -> None:
    await connection.copy_records_to_table(
        "patrons", records=[item.row.as_tuple() for item in ready], columns=list(store.INSERT_COLUMNS)
    )
    await _copy_links_feed_audit(connection, keyring, ready)


async def _copy_links_feed_audit(connection: DbConnection, keyring: KeyRing, ready: list[_ReadyRow]) -> None:
    links = [(item.row.patron_id, library) for item in ready for library in item.libraries]
    await connection.copy_records_to_table("patron_libraries", records=links, columns=["patron_id", "library_id"])
    await connection.copy_records_to_table(
        "change_feed",
        records=[(library, patron_id, "registered", 1) for patron_id, library in links],
        columns=["library_id", "patron_id", "change", "patron_version"],
    )
    await record_many(
        connection,
        keyring.audit_key,
        [AuditEvent(actor=IMPORT_ACTOR, operation="import", purpose="migration", patron_id=item.row.patron_id)
         for item in ready],
    )  # fmt: skip
