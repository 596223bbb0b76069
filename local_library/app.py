"""The library node's application factory and its listener."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from local_library import app_keys
from local_library.catalogue.views import routes as catalogue_routes
from local_library.circulation.views import routes as circulation_routes
from local_library.daily import run_scheduler
from local_library.daily.views import routes as daily_routes
from local_library.desk import add_desk_routes
from local_library.federation.directory import CachedDirectory
from local_library.federation.peer_client import PeerClient
from local_library.federation.peer_routes import PEER_ENDPOINTS
from local_library.federation.peer_server import create_peer_app
from local_library.federation.statements import StatementVerifier
from local_library.interlibrary.network import FederationNetwork
from local_library.interlibrary.service import Interlibrary, run_delivery_loop
from local_library.interlibrary.views import routes as interlibrary_routes
from local_library.invoices.views import routes as invoice_routes
from local_library.meraapent.access import DoorChecks, door_decision_in_norwegian, entry_key_from
from local_library.meraapent.views import routes as door_routes
from local_library.migrations import MIGRATIONS_PACKAGE
from local_library.minside import add_minside_routes
from local_library.patrons.pins import load_or_create_pin_pepper
from local_library.patrons.views import routes as patron_routes
from local_library.registry_link.login import PatronLogins
from local_library.registry_link.sync import RegistryLink, run_sync_loop, stop_desk_deliveries
from local_library.registry_link.views import routes as national_routes
from local_library.resources import load_library_policy, notice_sender, pin_hasher, system_clock
from local_library.settings import LibrarySettings
from local_library.sip2.server import DoorAnswer, DoorCheck, Sip2Server, Sip2Service
from local_library.staff.accounts import ensure_bootstrap_admin, read_bootstrap_password
from local_library.staff.auth import staff_auth_middleware
from local_library.staff.passwords import StaffPasswordHasher
from local_library.staff.views import routes as staff_routes
from local_library.status.views import health, registry_status
from plumbing.db.pool import create_migrated_pool
from plumbing.files import secure_service_folders
from plumbing.http.hsts import send_hsts
from plumbing.http.listeners import ListenerRunner, ListenerSite
from plumbing.http.problems import problem_middleware
from plumbing.http.sites import start_site, url_host
from plumbing.keys.layout import KeyLayout
from plumbing.ratelimit import LoginLimiter
from plumbing.tls import library_client_context, library_peer_server_context, public_server_context
from registry_contract.client import RegistryClient
from registry_contract.lockout import UnknownCardAttempts


def create_app(settings: LibrarySettings) -> web.Application:
    """Build one library node; ``settings.database_url`` must already be resolved.

    The lending policy is loaded here, so an invalid policy file stops the start with a ``PolicyError`` that
    lists every problem. Tests may replace ``app[app_keys.CLOCK]`` (and the sender) before starting the app.
    """
    if settings.database_url is None:
        raise ValueError("create_app needs a database URL; `natreg library serve` resolves the embedded one")
    database_url = settings.database_url
    bootstrap_password = (
        None
        if settings.bootstrap_admin_password_file is None
        else read_bootstrap_password(settings.bootstrap_admin_password_file)
    )
    app = web.Application(middlewares=[problem_middleware, staff_auth_middleware])
    app[app_keys.SETTINGS] = settings
    app[app_keys.POLICY] = load_library_policy(settings)
    app[app_keys.CLOCK] = system_clock(settings)
    app[app_keys.PIN_HASHER] = pin_hasher(settings)
    app[app_keys.STAFF_HASHER] = StaffPasswordHasher()
    app[app_keys.STAFF_LOGIN_LIMITER] = LoginLimiter()
    app[app_keys.UNKNOWN_CARDS] = UnknownCardAttempts()
    app[app_keys.NOTICE_SENDER] = notice_sender(settings)

    async def database(app: web.Application) -> AsyncIterator[None]:
        pool = await create_migrated_pool(database_url, MIGRATIONS_PACKAGE)
        if bootstrap_password is not None:
            async with pool.acquire() as connection, connection.transaction():
                await ensure_bootstrap_admin(connection, app[app_keys.STAFF_HASHER], bootstrap_password)
        app[app_keys.POOL] = pool
        yield
        await pool.close()

    async def daily_scheduler(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(
            run_scheduler(app[app_keys.POOL], app[app_keys.POLICY], app[app_keys.CLOCK], app[app_keys.NOTICE_SENDER])
        )
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def registry_client(app: web.Application) -> AsyncIterator[None]:
        client = RegistryClient.for_library(
            settings.registry_url,
            KeyLayout(settings.keys_dir),
            settings.library_id,
            timeout_seconds=settings.registry_timeout_seconds,
            retries=settings.registry_retries,
        )
        app[app_keys.REGISTRY] = client
        yield
        await client.close()

    app.cleanup_ctx.extend([database, registry_client, _federation, _interlibrary, _registry_link, _patron_logins])
    if settings.daily_run_enabled:
        app.cleanup_ctx.append(daily_scheduler)
    app.router.add_get("/health", health)
    app.router.add_get("/status/registry", registry_status)
    for routes in (
        staff_routes,
        catalogue_routes,
        patron_routes,
        circulation_routes,
        daily_routes,
        national_routes,
        door_routes,
        invoice_routes,
        interlibrary_routes,
    ):
        app.router.add_routes(routes)
    add_minside_routes(app)
    add_desk_routes(app)
    send_hsts(app)
    return app


async def _federation(app: web.Application) -> AsyncIterator[None]:
    """The cached library directory and the client for other nodes (mutual TLS with this library's certificate)."""
    settings = app[app_keys.SETTINGS]
    directory = CachedDirectory(
        app[app_keys.REGISTRY].library_directory, max_age_seconds=settings.directory_max_age_seconds
    )
    client = PeerClient(
        directory,
        library_client_context(KeyLayout(settings.keys_dir), settings.library_id),
        timeout_seconds=settings.peer_timeout_seconds,
    )
    app[app_keys.PEER_DIRECTORY] = directory
    app[app_keys.PEER_CLIENT] = client
    app[app_keys.PEER_STATEMENTS] = StatementVerifier(settings.library_id, app[app_keys.REGISTRY].statement_keys)
    yield
    await client.close()


@contextlib.asynccontextmanager
async def _in_background(job: Coroutine[Any, Any, None] | None) -> AsyncIterator[None]:
    """Run ``job`` (a loop the settings may turn off: None) while the block runs; cancel it when the block ends."""
    task = asyncio.create_task(job) if job is not None else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _interlibrary(app: web.Application) -> AsyncIterator[None]:
    """Interlibrary requests over the federation, and the loop that delivers their messages when enabled."""
    settings = app[app_keys.SETTINGS]
    network = FederationNetwork(settings.library_id, app[app_keys.PEER_DIRECTORY], app[app_keys.PEER_CLIENT])
    interlibrary = Interlibrary(
        settings.library_id, app[app_keys.POOL], app[app_keys.POLICY], app[app_keys.CLOCK], network
    )
    app[app_keys.INTERLIBRARY] = interlibrary
    delivery = (
        run_delivery_loop(interlibrary, settings.interlibrary_delivery_interval_seconds)
        if settings.interlibrary_delivery_enabled
        else None
    )
    async with _in_background(delivery):
        yield


async def start_peer_listener(app: web.Application) -> tuple[web.AppRunner, int]:
    """The peer listener for other library nodes (mutual TLS), on the node's host; returns it and its port."""
    settings = app[app_keys.SETTINGS]
    runner = ListenerRunner(create_peer_app(app, PEER_ENDPOINTS), read_timeout_seconds=settings.read_timeout_seconds)
    await runner.setup()
    context = library_peer_server_context(KeyLayout(settings.keys_dir), settings.library_id)
    try:
        port = await start_site(runner, ListenerSite(runner, settings.host, settings.peer_port, ssl_context=context))
    except BaseException:
        await runner.cleanup()
        raise
    return runner, port


async def _registry_link(app: web.Application) -> AsyncIterator[None]:
    """The outbox key, the link's shared state, and the background sync loop when enabled."""
    settings = app[app_keys.SETTINGS]
    link = RegistryLink.for_node(settings, app[app_keys.POOL], app[app_keys.REGISTRY], app[app_keys.NOTICE_SENDER])
    app[app_keys.REGISTRY_LINK] = link
    sync = run_sync_loop(link, settings.registry_sync_interval_seconds) if settings.registry_sync_enabled else None
    async with _in_background(sync):
        yield
    await stop_desk_deliveries(link)


async def _patron_logins(app: web.Application) -> AsyncIterator[None]:
    # Built at start, so a clock or hasher a test put in place before starting the app is the one used.
    app[app_keys.PATRON_LOGINS] = PatronLogins(
        pool=app[app_keys.POOL],
        registry=app[app_keys.REGISTRY],
        pin_hasher=app[app_keys.PIN_HASHER],
        clock=app[app_keys.CLOCK],
        unknown_cards=app[app_keys.UNKNOWN_CARDS],
    )
    settings = app[app_keys.SETTINGS]
    app[app_keys.DOOR_CHECKS] = DoorChecks(
        logins=app[app_keys.PATRON_LOGINS],
        policy=app[app_keys.POLICY],
        timezone=settings.timezone,
        entry_key=entry_key_from(load_or_create_pin_pepper(settings)),
    )
    yield


def sip2_door_check(checks: DoorChecks) -> DoorCheck:
    """A door panel's patron status over SIP2 is the unstaffed-hours check (``meraapent``), logged like any door."""

    async def door_check(card_number: str, pin: str, door: str) -> DoorAnswer:
        admit, words = await door_decision_in_norwegian(checks, card_number, pin, door)
        return DoorAnswer(admit, words)

    return door_check


async def start_sip2(app: web.Application) -> Sip2Server:
    """The SIP2 listener for a started node app; it binds the node's host, plain or with the node's TLS.

    Started by :func:`start_library` (not ``create_app``), so in-process API tests do not open a TCP port.
    """
    settings = app[app_keys.SETTINGS]
    policy = app[app_keys.POLICY]
    server = Sip2Server(
        Sip2Service(
            logins=app[app_keys.PATRON_LOGINS],
            policy=policy,
            terminal_hasher=app[app_keys.STAFF_HASHER],
            library_name=policy.name.nb,
            door_check=sip2_door_check(app[app_keys.DOOR_CHECKS]),
        )
    )
    context = None
    if settings.sip2_tls:
        layout = KeyLayout(settings.keys_dir)
        context = public_server_context(
            settings.public_tls_cert_path or layout.library_server_certificate(settings.library_id),
            settings.public_tls_key_path or layout.library_server_key(settings.library_id),
        )
    await server.start(settings.host, settings.sip2_port, context)
    return server


@dataclass
class RunningLibrary:
    runner: web.AppRunner
    url: str
    sip2: Sip2Server | None = None
    peer_runner: web.AppRunner | None = None
    peer_url: str | None = None
    """Where other library nodes call this one (the node URL to register in the directory)."""

    @property
    def sip2_port(self) -> int | None:
        return None if self.sip2 is None else self.sip2.port

    async def stop(self) -> None:
        if self.sip2 is not None:
            await self.sip2.stop()
        # The peer application borrows the node app's pool, so it goes first.
        if self.peer_runner is not None:
            await self.peer_runner.cleanup()
        await self.runner.cleanup()


async def start_library(settings: LibrarySettings) -> RunningLibrary:
    """Serve the node over HTTPS with its own certificate from the private CA; port 0 picks a free port."""
    secure_service_folders(settings.data_dir, settings.keys_dir, [settings.resolved_notice_log_path])
    layout = KeyLayout(settings.keys_dir)
    # Browsers see this site (Min side, staff): a publicly trusted certificate if configured.
    context = public_server_context(
        settings.public_tls_cert_path or layout.library_server_certificate(settings.library_id),
        settings.public_tls_key_path or layout.library_server_key(settings.library_id),
    )
    runner = ListenerRunner(create_app(settings), read_timeout_seconds=settings.read_timeout_seconds)
    await runner.setup()
    sip2: Sip2Server | None = None
    peer: tuple[web.AppRunner, int] | None = None
    try:
        port = await start_site(runner, ListenerSite(runner, settings.host, settings.port, ssl_context=context))
        sip2 = await start_sip2(runner.app) if settings.sip2_enabled else None
        peer = await start_peer_listener(runner.app) if settings.peer_enabled else None
    except BaseException:
        if sip2 is not None:
            await sip2.stop()
        await runner.cleanup()
        raise
    host = url_host(settings.host)
    return RunningLibrary(
        runner=runner,
        url=f"https://{host}:{port}",
        sip2=sip2,
        peer_runner=None if peer is None else peer[0],
        peer_url=None if peer is None else f"https://{host}:{peer[1]}",
    )
