"""Loading patrons in bulk, for migrating an existing registry.

Rows are validated one by one (a bad row is reported by line and skipped), encrypted exactly like a
registration through the API, and written in batches with COPY. A national ID that is already registered is
skipped and reported, so running the same file twice loads every good row once.

Validation and encryption are CPU work that scales with the rows (about 55 microseconds each), so a file
larger than one batch is prepared in worker processes, batches in flight while the previous one is written; a
small file is prepared in this process. Workers hand back plain tuples, ready for COPY, because pickling them
across is paid by this process too. Only the database steps (already registered?, card serials, COPY, the
audit chain) run here, in file order: each batch is one transaction that ends by appending its audit entries
straight to the hash chain (no staging, no sealing afterwards), so a crash leaves whole batches, audited.

The file is read as it is loaded, never whole: at most (workers + 2) batches of rows are held at once, so
memory does not grow with the file (a 3 M-row file loads in the same memory as a small one; only the
report's line numbers of skipped and refused rows grow). ``progress`` is told the rows done and the part
of the file read after every batch.
"""

from __future__ import annotations

import asyncio
import codecs
import concurrent.futures
import csv
import itertools
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import Field, ValidationError

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from plumbing.text import control_characters_checked_in_json, control_characters_checked_in_texts
from registry.audit.log import AuditEvent, record_sealed_many
from registry.bulk_import.orphans import die_with_parent
from registry.crypto.envelope import Randomness, blind_index
from registry.crypto.keyring import KeyRing
from registry.patrons import store
from registry_contract.field_types import LibraryId, Pin
from registry_contract.models import ContactFields
from registry_contract.national_id import birth_date_and_gender, parse_national_id
from registry_contract.pins import PinHasher, refuse_unfit_pin

BATCH_SIZE = 5000
# Batches handed to the worker processes ahead of the one being written.
BATCHES_AHEAD = 2
LIST_SEPARATOR = "|"
IMPORT_ACTOR = "admin:import"
_IMPORT_ACCESS = AuditEvent(actor=IMPORT_ACTOR, operation="import", purpose="migration")


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


# A new row ready to write: line, the IMPORT_COLUMNS values (card serial and PIN hash last), libraries to link.
_ReadyRow = tuple[int, tuple[Any, ...], tuple[str, ...]]


def _csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """CSV columns: national_id, name, phone_numbers, email, preferred_contact, home_library, libraries, pin,
    and per address N (1-2): addressN_lines, addressN_postal_code, addressN_city[, addressN_country].
    List cells separate items with "|"."""
    reader = csv.DictReader(lines)
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


class _FileLines:
    """The file's lines as text, read as they are asked for, counting the bytes consumed (for progress)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.bytes_read = 0

    def check_encoding(self) -> None:
        """Refuse a file that is not UTF-8 before anything is loaded (one pass, in bounded memory)."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self.path.open("rb") as file:
            try:
                while chunk := file.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise ValueError(f"{self.path.name}: not UTF-8 text") from None

    def __iter__(self) -> Iterator[str]:
        with self.path.open("rb") as file:
            for number, raw in enumerate(file):
                self.bytes_read += len(raw)
                text = raw.decode("utf-8")
                yield text.removeprefix("\ufeff") if number == 0 else text


def _raw_records(lines: _FileLines) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, CSV document or unparsed JSONL text): JSON is decoded in a worker process."""
    suffix = lines.path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_rows(lines)
    elif suffix in {".jsonl", ".ndjson"}:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line
    else:
        raise ValueError(f"{lines.path.name}: use a .csv or .jsonl file")


def _decode_json_line(line: int, text: str) -> dict[str, Any] | RowError:
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return RowError(line, "row_unreadable", "not valid JSON")
    return document if isinstance(document, dict) else RowError(line, "row_unreadable", "not a JSON object")


# A valid row, encrypted, as plain values (cheap to send between processes): line, blind index, PIN or None,
# the IMPORT_COLUMNS values but the last two (card serial and PIN hash are appended once the row is known to be
# new), and the libraries to link. The patron ID is the first value, as text.
_Candidate = tuple[int, bytes, str | None, tuple[Any, ...], tuple[str, ...]]
_Outcome = _Candidate | RowError


@dataclass(frozen=True)
class _Preparation:
    keyring: KeyRing
    allow_synthetic: bool
    default_library: str | None

    def prepare(self, records: Sequence[tuple[int, dict[str, Any] | str]]) -> list[_Outcome]:
        """Validate and encrypt a batch; one outcome per record, in order."""
        # One read of the operating system's randomness for the whole batch: every patron's ID, data key and
        # nonces are distinct slices of it.
        randomness = Randomness(len(records) * store.PATRON_RANDOM_BYTES)
        return [self._prepare_one(line, raw, randomness) for line, raw in records]

    def _prepare_one(self, line: int, raw: dict[str, Any] | str, randomness: Randomness) -> _Outcome:
        if isinstance(raw, str):
            document: dict[str, Any] | RowError = _decode_json_line(line, raw)
            checked = control_characters_checked_in_json(raw)
        else:
            document = raw
            checked = control_characters_checked_in_texts(_texts_of(raw))
        if isinstance(document, RowError):
            return document
        try:
            row = ImportRow.model_validate(document, context=checked)
        except ValidationError as error:
            first = error.errors(include_input=False, include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            return RowError(line, "row_invalid", f"{where}: {first['msg']}" if where else first["msg"])
        try:
            national_id = parse_national_id(row.national_id, allow_synthetic=self.allow_synthetic)
            # An import file has no birth date or gender columns: a row with a 2032 number is refused by line.
            birth_date, gender = birth_date_and_gender(national_id, None, None)
        except DomainError as error:
            return RowError(line, error.code, error.message)
        libraries = tuple(dict.fromkeys(row.libraries or ([self.default_library] if self.default_library else [])))
        if not libraries:
            return RowError(line, "row_invalid", "libraries: a patron needs at least one library")
        if row.pin is not None:
            try:
                refuse_unfit_pin(row.pin)
            except DomainError as error:
                return RowError(line, error.code, error.message)
        index = blind_index(self.keyring, national_id.digits)
        fields = store.PersonalFields(
            national_id=national_id.digits,
            birth_date=birth_date,
            gender=gender,
            name=row.name,
            addresses=list(row.addresses),
            phone_numbers=row.phone_numbers,
            email=row.email,
            preferred_contact=row.preferred_contact,
        )
        values = store.new_patron_values(
            self.keyring,
            randomness,
            national_id_index=index,
            fields=fields,
            home_library=row.home_library if row.home_library in libraries else libraries[0],
        )
        return (line, index, row.pin, values, libraries)


def _texts_of(value: object) -> Iterator[str]:
    """Every string in a CSV row's document, however deep (values, list items, address parts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts_of(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts_of(item)


# The preparation a worker process was started with (set once by the pool's initializer).
_worker_preparation: _Preparation | None = None


def _start_worker(
    keys: dict[str, Any], allow_synthetic: bool, default_library: str | None, parent_pid: int | None = None
) -> None:
    global _worker_preparation  # noqa: PLW0603 - one per worker process, set before any batch arrives
    if parent_pid is not None:
        die_with_parent(parent_pid)
    _worker_preparation = _Preparation(KeyRing(**keys), allow_synthetic, default_library)


def worker_pool(
    keyring: KeyRing, allow_synthetic: bool, default_library: str | None, worker_count: int
) -> concurrent.futures.ProcessPoolExecutor:
    """Processes that prepare rows; each holds the key ring, so each dies with this process (even ``kill -9``)."""
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=worker_count,
        # spawn: forking a process that runs threads (the PIN hasher's, the event loop's) is unsafe.
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(_keyring_parts(keyring), allow_synthetic, default_library, os.getpid()),
    )


def _prepare_in_worker(records: Sequence[tuple[int, dict[str, Any] | str]]) -> list[_Outcome]:
    assert _worker_preparation is not None
    return _worker_preparation.prepare(records)


def _keyring_parts(keyring: KeyRing) -> dict[str, Any]:
    # KeyRing holds a read-only mapping, which does not pickle; its parts do. They travel over a local pipe.
    return {
        "keks": dict(keyring.keks),
        "blind_index_key": keyring.blind_index_key,
        "pin_pepper": keyring.pin_pepper,
        "audit_key": keyring.audit_key,
        "credential_key": keyring.credential_key,
    }


Batch = list[tuple[int, dict[str, Any] | str]]
# Told after every batch: rows done (loaded, skipped and refused) and the part of the file read (0-1).
ProgressCallback = Callable[[int, float], None]


def _batches(lines: _FileLines) -> Iterator[tuple[Batch, float]]:
    """Batches of records, each with the part of the file read once it was formed."""
    batch: Batch = []
    for record in _raw_records(lines):
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            # (A file that grows while it is read would pass 1: the size is known only at the start.)
            yield batch, min(lines.bytes_read / max(lines.size, 1), 1.0)
            batch = []
    if batch:
        yield batch, 1.0


async def import_patrons(
    pool: asyncpg.Pool,
    keyring: KeyRing,
    pin_hasher: PinHasher,
    path: Path,
    *,
    allow_synthetic: bool,
    default_library: str | None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Load every good row of ``path``; ``workers`` processes prepare the rows (default: one per core)."""
    preparation = _Preparation(keyring, allow_synthetic, default_library)
    importer = _Importer(pool, keyring.audit_key, pin_hasher, progress=progress)
    lines = _FileLines(path)
    lines.check_encoding()
    batches = _batches(lines)
    first = next(batches, None)
    if first is None:
        return importer.report
    second = next(batches, None)
    if second is None:
        await importer.load_batch(preparation.prepare(first[0]), first[1])
        return importer.report
    worker_count = workers or os.cpu_count() or 1
    loop = asyncio.get_running_loop()
    with worker_pool(keyring, allow_synthetic, default_library, worker_count) as executor:
        in_flight: list[tuple[asyncio.Future[list[_Outcome]], float]] = []
        # Batches are read only as the ones before them are written (never the whole file at once).
        for batch, read in itertools.chain((first, second), batches):
            in_flight.append((loop.run_in_executor(executor, _prepare_in_worker, batch), read))
            if len(in_flight) > worker_count + BATCHES_AHEAD:
                prepared, done_at = in_flight.pop(0)
                await importer.load_batch(await prepared, done_at)
        for prepared, done_at in in_flight:
            await importer.load_batch(await prepared, done_at)
    return importer.report


@dataclass
class _Importer:
    pool: asyncpg.Pool
    audit_key: bytes
    pin_hasher: PinHasher
    report: ImportReport = field(default_factory=ImportReport)
    progress: ProgressCallback | None = None
    rows_done: int = 0

    async def load_batch(self, outcomes: list[_Outcome], file_read: float) -> None:
        await self._load(outcomes)
        self.rows_done += len(outcomes)
        if self.progress is not None:
            self.progress(self.rows_done, file_read)

    async def _load(self, outcomes: list[_Outcome]) -> None:
        report = self.report
        candidates: list[_Candidate] = []
        seen: set[bytes] = set()
        for outcome in outcomes:
            if isinstance(outcome, RowError):
                report.errors.append(outcome)
                continue
            line, index = outcome[0], outcome[1]
            if index in seen:
                report.errors.append(
                    RowError(line, "duplicate_in_file", "this national ID appears earlier in the file")
                )
            else:
                seen.add(index)
                candidates.append(outcome)
        if not candidates:
            return
        async with self.pool.acquire() as connection:
            existing = {
                bytes(value)
                for value in await connection.fetchval(
                    "SELECT coalesce(array_agg(national_id_index), '{}') FROM patrons "
                    "WHERE national_id_index = ANY($1)",
                    list(seen),
                )
            }
            fresh = candidates
            if existing:
                fresh = [candidate for candidate in candidates if candidate[1] not in existing]
                report.already_registered.extend(line for line, index, *_ in candidates if index in existing)
            serials = await connection.fetchval(
                "SELECT array_agg(nextval('card_serial_sequence')) FROM generate_series(1, $1)", len(fresh)
            ) if fresh else []  # fmt: skip
        # Argon2 only for the rows that carry a PIN; most migrated patrons set theirs later at a library.
        with_pin = [(line, pin) for line, _, pin, _, _ in fresh if pin is not None]
        hashes = await asyncio.gather(*(self.pin_hasher.hash_pin(pin) for _, pin in with_pin))
        pin_hashes = dict(zip((line for line, _ in with_pin), hashes, strict=True))
        ready = [
            (line, (*values, serial, pin_hashes.get(line)), libraries)
            for (line, _, _, values, libraries), serial in zip(fresh, serials, strict=True)
        ]
        await _write(self.pool, self.audit_key, ready, report)


async def _write(pool: asyncpg.Pool, audit_key: bytes, ready: list[_ReadyRow], report: ImportReport) -> None:
    if not ready:
        return
    async with pool.acquire() as connection:
        try:
            async with connection.transaction():
                await _copy_batch(connection, audit_key, ready)
            report.loaded += len(ready)
        except asyncpg.UniqueViolationError:
            # Someone registered one of these IDs through the API since we checked: fall back to one by one.
            for item in ready:
                async with connection.transaction():
                    if await store.insert_import_values_unless_registered(connection, item[1]):
                        await _copy_links_feed_audit(connection, audit_key, [item])
                        report.loaded += 1
                    else:
                        report.already_registered.append(item[0])


async def _copy_batch(connection: DbConnection, audit_key: bytes, ready: list[_ReadyRow]) -> None:
    await connection.copy_records_to_table(
        "patrons", records=[values for _, values, _ in ready], columns=list(store.IMPORT_COLUMNS)
    )
    await _copy_links_feed_audit(connection, audit_key, ready)


async def _copy_links_feed_audit(connection: DbConnection, audit_key: bytes, ready: list[_ReadyRow]) -> None:
    links = [(values[0], library) for _, values, libraries in ready for library in libraries]
    await connection.copy_records_to_table("patron_libraries", records=links, columns=["patron_id", "library_id"])
    await connection.copy_records_to_table(
        "change_feed",
        records=[(library, patron_id, "registered", 1) for patron_id, library in links],
        columns=["library_id", "patron_id", "change", "patron_version"],
    )
    # Straight into the hash chain, last: the sealing lock is held from here until the batch commits.
    await record_sealed_many(connection, audit_key, _IMPORT_ACCESS, [values[0] for _, values, _ in ready])
