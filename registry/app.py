"""The registry's application factory and its listeners."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from natreg.db.migrations import apply_migrations
from natreg.db.pool import create_pool
from natreg.http.problems import problem_middleware
from natreg.http.sites import start_site, url_host
from natreg.keys.layout import KeyLayout
from natreg.tls import registry_node_api_context
from registry import app_keys
from registry.auth.libraries import LibraryDirectory
from registry.auth.middleware import authentication_middleware
from registry.crypto.keyring import KeyRingWatcher
from registry.crypto.pins import PinHasher
from registry.patrons.service import RegistryCore
from registry.routes import add_routes
from registry.settings import RegistrySettings

logger = logging.getLogger(__name__)

MIGRATIONS_PACKAGE = "registry.migrations"


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

    async def database(app: web.Application) -> AsyncIterator[None]:
        pool = await create_pool(database_url)
        async with pool.acquire() as connection:
            await apply_migrations(connection, MIGRATIONS_PACKAGE)
        app[app_keys.POOL] = pool
        yield
        await pool.close()

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
        )
        yield

    app.cleanup_ctx.extend([database, patron_core])
    add_routes(app)
    return app


@dataclass
class RunningRegistry:
    runner: web.AppRunner
    api_url: str
    health_url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_registry(settings: RegistrySettings) -> RunningRegistry:
    """Start the node API (mutual TLS) and the plain health listener; port 0 picks free ports."""
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    api_site = web.TCPSite(
        runner, settings.host, settings.port, ssl_context=registry_node_api_context(app[app_keys.KEY_LAYOUT])
    )
    health_site = web.TCPSite(runner, settings.host, settings.health_port)
    try:
        api_port = await start_site(runner, api_site)
        health_port = await start_site(runner, health_site)
    except BaseException:
        await runner.cleanup()
        raise
    return RunningRegistry(
        runner=runner,
        api_url=f"https://{url_host(settings.host)}:{api_port}",
        health_url=f"http://{url_host(settings.host)}:{health_port}/health",
    )
