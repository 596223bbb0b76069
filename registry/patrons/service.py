"""What libraries can do with national patron records. Each function is one unit of work (one transaction),
audited, and raises DomainError with a stable code for every refusal.

Argon2 work (hashing and verifying PINs) always happens outside database transactions, so a slow hash
never holds row locks or pool connections.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.web.sessions import end_sessions_of
from registry.audit.log import AuditEvent, record
from registry.crypto.envelope import blind_index, encrypt_field, encrypt_json
from registry.crypto.keyring import KeyRing
from registry.erasure.ledger_file import ErasureLedgerFile
from registry.feed.store import record_change
from registry.patrons import idempotency, store
from registry.patrons.lookup_limits import LookupLimit, count_unlinked_lookup
from registry_contract import lockout
from registry_contract.card_number import parse_card_number
from registry_contract.models import (
    CardAuthentication,
    ChangeKind,
    ContactUpdate,
    ErasureRequestReceipt,
    OptOutReceipt,
    PatronPresence,
    PatronPreview,
    PatronRecord,
    RegisterPatron,
    _check_reachable,
)
from registry_contract.national_id import parse_national_id
from registry_contract.pins import (
    ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN,
    PinHasher,
    pin_not_set,
    refuse_unfit_pin,
    wrong_pin,
)
from registry_contract.refusals import card_replaced
from registry_contract.refusals import patron_not_found as patron_not_found  # noqa: PLC0414 - the views raise it too

ResultT = TypeVar("ResultT")
DEFAULT_LOOKUP_LIMIT = LookupLimit()

# Both doors' PIN failure counters (registry_contract.lockout), cleared by a right PIN or a new one.
_PIN_COUNTERS_CLEARED = (
    "pin_failed_attempts = 0, pin_last_failed_at = NULL, pin_online_failed_attempts = 0, "
    "pin_online_last_failed_at = NULL"
)


@dataclass(frozen=True)
class Caller:
    """Who is acting: a library (over mutual TLS), the patron (insight page) or an administrator."""

    actor: str
    library_id: str | None = None

    @classmethod
    def library(cls, library_id: str) -> Caller:
        return cls(actor=f"library:{library_id}", library_id=library_id)


@dataclass(frozen=True)
class RegistryCore:
    """What the patron operations need: the database, the keys and the PIN hasher."""

    pool: asyncpg.Pool
    current_keyring: Callable[[], KeyRing]
    pin_hasher: PinHasher
    allow_synthetic_national_ids: bool
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    ledger_file: ErasureLedgerFile | None = None
    unknown_cards: lockout.UnknownCardAttempts = field(default_factory=lockout.UnknownCardAttempts)
    """Online failures on numbers without a PIN to count them on (``registry_contract.lockout``)."""
    lookup_limit: LookupLimit = DEFAULT_LOOKUP_LIMIT

    async def remember_erasure(self, patron_id: uuid.UUID, reason: str, erased_at: dt.datetime) -> None:
        """After the erasure committed: copy it to the ledger file that survives database restores."""
        if self.ledger_file is not None:
            await self.ledger_file.append(patron_id, reason, erased_at)

    @property
    def keyring(self) -> KeyRing:
        """The key ring as it is now (it changes when a new key-encryption key is added)."""
        return self.current_keyring()

    async def audit(
        self, connection: DbConnection, caller: Caller, operation: str, purpose: str, patron_id: uuid.UUID | None
    ) -> None:
        event = AuditEvent(
            actor=caller.actor, library_id=caller.library_id, operation=operation, purpose=purpose, patron_id=patron_id
        )
        await record(connection, event)

    async def in_transaction(self, work: Callable[[DbConnection], Awaitable[ResultT]]) -> ResultT:
        async with self.pool.acquire() as connection, connection.transaction():
            return await work(connection)


def _check_version(row: asyncpg.Record, expected_version: int) -> None:
    if row["version"] != expected_version:
        raise DomainError(
            ErrorKind.PRECONDITION_FAILED,
            "version_mismatch",
            "the record changed since you read it; read it again and reapply your change",
            extra={"current_version": row["version"]},
        )


def _home_library_not_linked() -> DomainError:
    return DomainError(
        ErrorKind.INVALID, "home_library_not_linked", "the home library must be one the patron is associated with"
    )


async def _record_for(core: RegistryCore, connection: DbConnection, patron_id: uuid.UUID) -> PatronRecord:
    row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id)
    if row is None:
        raise patron_not_found()
    return store.decrypt_record(core.keyring, row)


async def _linked_row_exists(core: RegistryCore, caller: Caller, patron_id: uuid.UUID) -> None:
    """Refuse early, before any PIN is checked, when the patron is not the calling library's."""
    async with core.pool.acquire() as connection:
        await _linked_row(connection, caller, patron_id, for_update=False)


async def _linked_row(
    connection: DbConnection, caller: Caller, patron_id: uuid.UUID, *, for_update: bool = True
) -> asyncpg.Record:
    """The patron's row, locked, if the calling library is associated with the patron."""
    row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id, for_update=for_update)
    if row is None or (caller.library_id is not None and caller.library_id not in row["libraries"]):
        raise patron_not_found()
    return row


async def register_patron(
    core: RegistryCore,
    caller: Caller,
    request: RegisterPatron,
    *,
    idempotency_key: str | None,
    raw_body: bytes,
    purpose: str,
) -> tuple[PatronRecord, bool]:
    """Register a national patron linked to the calling library; returns (record, created now)."""
    assert caller.library_id is not None
    library_id = caller.library_id
    key = idempotency.check_key(idempotency_key)
    national_id = parse_national_id(request.national_id, allow_synthetic=core.allow_synthetic_national_ids)
    refuse_unfit_pin(request.pin)
    # A new patron is linked to the registering library only, so that is the only possible home library.
    if request.home_library not in (None, library_id):
        raise _home_library_not_linked()
    fingerprint = idempotency.request_fingerprint(core.keyring.blind_index_key, "register", raw_body)
    # A replay (a node resending after a lost answer) is answered before any Argon2 work and writes nothing.
    async with core.pool.acquire() as connection:
        earlier = await idempotency.find_outcome(connection, library_id, key, "register", fingerprint)
        if earlier is not None and earlier.patron_id is not None:
            return await _record_for(core, connection, earlier.patron_id), False
    pin_hash = await core.pin_hasher.hash_pin(request.pin)
    fields = store.PersonalFields(
        national_id=national_id.digits,
        birth_date=request.birth_date or national_id.birth_date,
        gender=request.gender or national_id.gender,
        name=request.name,
        addresses=request.addresses,
        phone_numbers=request.phone_numbers,
        email=request.email,
        preferred_contact=request.preferred_contact,
    )
    index = blind_index(core.keyring, national_id.digits)

    async def work(connection: DbConnection) -> tuple[PatronRecord, bool]:
        earlier = await idempotency.find_outcome(connection, library_id, key, "register", fingerprint)
        if earlier is not None and earlier.patron_id is not None:
            return await _record_for(core, connection, earlier.patron_id), False
        row = store.build_patron_row(
            core.keyring,
            national_id_index=index,
            card_serial=await store.next_card_serial(connection),
            fields=fields,
            home_library=request.home_library or library_id,
            pin_hash=pin_hash,
        )
        if not await store.insert_patron_unless_registered(connection, row):
            # A concurrent retry with the same key may have won the race; it has committed by now.
            earlier = await idempotency.find_outcome(connection, library_id, key, "register", fingerprint)
            if earlier is not None and earlier.patron_id is not None:
                return await _record_for(core, connection, earlier.patron_id), False
            raise DomainError(
                ErrorKind.CONFLICT,
                "national_id_already_registered",
                "this national ID already has a national card; look it up and link it instead",
            )
        await store.link_library(connection, row.patron_id, library_id)
        await record_change(connection, row.patron_id, "registered", [library_id], 1)
        await idempotency.store_outcome(
            connection,
            library_id=library_id,
            idempotency_key=key,
            operation="register",
            fingerprint=fingerprint,
            outcome=idempotency.StoredOutcome(row.patron_id, 201),
        )
        await core.audit(connection, caller, "register", purpose, row.patron_id)
        return await _record_for(core, connection, row.patron_id), True

    return await core.in_transaction(work)


async def _read(
    core: RegistryCore, caller: Caller, *, where: str, arguments: tuple[object, ...], operation: str, purpose: str
) -> asyncpg.Record | None:
    """A read with its audit entry in one statement: the busiest requests need no transaction and no lock."""
    access = AuditEvent(
        actor=caller.actor, library_id=caller.library_id, operation=operation, purpose=purpose, patron_id=None
    )
    async with core.pool.acquire() as connection:
        return await store.read_patron_row(connection, where=where, arguments=arguments, access=access)


async def lookup_by_national_id(
    core: RegistryCore, caller: Caller, national_id_text: str, purpose: str
) -> PatronRecord | PatronPreview:
    national_id = parse_national_id(national_id_text, allow_synthetic=core.allow_synthetic_national_ids)
    index = blind_index(core.keyring, national_id.digits)
    found = await _lookup(
        core, caller, where=store.BY_NATIONAL_ID_INDEX, argument=index, operation="lookup_by_national_id",
        purpose=purpose,
    )  # fmt: skip
    if found is None:
        raise patron_not_found()
    return found


async def _row_by_card(connection: DbConnection, card_number: str) -> asyncpg.Record:
    serial = parse_card_number(card_number)
    row = await store.fetch_patron_row(connection, where=store.BY_CARD_SERIAL, argument=serial)
    if row is None:
        raise await _card_not_found(connection, serial)
    return row


async def _card_not_found(connection: DbConnection, serial: int) -> DomainError:
    if await connection.fetchval("SELECT true FROM replaced_cards WHERE card_serial = $1", serial):
        return card_replaced()
    return patron_not_found()


async def lookup_by_card(
    core: RegistryCore, caller: Caller, card_number: str, purpose: str
) -> PatronRecord | PatronPreview:
    serial = parse_card_number(card_number)
    found = await _lookup(
        core, caller, where=store.BY_CARD_SERIAL, argument=serial, operation="lookup_by_card", purpose=purpose
    )
    if found is None:
        async with core.pool.acquire() as connection:
            raise await _card_not_found(connection, serial)
    return found


async def _lookup(
    core: RegistryCore, caller: Caller, *, where: str, argument: object, operation: str, purpose: str
) -> PatronRecord | PatronPreview | None:
    """A patron found by a unique key: the whole record for a linked library, a preview for any other.

    Lookups of patrons linked to the caller (every loan at the desk) take one statement and are never
    limited. Any other lookup, of a stranger or of nobody, counts against the library's lookup limit and is
    audited even when nothing is found (an entry without a patron: the searched value is never recorded).
    """
    assert caller.library_id is not None
    library_id = caller.library_id
    linked = await _read(
        core, caller, where=f"{where} AND {store.LINKED_TO_SECOND_ARGUMENT}", arguments=(argument, library_id),
        operation=operation, purpose=purpose,
    )  # fmt: skip
    if linked is not None:
        return store.decrypt_record(core.keyring, linked)

    async def unlinked(connection: DbConnection) -> asyncpg.Record | DomainError | None:
        # A refusal is returned, not raised, so the count and its audit entry commit.
        refusal = await count_unlinked_lookup(connection, library_id, core.lookup_limit)
        if refusal is not None:
            await core.audit(connection, caller, f"{operation}_refused", purpose, None)
            return refusal
        access = AuditEvent(
            actor=caller.actor, library_id=library_id, operation=operation, purpose=purpose, patron_id=None
        )
        row = await store.read_patron_row(connection, where=where, arguments=(argument,), access=access)
        if row is None:
            await core.audit(connection, caller, operation, purpose, None)
        return row

    row = await core.in_transaction(unlinked)
    if isinstance(row, DomainError):
        raise row
    if row is None:
        return None
    # Linked a moment ago, between the two reads: the whole record is this library's to see now.
    if library_id in row["libraries"]:
        return store.decrypt_record(core.keyring, row)
    return store.decrypt_preview(core.keyring, row)


async def get_linked_patron(core: RegistryCore, caller: Caller, patron_id: uuid.UUID, purpose: str) -> PatronRecord:
    assert caller.library_id is not None
    # The library condition is part of the read, so a library that is not linked leaves no audit entry.
    row = await _read(
        core, caller, where=store.BY_ID_LINKED_TO, arguments=(patron_id, caller.library_id), operation="read",
        purpose=purpose,
    )  # fmt: skip
    if row is None:
        raise patron_not_found()
    return store.decrypt_record(core.keyring, row)


def _door_of(caller: Caller, credentials: CardAuthentication) -> lockout.Door:
    # The insight site is the registry's own public door; a library names the door its patron used (a desk or
    # kiosk, or its Min side on the internet).
    return "online" if caller.library_id is None else credentials.door


async def authenticate(
    core: RegistryCore, caller: Caller, credentials: CardAuthentication, purpose: str
) -> PatronRecord:
    """Check card number + PIN with per-patron backoff and lockout (``registry_contract.lockout``).

    The attempt is counted as failed *before* the slow verification, in its own transaction, so that a burst
    of parallel guesses cannot all slip through before the counter moves; a correct PIN then resets both
    doors' counters. A malformed PIN counts like any wrong one. Every answer costs one Argon2 verification
    (against a dummy hash when there is nothing to check), and at the online door an unknown card, a card
    without PIN and a replaced card answer exactly like a wrong PIN, so neither the answer nor its timing
    tells anyone which card numbers exist.
    """
    now = core.now()
    door = _door_of(caller, credentials)
    counter, last_failed = (
        ("pin_online_failed_attempts", "pin_online_last_failed_at")
        if door == "online"
        else ("pin_failed_attempts", "pin_last_failed_at")
    )

    async def reserve_attempt(connection: DbConnection) -> tuple[uuid.UUID, str] | DomainError:
        # A refusal is returned, not raised, so its audit entry commits with this transaction.
        try:
            row = await _row_by_card(connection, credentials.card_number)
        except DomainError as error:
            return error
        patron_id: uuid.UUID = row["patron_id"]
        state = await connection.fetchrow(
            f"SELECT pin_hash, {counter} AS failed, {last_failed} AS last_failed, pin_failed_attempts "  # noqa: S608
            "FROM patrons WHERE patron_id = $1 FOR UPDATE",
            patron_id,
        )
        assert state is not None
        if state["pin_hash"] is None:
            return pin_not_set()
        # A PIN locked for good at the libraries is locked online too: only a library can set a new one.
        verdict = lockout.decide(lockout.LIBRARY_DOOR, state["pin_failed_attempts"], None, now)
        if verdict.kind is not lockout.VerdictKind.LOCKED:
            verdict = lockout.decide(lockout.policy_for(door), state["failed"], state["last_failed"], now)
        refusal = lockout.refusal(verdict)
        if refusal is not None:
            await core.audit(connection, caller, "authenticate_refused_locked", purpose, patron_id)
            return refusal
        await connection.execute(
            f"UPDATE patrons SET {counter} = {counter} + 1, {last_failed} = $2 WHERE patron_id = $1",  # noqa: S608
            patron_id,
            now,
        )
        return patron_id, state["pin_hash"]

    reserved = await core.in_transaction(reserve_attempt)
    if isinstance(reserved, DomainError):
        # The same Argon2 work as for a wrong PIN, so the time taken does not tell the cases apart.
        await core.pin_hasher.check_pin(credentials.pin, None)
        if door == "online" and reserved.code in ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN:
            # Throttled like a real card after the same number of failures, so throttling does not tell either.
            throttled = core.unknown_cards.refusal(credentials.card_number, now)
            if throttled is not None:
                raise throttled
            core.unknown_cards.record_failure(credentials.card_number, now)
            raise wrong_pin()
        raise reserved
    patron_id, pin_hash = reserved
    # Anything but four digits cannot be right; it still counted as an attempt above.
    correct = await core.pin_hasher.check_pin(credentials.pin, pin_hash)
    # A right PIN hashed with older Argon2 parameters is re-hashed now, the only time the PIN is at hand.
    upgraded_hash = (
        await core.pin_hasher.hash_pin(credentials.pin) if correct and core.pin_hasher.needs_rehash(pin_hash) else None
    )

    async def settle(connection: DbConnection) -> PatronRecord:
        if not correct:
            await core.audit(connection, caller, "authenticate_failed", purpose, patron_id)
            return await _record_for(core, connection, patron_id)
        await connection.execute(
            f"UPDATE patrons SET {_PIN_COUNTERS_CLEARED}, pin_hash = coalesce($2, pin_hash) WHERE patron_id = $1",  # noqa: S608
            patron_id,
            upgraded_hash,
        )
        await core.audit(connection, caller, "authenticate", purpose, patron_id)
        return await _record_for(core, connection, patron_id)

    patron = await core.in_transaction(settle)
    if not correct:
        raise wrong_pin()
    return patron


async def update_contact(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, update: ContactUpdate, *, expected_version: int,
    purpose: str,
) -> PatronRecord:  # fmt: skip
    """Change contact fields if the caller saw the current version (optimistic concurrency)."""

    async def work(connection: DbConnection) -> PatronRecord:
        row = await _linked_row(connection, caller, patron_id)
        _check_version(row, expected_version)
        current = store.decrypt_record(core.keyring, row)
        changed = {field: getattr(update, field) for field in update.model_fields_set}
        merged = current.model_copy(update=changed)
        try:
            _check_reachable(merged.preferred_contact, merged.addresses, merged.phone_numbers, merged.email)
        except ValueError as error:
            raise DomainError(ErrorKind.INVALID, "contact_method_unreachable", str(error)) from None
        data_key = store.data_key_of(core.keyring, row)
        assignments: list[str] = []
        values: list[object] = [patron_id]
        for column in changed:
            if column in {"addresses", "phone_numbers"}:
                plain = (
                    [a.model_dump(mode="json") for a in merged.addresses]
                    if column == "addresses"
                    else merged.phone_numbers
                )
                ciphertext: bytes | None = encrypt_json(data_key, patron_id, column, plain)
            else:
                value = getattr(merged, column)
                ciphertext = None if value is None else encrypt_field(data_key, patron_id, column, value)
            values.append(ciphertext)
            assignments.append(f"{column}_ciphertext = ${len(values)}")
        await connection.execute(
            f"UPDATE patrons SET {', '.join(assignments)}, version = version + 1, updated_at = now() "  # noqa: S608
            "WHERE patron_id = $1",
            *values,
        )
        await _announce(connection, patron_id, "updated", row["libraries"], row["version"] + 1)
        await core.audit(connection, caller, "update_contact", purpose, patron_id)
        return await _record_for(core, connection, patron_id)

    return await core.in_transaction(work)


async def _announce(
    connection: DbConnection, patron_id: uuid.UUID, change: ChangeKind, libraries: list[str], version: int | None
) -> None:
    await record_change(connection, patron_id, change, libraries, version)


async def change_pin(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, new_pin: str, purpose: str
) -> PatronRecord:
    """Set a new PIN (at a library, after checking the patron's ID); also lifts a PIN lockout."""
    refuse_unfit_pin(new_pin)
    pin_hash = await core.pin_hasher.hash_pin(new_pin)

    async def work(connection: DbConnection) -> PatronRecord:
        await _linked_row(connection, caller, patron_id)
        await connection.execute(
            f"""
            UPDATE patrons SET pin_hash = $2, {_PIN_COUNTERS_CLEARED}, version = version + 1, updated_at = now()
            WHERE patron_id = $1
            """,  # noqa: S608 - constant
            patron_id,
            pin_hash,
        )
        # A new PIN ends the patron's sessions on the insight site: whoever knew the old PIN is logged out.
        await end_sessions_of(connection, patron_id)
        await core.audit(connection, caller, "change_pin", purpose, patron_id)
        return await _record_for(core, connection, patron_id)

    return await core.in_transaction(work)


async def report_lost_card(
    core: RegistryCore,
    caller: Caller,
    patron_id: uuid.UUID,
    *,
    expected_version: int,
    purpose: str,
    idempotency_key: str | None = None,
) -> PatronRecord:
    """Issue a new card number; the old one stops working at once.

    Needs the version the library saw, so two desks cannot both replace the card. With an idempotency key, a
    retry of a request that was applied (its answer lost) returns the card issued then instead of a refusal.
    """
    # The key and the patron identify the request: a retry may carry a newer If-Match than the first attempt.
    operation = f"lost_card:{patron_id}"
    fingerprint = idempotency.request_fingerprint(core.keyring.blind_index_key, operation, b"")

    async def work(connection: DbConnection) -> PatronRecord:
        row = await _linked_row(connection, caller, patron_id)
        if idempotency_key is not None and caller.library_id is not None:
            earlier = await idempotency.find_outcome(
                connection, caller.library_id, idempotency.check_key(idempotency_key), operation, fingerprint
            )
            if earlier is not None:
                return store.decrypt_record(core.keyring, row)
            await idempotency.store_outcome(
                connection, library_id=caller.library_id, idempotency_key=idempotency_key, operation=operation,
                fingerprint=fingerprint, outcome=idempotency.StoredOutcome(patron_id, 200),
            )  # fmt: skip
        _check_version(row, expected_version)
        await connection.execute(
            "INSERT INTO replaced_cards (card_serial, patron_id) VALUES ($1, $2)", row["card_serial"], patron_id
        )
        new_serial = await store.next_card_serial(connection)
        await connection.execute(
            "UPDATE patrons SET card_serial = $2, version = version + 1, updated_at = now() WHERE patron_id = $1",
            patron_id,
            new_serial,
        )
        await _announce(connection, patron_id, "card_replaced", row["libraries"], row["version"] + 1)
        await core.audit(connection, caller, "report_lost_card", purpose, patron_id)
        return await _record_for(core, connection, patron_id)

    return await core.in_transaction(work)


def patron_presence_required(detail: str = "the patron must be present: send their card number and PIN") -> DomainError:
    return DomainError(ErrorKind.FORBIDDEN, "patron_presence_required", detail)


async def confirm_presence(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, presence: PatronPresence, purpose: str
) -> str:
    """Check that the patron is at the desk; return the kind of proof, for the audit entry of the act.

    A card number and PIN go through ``authenticate``, so a wrong PIN counts towards the same lockout as at
    every other door, and is refused with the same codes.
    """
    proof = presence.proof
    if proof is None:
        raise patron_presence_required()
    credentials = CardAuthentication(card_number=proof.card_number, pin=proof.pin)
    record = await authenticate(core, caller, credentials, f"{purpose} (proof of presence)")
    if record.patron_id != patron_id:
        raise patron_presence_required("the card and PIN given belong to another patron")
    return proof.kind


def _with_proof(purpose: str, proof_kind: str) -> str:
    return f"{purpose} (proof: {proof_kind})"


async def link_calling_library(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, presence: PatronPresence, purpose: str
) -> PatronRecord:
    """Associate the calling library with the patron (found by national ID or card first), who is present."""
    assert caller.library_id is not None
    library_id = caller.library_id
    purpose = _with_proof(purpose, await confirm_presence(core, caller, patron_id, presence, purpose))

    async def work(connection: DbConnection) -> PatronRecord:
        row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id, for_update=True)
        if row is None:
            raise patron_not_found()
        if await store.link_library(connection, patron_id, library_id):
            version = await store.bump_version(connection, patron_id)
            if row["home_library"] is None:
                await connection.execute(
                    "UPDATE patrons SET home_library = $2 WHERE patron_id = $1", patron_id, library_id
                )
            await _announce(connection, patron_id, "linked", [*row["libraries"], library_id], version)
            await core.audit(connection, caller, "link", purpose, patron_id)
        return await _record_for(core, connection, patron_id)

    return await core.in_transaction(work)


async def unlink_calling_library(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, presence: PatronPresence, purpose: str
) -> PatronRecord | None:
    """Remove the calling library's association; the record is erased when its last library goes.

    That erasure needs the patron present, as an opt-out does. Returns the remaining record, or None when the
    patron was erased.
    """
    assert caller.library_id is not None
    library_id = caller.library_id
    async with core.pool.acquire() as connection:
        libraries = (await _linked_row(connection, caller, patron_id, for_update=False))["libraries"]
    erasing_proof = (
        await confirm_presence(core, caller, patron_id, presence, purpose) if libraries == [library_id] else None
    )
    if erasing_proof is not None:
        purpose = _with_proof(purpose, erasing_proof)

    erasures: list[dt.datetime] = []

    async def work(connection: DbConnection) -> PatronRecord | None:
        row = await _linked_row(connection, caller, patron_id)
        remaining = [library for library in row["libraries"] if library != library_id]
        if not remaining and erasing_proof is None:
            # The other libraries unlinked in the meantime: this unlink would now erase the record.
            raise patron_presence_required("this is the patron's last library: unlinking erases the record")
        await connection.execute(
            "DELETE FROM patron_libraries WHERE patron_id = $1 AND library_id = $2", patron_id, library_id
        )
        await core.audit(connection, caller, "unlink", purpose, patron_id)
        await record_change(connection, patron_id, "unlinked", [library_id], None)
        if not remaining:
            erased_at = await erase_patron(
                core, connection, caller, patron_id, reason="last_library_unlinked", change="deleted"
            )
            erasures.append(erased_at)
            return None
        if row["home_library"] == library_id:
            await connection.execute(
                "UPDATE patrons SET home_library = $2 WHERE patron_id = $1", patron_id, remaining[0]
            )
        version = await store.bump_version(connection, patron_id)
        await _announce(connection, patron_id, "updated", remaining, version)
        return await _record_for(core, connection, patron_id)

    record = await core.in_transaction(work)
    for erased_at in erasures:
        await core.remember_erasure(patron_id, "last_library_unlinked", erased_at)
    return record


async def set_home_library(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, home_library: str, purpose: str
) -> PatronRecord:
    async def work(connection: DbConnection) -> PatronRecord:
        row = await _linked_row(connection, caller, patron_id)
        if home_library not in row["libraries"]:
            raise _home_library_not_linked()
        await connection.execute("UPDATE patrons SET home_library = $2 WHERE patron_id = $1", patron_id, home_library)
        version = await store.bump_version(connection, patron_id)
        await _announce(connection, patron_id, "updated", row["libraries"], version)
        await core.audit(connection, caller, "set_home_library", purpose, patron_id)
        return await _record_for(core, connection, patron_id)

    return await core.in_transaction(work)


async def erase_patron(
    core: RegistryCore, connection: DbConnection, caller: Caller, patron_id: uuid.UUID, *, reason: str,
    change: ChangeKind,
) -> dt.datetime:  # fmt: skip
    """Remove the record for real, inside the caller's transaction.

    The row holds the only copy of the wrapped data key, so deleting it destroys the key and with it every
    ciphertext of the patron (crypto-shredding). Linked libraries get a tombstone in their change feed, and
    the erasure ledger keeps only the UUID and the time, so the erasure can be re-applied after a restore.
    """
    libraries = await store.linked_libraries(connection, patron_id)
    await record_change(connection, patron_id, change, libraries, None)
    await connection.execute("DELETE FROM patrons WHERE patron_id = $1", patron_id)
    erased_at: dt.datetime = await connection.fetchval(
        """
        INSERT INTO erasure_ledger (patron_id, reason) VALUES ($1, $2)
        ON CONFLICT (patron_id) DO UPDATE SET erased_at = erasure_ledger.erased_at
        RETURNING erased_at
        """,
        patron_id,
        reason,
    )
    await core.audit(connection, caller, f"erase:{reason}", "erasure", patron_id)
    return erased_at


async def opt_out(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, presence: PatronPresence, purpose: str
) -> OptOutReceipt:
    """The patron, present at the desk, refuses central storage: the record goes, every linked library is told."""
    await _linked_row_exists(core, caller, patron_id)
    purpose = _with_proof(purpose, await confirm_presence(core, caller, patron_id, presence, purpose))

    async def work(connection: DbConnection) -> OptOutReceipt:
        await _linked_row(connection, caller, patron_id)
        await core.audit(connection, caller, "opt_out", purpose, patron_id)
        erased_at = await erase_patron(core, connection, caller, patron_id, reason="opted_out", change="opted_out")
        return OptOutReceipt(patron_id=patron_id, erased_at=erased_at)

    receipt = await core.in_transaction(work)
    await core.remember_erasure(patron_id, "opted_out", receipt.erased_at)
    return receipt


async def file_erasure_request(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, kind: str, purpose: str
) -> ErasureRequestReceipt:
    """Store a deletion request or death notice for the administrators; a pending one is not filed twice."""

    async def work(connection: DbConnection) -> ErasureRequestReceipt:
        await _linked_row(connection, caller, patron_id, for_update=True)
        row = await connection.fetchrow(
            """
            INSERT INTO erasure_requests (request_id, patron_id, kind, filed_by_library, filed_via)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (patron_id, kind) WHERE status = 'pending' DO NOTHING
            RETURNING request_id, patron_id, kind, status, filed_at
            """,
            uuid.uuid4(),
            patron_id,
            kind,
            caller.library_id,
            "library" if caller.library_id else "insight_page",
        )
        if row is None:
            row = await connection.fetchrow(
                """
                SELECT request_id, patron_id, kind, status, filed_at FROM erasure_requests
                WHERE patron_id = $1 AND kind = $2 AND status = 'pending'
                """,
                patron_id,
                kind,
            )
            assert row is not None
        else:
            await core.audit(connection, caller, f"file_{kind}", purpose, patron_id)
        return ErasureRequestReceipt.model_validate(dict(row))

    return await core.in_transaction(work)
