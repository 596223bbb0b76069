"""What every patron operation stands on: who calls (:class:`Caller`), what it needs (:class:`RegistryCore`),
and the reads and refusals they share.

The operations themselves live beside this module, one concern each: ``registration``, ``lookups``,
``authentication`` (PINs), ``contact``, ``lost_cards``, ``links`` (link, unlink, home library, opt-out) and
``erasure``. Each function is one unit of work (one transaction), audited, and raises DomainError with a
stable code for every refusal. Their SQL is in ``store``.

Argon2 work (hashing and verifying PINs) always happens outside database transactions, so a slow hash never
holds row locks or pool connections.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import asyncpg

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry.audit.accesses import AccessRecorder
from registry.audit.log import AuditEvent, record
from registry.crypto.keyring import KeyRing
from registry.erasure.ledger_file import ErasureLedgerFile
from registry.patrons import store
from registry.patrons.lookup_limits import LookupLimit

if TYPE_CHECKING:
    from registry.patrons.eid_presence import EidTrust
from registry_contract.models import PatronRecord
from registry_contract.pins import PinHasher
from registry_contract.refusals import patron_not_found

ResultT = TypeVar("ResultT")
DEFAULT_LOOKUP_LIMIT = LookupLimit()


@dataclass(frozen=True)
class Caller:
    """Who is acting: a library (over mutual TLS), the patron (insight page) or an administrator."""

    actor: str
    library_id: str | None = None

    @classmethod
    def library(cls, library_id: str) -> Caller:
        return cls(actor=f"library:{library_id}", library_id=library_id)

    def access(self, operation: str, purpose: str, patron_id: uuid.UUID | None) -> AuditEvent:
        """This caller's audit entry for ``operation`` on ``patron_id`` (None: no patron, or none found)."""
        return AuditEvent(
            actor=self.actor, library_id=self.library_id, operation=operation, purpose=purpose, patron_id=patron_id
        )


@dataclass(frozen=True)
class RegistryCore:
    """What the patron operations need: the database, the keys and the PIN hasher."""

    pool: asyncpg.Pool
    current_keyring: Callable[[], KeyRing]
    pin_hasher: PinHasher
    allow_synthetic_national_ids: bool
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    ledger_file: ErasureLedgerFile | None = None
    """Online failures on numbers without a PIN to count them on (``registry_contract.lockout``)."""
    lookup_limit: LookupLimit = DEFAULT_LOOKUP_LIMIT
    eid: EidTrust | None = None
    """The national eID provider whose sign-ins prove a patron's presence (``eid_presence``); None: none."""

    async def remember_erasure(self, patron_id: uuid.UUID, reason: str, erased_at: dt.datetime) -> None:
        """After the erasure committed: copy it to the ledger file that survives database restores."""
        if self.ledger_file is not None:
            await self.ledger_file.append(patron_id, reason, erased_at)

    @functools.cached_property
    def accesses(self) -> AccessRecorder:
        """Where reads outside a transaction record their audit entries (grouped, see ``audit.accesses``)."""
        return AccessRecorder(self.pool)

    @property
    def keyring(self) -> KeyRing:
        """The key ring as it is now (it changes when a new key-encryption key is added)."""
        return self.current_keyring()

    async def audit(
        self, connection: DbConnection, caller: Caller, operation: str, purpose: str, patron_id: uuid.UUID | None
    ) -> None:
        await record(connection, caller.access(operation, purpose, patron_id))

    async def in_transaction(self, work: Callable[[DbConnection], Awaitable[ResultT]]) -> ResultT:
        async with self.pool.acquire() as connection, connection.transaction():
            return await work(connection)


def check_version(row: asyncpg.Record, expected_version: int) -> None:
    if row["version"] != expected_version:
        raise DomainError(
            ErrorKind.PRECONDITION_FAILED,
            "version_mismatch",
            "the record changed since you read it; read it again and reapply your change",
            extra={"current_version": row["version"]},
        )


def home_library_not_linked() -> DomainError:
    return DomainError(
        ErrorKind.INVALID, "home_library_not_linked", "the home library must be one the patron is associated with"
    )


async def record_for(core: RegistryCore, connection: DbConnection, patron_id: uuid.UUID) -> PatronRecord:
    row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id)
    if row is None:
        raise patron_not_found()
    return store.decrypt_record(core.keyring, row)


async def linked_row_exists(core: RegistryCore, caller: Caller, patron_id: uuid.UUID) -> None:
    """Refuse early, before any PIN is checked, when the patron is not the calling library's."""
    async with core.pool.acquire() as connection:
        await linked_row(connection, caller, patron_id, for_update=False)


async def linked_row(
    connection: DbConnection, caller: Caller, patron_id: uuid.UUID, *, for_update: bool = True
) -> asyncpg.Record:
    """The patron's row, locked, if the calling library is associated with the patron."""
    row = await store.fetch_patron_row(connection, where=store.BY_ID, argument=patron_id, for_update=for_update)
    if row is None or (caller.library_id is not None and caller.library_id not in row["libraries"]):
        raise patron_not_found()
    return row
