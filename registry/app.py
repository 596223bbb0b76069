"""The registry's application factory and its listeners."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import web

from plumbing.db.pool import create_migrated_pool
from plumbing.files import secure_service_folders
from plumbing.http.hsts import send_hsts
from plumbing.http.listeners import ListenerRunner, ListenerSite
from plumbing.http.problems import problem_middleware
from plumbing.http.sites import start_site, url_host
from plumbing.keys.files import load_or_create_key_file
from plumbing.keys.layout import KeyLayout
from plumbing.tls import public_server_context, registry_admin_desk_context, registry_node_api_context
from plumbing.web.sessions import load_or_create_session_key
from plumbing.web.times import time_zone
from registry import app_keys
from registry.admin_desk.site import create_admin_desk_app
from registry.audit.log import seal_all
from registry.audit.sealer import SealerState, run_sealer
from registry.auth.last_seen import LastSeenRecorder
from registry.auth.libraries import LibraryDirectory
from registry.auth.middleware import authentication_middleware
from registry.crypto.keyring import KeyRingWatcher
from registry.erasure.ledger_file import ErasureLedgerFile
from registry.erasure.reconcile import reconcile_regularly
from registry.health.calendar import keep_crl_fresh
from registry.insight.site import create_public_app
from registry.migrations import MIGRATIONS_PACKAGE
from registry.patrons.core import RegistryCore
from registry.routes import add_routes
from registry.settings import RegistrySettings
from registry_contract.pins import PinHasher

logger = logging.getLogger(__name__)


def create_app(settings: RegistrySettings) -> web.Application:
    """Build the registry application; ``settings.database_url`` must already be resolved."""
    if settings.database_url is None:
        raise ValueError("create_app needs a database URL; `natreg registry serve` resolves the embedded one")
    database_url = settings.database_url
    app = web.Application(
        middlewares=[problem_middleware, authentication_middleware], client_max_size=settings.max_body_bytes
    )
    layout = KeyLayout(settings.keys_dir)
    app[app_keys.SETTINGS] = settings
    app[app_keys.KEY_LAYOUT] = layout
    app[app_keys.LIBRARY_DIRECTORY] = LibraryDirectory(layout)
    app[app_keys.LAST_SEEN] = LastSeenRecorder(lambda: app[app_keys.POOL])

    async def database(app: web.Application) -> AsyncIterator[None]:
        pool = await create_migrated_pool(database_url, MIGRATIONS_PACKAGE)
        app[app_keys.POOL] = pool
        yield
        await pool.close()

    async def last_seen_writes(app: web.Application) -> AsyncIterator[None]:
        yield
        # Before the pool closes (cleanup runs in reverse order).
        await app[app_keys.LAST_SEEN].drain()

    async def patron_core(app: web.Application) -> AsyncIterator[None]:
        keyring_watcher = KeyRingWatcher(layout.registry_data_dir)
        keyring = keyring_watcher.current()
        pin_hasher = PinHasher(
            keyring.pin_pepper,
            max_concurrency=settings.pin_hash_concurrency,
            time_cost=settings.pin_hash_time_cost,
            memory_cost=settings.pin_hash_memory_kib,
        )
        app[app_keys.CORE] = RegistryCore(
            pool=app[app_keys.POOL],
            current_keyring=keyring_watcher.current,
            pin_hasher=pin_hasher,
            allow_synthetic_national_ids=settings.allow_synthetic_national_ids,
            ledger_file=ErasureLedgerFile(settings.erasure_ledger_file),
            lookup_limit=settings.lookup_limit,
        )
        yield

    async def audit_sealer(app: web.Application) -> AsyncIterator[None]:
        state = app[app_keys.SEALER_STATE]
        async with _background(run_sealer(lambda: _seal_round(app[app_keys.POOL], app[app_keys.CORE]), state)):
            yield

    async def crl_upkeep(app: web.Application) -> AsyncIterator[None]:
        async with _background(keep_crl_fresh(layout, settings.crl_refresh_interval_seconds)):
            yield

    async def erasure_ledger_upkeep(app: web.Application) -> AsyncIterator[None]:
        reconcile = reconcile_regularly(app[app_keys.CORE], settings.erasure_ledger_reconcile_interval_seconds)
        async with _background(reconcile):
            yield

    app[app_keys.SEALER_STATE] = SealerState()
    app.cleanup_ctx.extend([database, last_seen_writes, patron_core, audit_sealer, erasure_ledger_upkeep])
    if settings.crl_refresh_interval_seconds > 0:
        app.cleanup_ctx.append(crl_upkeep)
    add_routes(app)
    return app


@contextlib.asynccontextmanager
async def _background(job: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Run ``job`` while the app runs; cancel it at shutdown."""
    task = asyncio.create_task(job)
    try:
        yield
    finally:
        task.cancel()
        # Cancelled in the middle of a query, asyncpg may report the closed connection instead of the cancel.
        with contextlib.suppress(asyncio.CancelledError, asyncpg.InterfaceError):
            await task


async def _seal_round(pool: asyncpg.Pool, core: RegistryCore) -> None:
    """Chain recorded accesses into the audit log (one instance seals; others find it busy)."""
    async with pool.acquire() as connection:
        await seal_all(connection, core.keyring.audit_key, wait_turn=False)


@dataclass
class RunningRegistry:
    runner: web.AppRunner
    public_runner: web.AppRunner
    admin_runner: web.AppRunner
    api_url: str
    health_url: str
    public_url: str
    admin_url: str

    async def stop(self) -> None:
        # The public site and the administrators' desk borrow the API app's pool, so they go first.
        await self.admin_runner.cleanup()
        await self.public_runner.cleanup()
        await self.runner.cleanup()


async def start_registry(settings: RegistrySettings) -> RunningRegistry:
    """Start the node API (mutual TLS), the plain health listener, the public insight site (HTTPS) and the
    administrators' desk (mutual TLS, administrators' certificates only).

    Port 0 picks free ports.
    """
    secure_service_folders(settings.data_dir, settings.keys_dir, [settings.erasure_ledger_file])
    app = create_app(settings)
    layout = app[app_keys.KEY_LAYOUT]
    runner = ListenerRunner(app, read_timeout_seconds=settings.read_timeout_seconds)
    await runner.setup()
    libraries = app[app_keys.LIBRARY_DIRECTORY]
    public_app = create_public_app(
        lambda: app[app_keys.CORE],
        session_key=load_or_create_session_key(layout.insight_session_key),
        controller=settings.operator_name,
        library_names=libraries.display_name,
        zone=time_zone(settings.timezone),
    )
    send_hsts(public_app)
    public_runner = ListenerRunner(public_app, read_timeout_seconds=settings.read_timeout_seconds)
    admin_app = create_admin_desk_app(
        lambda: app[app_keys.CORE],
        layout=layout,
        libraries=libraries,
        form_key=load_or_create_key_file(layout.admin_desk_form_key),
        zone=time_zone(settings.timezone),
    )
    admin_runner = ListenerRunner(admin_app, read_timeout_seconds=settings.read_timeout_seconds)
    try:
        api_port = await start_site(
            runner, ListenerSite(runner, settings.host, settings.port, ssl_context=registry_node_api_context(layout))
        )
        health_port = await start_site(runner, ListenerSite(runner, settings.host, settings.health_port))
        await public_runner.setup()
        public_context = public_server_context(
            settings.public_tls_cert_path or layout.registry_server_certificate,
            settings.public_tls_key_path or layout.registry_server_key,
        )
        public_port = await start_site(
            public_runner, ListenerSite(public_runner, settings.host, settings.public_port, ssl_context=public_context)
        )
        await admin_runner.setup()
        admin_context = registry_admin_desk_context(layout)
        admin_port = await start_site(
            admin_runner, ListenerSite(admin_runner, settings.host, settings.admin_port, ssl_context=admin_context)
        )
    except BaseException:
        await admin_runner.cleanup()
        await public_runner.cleanup()
        await runner.cleanup()
        raise
    host = url_host(settings.host)
    return RunningRegistry(
        runner=runner,
        public_runner=public_runner,
        admin_runner=admin_runner,
        api_url=f"https://{host}:{api_port}",
        health_url=f"http://{host}:{health_port}/health",
        public_url=f"https://{host}:{public_port}",
        admin_url=f"https://{host}:{admin_port}",
    )
