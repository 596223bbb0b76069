"""The registry's application factory and its listeners."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
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
from plumbing.keys.signing import SigningKeyRing
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
from registry.oidc.provider import ID_TOKEN_SIGNING_PURPOSE, Provider
from registry.patrons.core import RegistryCore
from registry.patrons.eid_presence import eid_trust
from registry.population.client import population_register_client
from registry.population.follower import FeedState, follow_regularly
from registry.routes import add_routes
from registry.settings import RegistrySettings
from registry_contract.pins import PinHasher
from registry_contract.statements import STATEMENT_KEY_PURPOSE

logger = logging.getLogger(__name__)


def _federation_keys(app: web.Application, layout: KeyLayout) -> None:
    """The rotating keys that sign patron statements (a first one made on first start)."""
    app[app_keys.STATEMENT_KEYS] = SigningKeyRing.open(layout.signing_keys(STATEMENT_KEY_PURPOSE))


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

    async def library_directory(app: web.Application) -> AsyncIterator[None]:
        directory = app[app_keys.LIBRARY_DIRECTORY]
        # Before any listener accepts a request: the directory as the database has it.
        await directory.synchronise(app[app_keys.POOL])
        listen_url = settings.listen_database_url or database_url
        listen = None if listen_url == "off" else lambda: asyncpg.connect(listen_url)
        async with _background(directory.follow(app[app_keys.POOL], listen)):
            yield

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
            eid=eid_trust(settings.eid_issuer, settings.eid_client_ids, settings.eid_ca_file),
        )
        yield
        trust = app[app_keys.CORE].eid
        if trust is not None:
            await trust.provider.close()

    app[app_keys.SEALER_STATE] = SealerState()
    app.cleanup_ctx.extend([database, library_directory, last_seen_writes, patron_core])
    if settings.population.enabled:
        app[app_keys.POPULATION_FEED_STATE] = FeedState()
    app.cleanup_ctx.extend(_background_jobs(settings, layout))
    _federation_keys(app, layout)
    add_routes(app)
    return app


CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def _background_jobs(settings: RegistrySettings, layout: KeyLayout) -> list[CleanupContext]:
    """The jobs every instance runs beside its listeners (each safe to run on several instances at once)."""

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

    async def population_register_job(app: web.Application) -> AsyncIterator[None]:
        register = population_register_client(settings.population, layout)
        state = app[app_keys.POPULATION_FEED_STATE]
        async with _background(follow_regularly(app[app_keys.CORE], register, settings.population, state)):
            yield
        await register.close()

    jobs: list[CleanupContext] = [audit_sealer, erasure_ledger_upkeep]
    if settings.crl_refresh_interval_seconds > 0:
        jobs.append(crl_upkeep)
    if settings.population.enabled:
        jobs.append(population_register_job)
    return jobs


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


async def start_registry(settings: RegistrySettings, *, reuse_port: bool = False) -> RunningRegistry:
    """Start the node API (mutual TLS), the plain health listener, the public insight site (HTTPS) and the
    administrators' desk (mutual TLS, administrators' certificates only).

    Port 0 picks free ports. ``reuse_port``: one of several worker processes on the same ports.
    """
    secure_service_folders(settings.data_dir, settings.keys_dir, [settings.erasure_ledger_file])
    app = create_app(settings)
    layout = app[app_keys.KEY_LAYOUT]
    runner = ListenerRunner(app, read_timeout_seconds=settings.read_timeout_seconds)
    await runner.setup()
    libraries = app[app_keys.LIBRARY_DIRECTORY]
    oidc_provider = Provider(
        core_provider=lambda: app[app_keys.CORE],
        signing_keys=SigningKeyRing.open(layout.signing_keys(ID_TOKEN_SIGNING_PURPOSE)),
        pairwise_key=load_or_create_key_file(layout.oidc_pairwise_key),
        issuer=settings.oidc_issuer or "",
    )
    public_app = create_public_app(
        lambda: app[app_keys.CORE],
        session_key=load_or_create_session_key(layout.insight_session_key),
        controller=settings.operator_name,
        oidc_provider=oidc_provider,
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
            runner,
            ListenerSite(
                runner,
                settings.host,
                settings.port,
                ssl_context=registry_node_api_context(layout),
                reuse_port=reuse_port,
            ),
        )
        health_port = await start_site(
            runner, ListenerSite(runner, settings.host, settings.health_port, reuse_port=reuse_port)
        )
        await public_runner.setup()
        public_context = public_server_context(
            settings.public_tls_cert_path or layout.registry_server_certificate,
            settings.public_tls_key_path or layout.registry_server_key,
        )
        public_port = await start_site(
            public_runner,
            ListenerSite(
                public_runner, settings.host, settings.public_port, ssl_context=public_context, reuse_port=reuse_port
            ),
        )
        await admin_runner.setup()
        admin_context = registry_admin_desk_context(layout)
        admin_port = await start_site(
            admin_runner,
            ListenerSite(
                admin_runner, settings.host, settings.admin_port, ssl_context=admin_context, reuse_port=reuse_port
            ),
        )
    except BaseException:
        await admin_runner.cleanup()
        await public_runner.cleanup()
        await runner.cleanup()
        raise
    host = url_host(settings.host)
    # Known only now when the port was picked at start (port 0).
    oidc_provider.issuer = settings.oidc_issuer or f"https://{host}:{public_port}"
    return RunningRegistry(
        runner=runner,
        public_runner=public_runner,
        admin_runner=admin_runner,
        api_url=f"https://{host}:{api_port}",
        health_url=f"http://{host}:{health_port}/health",
        public_url=f"https://{host}:{public_port}",
        admin_url=f"https://{host}:{admin_port}",
    )
