"""Registry maintenance commands (``natreg registry …``, ``natreg admin …``): audit verification, key rotation,
bulk import, deletion requests, library services for the patron login.

Each resolves the database like the service does (configured URL, or the embedded server) and runs its
work with the same domain code the API and the administrators' desk use.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg

from plumbing.db.pool import service_database
from plumbing.errors import DomainError, ErrorKind
from plumbing.keys.layout import KeyLayout
from plumbing.progress import Progress
from plumbing.web.language import Language
from registry.audit.log import ChainVerdict, seal_all, verify_chain
from registry.auth.directory_store import directory_version
from registry.auth.libraries import import_key_folder
from registry.bulk_import.importer import ImportReport, import_patrons
from registry.crypto.keyring import KeyRing
from registry.crypto.rotation import RotationReport, data_keys_to_rewrap, rotate_data_keys
from registry.erasure import admin
from registry.erasure.ledger_file import ErasureLedgerFile
from registry.federation.profiles import set_profile
from registry.migrations import MIGRATIONS_PACKAGE
from registry.oidc.clients import RegisteredService, ServiceClient, all_clients, disable_service, register_service
from registry.patrons.core import RegistryCore
from registry.population.backfill import BackfillStep, backfill
from registry.population.client import population_register_client
from registry.settings import RegistrySettings
from registry_contract.federation import FederationProfile
from registry_contract.pins import PinHasher


def registry_pool(settings: RegistrySettings) -> contextlib.AbstractAsyncContextManager[asyncpg.Pool]:
    return service_database(settings.database_url, settings.data_dir, settings.database_name, MIGRATIONS_PACKAGE)


def load_keyring(settings: RegistrySettings) -> KeyRing:
    return KeyRing.load(KeyLayout(settings.keys_dir).registry_data_dir)


async def verify_audit_log(settings: RegistrySettings) -> ChainVerdict:
    keyring = load_keyring(settings)
    async with registry_pool(settings) as pool, pool.acquire() as connection:
        # Entries recorded but not sealed yet (a registry may have stopped before sealing) join the chain first.
        await seal_all(connection, keyring.audit_key)
        return await verify_chain(connection, keyring.audit_key)


async def rotate_keys(settings: RegistrySettings, *, batch_size: int) -> RotationReport:
    keyring = load_keyring(settings)
    progress = Progress("data keys re-wrapped")
    async with registry_pool(settings) as pool:
        total = await data_keys_to_rewrap(pool, keyring)
        try:
            return await rotate_data_keys(
                pool, keyring, batch_size=batch_size, on_batch=lambda done: progress.update(done, done / max(total, 1))
            )
        finally:
            progress.finish()


@contextlib.asynccontextmanager
async def registry_core(settings: RegistrySettings) -> AsyncIterator[RegistryCore]:
    """The same domain core the API uses, for administrators' commands."""
    keyring = load_keyring(settings)
    async with registry_pool(settings) as pool:
        yield RegistryCore(
            pool=pool,
            current_keyring=lambda: keyring,
            pin_hasher=_pin_hasher(settings, keyring),
            allow_synthetic_national_ids=settings.allow_synthetic_national_ids,
            ledger_file=ErasureLedgerFile(settings.erasure_ledger_file),
        )


def _pin_hasher(settings: RegistrySettings, keyring: KeyRing) -> PinHasher:
    return PinHasher(
        keyring.pin_pepper,
        max_concurrency=settings.pin_hash_concurrency,
        time_cost=settings.pin_hash_time_cost,
        memory_cost=settings.pin_hash_memory_kib,
    )


async def list_erasure_requests(
    settings: RegistrySettings, administrator: str, status: str | None
) -> list[admin.RequestSummary]:
    async with registry_core(settings) as core:
        return await admin.list_requests(core, admin.administrator(administrator), status)


async def show_erasure_request(
    settings: RegistrySettings, administrator: str, request_id: uuid.UUID
) -> admin.RequestDetails:
    async with registry_core(settings) as core:
        return await admin.show_request(core, admin.administrator(administrator), request_id)


async def decide_erasure_request(
    settings: RegistrySettings, administrator: str, request_id: uuid.UUID, *, approve: bool, note: str | None
) -> admin.ErasureRequest:
    async with registry_core(settings) as core:
        decide = admin.approve_request if approve else admin.reject_request
        return await decide(core, admin.administrator(administrator), request_id, note)


async def reapply_erasures(settings: RegistrySettings, administrator: str) -> list[uuid.UUID]:
    async with registry_core(settings) as core:
        return await admin.reapply_erasures(core, admin.administrator(administrator))


async def import_file(settings: RegistrySettings, path: Path, *, library_id: str | None) -> ImportReport:
    keyring = load_keyring(settings)
    pin_hasher = _pin_hasher(settings, keyring)
    progress = Progress("rows")
    async with registry_pool(settings) as pool:
        try:
            return await import_patrons(
                pool,
                keyring,
                pin_hasher,
                path,
                allow_synthetic=settings.allow_synthetic_national_ids,
                default_library=library_id,
                progress=progress.update,
            )
        finally:
            progress.finish()


def registry_database_configured(settings: RegistrySettings) -> bool:
    """Whether this host has the registry's database: a configured URL, or the embedded server's data."""
    return settings.database_url is not None or (settings.data_dir / "pgdata").exists()


async def publish_key_folder(settings: RegistrySettings) -> int:
    """Bring the key folder's library list and CRL into the registry's database; return the directory version.

    Every running registry instance enforces the result within a second (``registry.auth.libraries``).
    """
    async with registry_pool(settings) as pool, pool.acquire() as connection:
        await import_key_folder(connection, KeyLayout(settings.keys_dir))
        return await directory_version(connection)


async def population_backfill(
    settings: RegistrySettings, *, restart: bool, progress: Callable[[BackfillStep], None]
) -> BackfillStep:
    """Check every patron against the population register's bulk lookup (resumes where a run stopped)."""
    if not settings.population.enabled:
        raise DomainError(
            ErrorKind.INVALID,
            "population_register_not_configured",
            "set NATREG_REGISTRY_POPULATION_API_URL and NATREG_REGISTRY_POPULATION_TOKEN_URL first",
        )
    register = population_register_client(settings.population, KeyLayout(settings.keys_dir))
    try:
        async with registry_core(settings) as core:
            return await backfill(core, register, settings.population, restart=restart, progress=progress)
    finally:
        await register.close()


async def set_federation_profile(settings: RegistrySettings, library_id: str, profile: FederationProfile) -> None:
    """Where a library's node answers other nodes, and what it offers them (served at ``GET /v1/libraries``)."""
    async with registry_pool(settings) as pool, pool.acquire() as connection:
        await set_profile(connection, library_id, profile)


async def add_library_service(
    settings: RegistrySettings, *, client_id: str, names: dict[Language, str], redirect_uris: list[str],
    claims: list[str] | None, public: bool,
) -> RegisteredService:  # fmt: skip
    """Register a library service for the patron login (``registry.oidc``); its secret is in the answer, once."""
    async with registry_pool(settings) as pool, pool.acquire() as connection, connection.transaction():
        return await register_service(
            connection, client_id=client_id, names=names, redirect_uris=redirect_uris, claims=claims, public=public,
            now=dt.datetime.now(dt.UTC),
        )  # fmt: skip


async def list_library_services(settings: RegistrySettings) -> list[ServiceClient]:
    async with registry_pool(settings) as pool, pool.acquire() as connection:
        return await all_clients(connection)


async def disable_library_service(settings: RegistrySettings, client_id: str) -> None:
    async with registry_pool(settings) as pool, pool.acquire() as connection, connection.transaction():
        await disable_service(connection, client_id, dt.datetime.now(dt.UTC))
