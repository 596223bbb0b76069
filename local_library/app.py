"""The library node's application factory and its listener."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from local_library import app_keys
from local_library.settings import LibrarySettings
from local_library.status.views import health, registry_status
from natreg.db.migrations import apply_migrations
from natreg.db.pool import create_pool
from natreg.http.problems import problem_middleware
from natreg.http.sites import start_site, url_host
from natreg.keys.layout import KeyLayout
from natreg.tls import public_server_context
from registry.client import RegistryClient

MIGRATIONS_PACKAGE = "local_library.migrations"


def create_app(settings: LibrarySettings) -> web.Application:
    """Build one library node; ``settings.database_url`` must already be resolved."""
    if settings.database_url is None:
        raise ValueError("create_app needs a database URL; `natreg library serve` resolves the embedded one")
    database_url = settings.database_url
    app = web.Application(middlewares=[problem_middleware])
    app[app_keys.SETTINGS] = settings

    async def database(app: web.Application) -> AsyncIterator[None]:
        pool = await create_pool(database_url)
        async with pool.acquire() as connection:
            await apply_migrations(connection, MIGRATIONS_PACKAGE)
        app[app_keys.POOL] = pool
        yield
        await pool.close()

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

    app.cleanup_ctx.extend([database, registry_client])
    app.router.add_get("/health", health)
    app.router.add_get("/status/registry", registry_status)
    return app


@dataclass
class RunningLibrary:
    runner: web.AppRunner
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_library(settings: LibrarySettings) -> RunningLibrary:
    """Serve the node over HTTPS with its own certificate from the private CA; port 0 picks a free port."""
    layout = KeyLayout(settings.keys_dir)
    context = public_server_context(
        str(layout.library_server_certificate(settings.library_id)),
        str(layout.library_server_key(settings.library_id)),
    )
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    try:
        port = await start_site(runner, web.TCPSite(runner, settings.host, settings.port, ssl_context=context))
    except BaseException:
        await runner.cleanup()
        raise
    return RunningLibrary(runner=runner, url=f"https://{url_host(settings.host)}:{port}")
