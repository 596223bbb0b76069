"""What the administrators' desk shows besides the erasure queue: the libraries, the audit chain, the keys.

Each function is handed what it needs (the core, the library and administrator lists, the key layout) and
records the administrator's look in the audit log, like every other view of the desk.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from plumbing.db.types import DbConnection
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import AdministratorEntry, LibraryEntry, certificate_files
from registry.audit.log import ChainVerdict, last_sealed_entry, seal_all, verify_chain
from registry.audit.sealer import SealingLag, sealing_lag
from registry.auth.last_seen import last_seen_by_library
from registry.health.calendar import CERTIFICATE_WARNING_BEFORE, calendar_report
from registry.patrons.core import Caller, RegistryCore

DESK_PURPOSE = "registry administration"


@dataclass(frozen=True)
class LibraryState:
    entry: LibraryEntry
    last_seen_at: dt.datetime | None

    @property
    def state(self) -> str:
        return "revoked" if self.entry.revoked else "active"


async def libraries(core: RegistryCore, admin: Caller, entries: list[LibraryEntry]) -> list[LibraryState]:
    """Every library in the registry's list with its state and when it last authenticated."""

    async def work(connection: DbConnection) -> list[LibraryState]:
        await core.audit(connection, admin, "admin_view_libraries", DESK_PURPOSE, None)
        seen = await last_seen_by_library(connection)
        return [LibraryState(entry, seen.get(entry.library_id)) for entry in entries]

    return await core.in_transaction(work)


@dataclass(frozen=True)
class ChainState:
    last_sequence_number: int | None
    last_sealed_at: dt.datetime | None
    lag: SealingLag


async def audit_chain_state(core: RegistryCore, admin: Caller) -> ChainState:
    async def work(connection: DbConnection) -> ChainState:
        await core.audit(connection, admin, "admin_view_audit_chain", DESK_PURPOSE, None)
        last = await last_sealed_entry(connection)
        lag = await sealing_lag(connection)
        return ChainState(last[0] if last else None, last[1] if last else None, lag)

    return await core.in_transaction(work)


async def verify_audit_chain(core: RegistryCore, admin: Caller) -> ChainVerdict:
    """Seal what is committed, then walk the whole chain (as ``natreg registry audit verify`` does)."""
    await core.in_transaction(
        lambda connection: core.audit(connection, admin, "admin_verify_audit_chain", DESK_PURPOSE, None)
    )
    audit_key = core.keyring.audit_key
    async with core.pool.acquire() as connection:
        await seal_all(connection, audit_key)
        return await verify_chain(connection, audit_key)


@dataclass(frozen=True)
class Expiry:
    what: str
    not_after: dt.datetime


@dataclass(frozen=True)
class KeyStatus:
    kek_versions: tuple[int, ...]
    active_kek_version: int
    patrons_by_kek_version: dict[int, int]
    crl_next_update: dt.datetime | None
    expiries: list[Expiry]
    warnings: list[str]

    @property
    def patrons_to_rotate(self) -> int:
        """Patrons whose data key is still wrapped by an older KEK (``natreg registry rotate-keys`` re-wraps them)."""
        return sum(count for version, count in self.patrons_by_kek_version.items() if version < self.active_kek_version)


async def key_status(
    core: RegistryCore,
    admin: Caller,
    layout: KeyLayout,
    administrators: list[AdministratorEntry],
    now: dt.datetime,
    *,
    libraries: Mapping[str, LibraryEntry] | None = None,
) -> KeyStatus:
    """KEK versions and rotation progress, the CRL's next update and every certificate's expiry."""
    calendar = await asyncio.to_thread(calendar_report, layout, now, libraries=libraries)
    certificates = await asyncio.to_thread(certificate_files, layout, libraries)
    expiries = [Expiry(certificate.what, certificate.not_after) for certificate in certificates]
    expiries += [
        Expiry(f"administrator {entry.name}", entry.certificate_not_after)
        for entry in administrators
        if not entry.revoked and entry.certificate_not_after is not None
    ]

    async def work(connection: DbConnection) -> dict[int, int]:
        await core.audit(connection, admin, "admin_view_keys", DESK_PURPOSE, None)
        return await patrons_by_kek_version(connection)

    # Administrators' certificates are not renewed by `natreg keys renew`: a new one is issued (revoke, add-admin).
    warnings = list(calendar.warnings) + [
        f"the {expiry.what} certificate expires at {expiry.not_after:%Y-%m-%dT%H:%M}Z: "
        "issue a new one (`natreg keys revoke-admin`, then `natreg keys add-admin`)"
        for expiry in expiries
        if expiry.what.startswith("administrator ") and expiry.not_after - now < CERTIFICATE_WARNING_BEFORE
    ]
    keyring = core.keyring
    return KeyStatus(
        kek_versions=keyring.kek_versions,
        active_kek_version=keyring.active_kek_version,
        patrons_by_kek_version=await core.in_transaction(work),
        crl_next_update=calendar.crl_next_update,
        expiries=sorted(expiries, key=lambda expiry: expiry.not_after),
        warnings=warnings,
    )


async def patrons_by_kek_version(connection: DbConnection) -> dict[int, int]:
    rows = await connection.fetch("SELECT kek_version, count(*) AS patrons FROM patrons GROUP BY kek_version")
    return {row["kek_version"]: int(row["patrons"]) for row in rows}
