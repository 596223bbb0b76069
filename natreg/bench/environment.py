"""What the benchmark runs against: its own embedded PostgreSQL, key material, the registry and a trivial
mutual-TLS JSON server, all in a temporary folder that is removed afterwards."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from aiohttp import web

from plumbing.db.embedded import EmbeddedPostgres, ensure_database
from plumbing.db.migrations import apply_migrations
from plumbing.db.pool import create_pool
from plumbing.http.sites import start_site
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import init_keys
from plumbing.tls import registry_node_api_context
from registry.app import RunningRegistry, start_registry
from registry.crypto.keyring import KeyRing
from registry.migrations import MIGRATIONS_PACKAGE
from registry.settings import RegistrySettings

DATABASE = "natreg_bench"
# Imported patrons are spread over the first three; LINKING_LIBRARY starts with no patrons and links them.
HOME_LIBRARIES = ("bench-north", "bench-south", "bench-east")
LINKING_LIBRARY = "bench-west"
READING_LIBRARY = HOME_LIBRARIES[0]
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class BenchEnvironment:
    root: Path
    postgres: EmbeddedPostgres
    dsn: str
    pool: asyncpg.Pool
    keys_dir: Path
    keyring: KeyRing
    settings: RegistrySettings
    registry: RunningRegistry | None = None
    trivial_url: str | None = None
    runners: list[web.AppRunner] = field(default_factory=list)

    def database_cpu_seconds(self) -> float:
        """CPU time of the PostgreSQL server and every backend now running (from /proc)."""
        pid_file = self.postgres.data_dir / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0])
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            # After the command name: state, ppid, ... utime and stime are fields 14 and 15 of the full line.
            if int(entry.name) == postmaster or int(fields[1]) == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / _CLOCK_TICKS


def traversable_temp_dir() -> Path:
    # When run as root, the embedded server's own user must be able to enter the folder.
    folder = Path(tempfile.mkdtemp(prefix="natreg-bench-"))
    folder.chmod(0o755)
    return folder


async def trivial_json(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "library": "bench", "time": time.time()})


@contextlib.asynccontextmanager
async def bench_environment() -> AsyncIterator[BenchEnvironment]:
    """Everything started fresh; everything stopped and deleted on the way out, also after a failure."""
    root = traversable_temp_dir()
    postgres = EmbeddedPostgres(root / "pgdata")
    try:
        postgres.start()
        await ensure_database(postgres.dsn(), DATABASE)
        dsn = postgres.dsn(DATABASE)
        keys_dir = root / "keys"
        init_keys(keys_dir, [*HOME_LIBRARIES, LINKING_LIBRARY])
        pool = await create_pool(dsn, max_size=4)
        async with pool.acquire() as connection:
            await apply_migrations(connection, MIGRATIONS_PACKAGE)
        environment = BenchEnvironment(
            root=root,
            postgres=postgres,
            dsn=dsn,
            pool=pool,
            keys_dir=keys_dir,
            keyring=KeyRing.load(KeyLayout(keys_dir).registry_data_dir),
            # Every listener on a free port and the data (erasure ledger) in the temporary folder: the
            # benchmark never collides with a registry or demo running on the same machine.
            settings=RegistrySettings(
                database_url=dsn,
                keys_dir=keys_dir,
                data_dir=root,
                port=0,
                health_port=0,
                public_port=0,
                admin_port=0,
                allow_synthetic_national_ids=True,
            ),
        )
        try:
            yield environment
        finally:
            for runner in reversed(environment.runners):
                await runner.cleanup()
            await pool.close()
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


async def start_servers(environment: BenchEnvironment) -> None:
    """The registry (real Argon2 defaults) and the trivial JSON handler behind the same TLS context."""
    environment.registry = await start_registry(environment.settings)
    environment.runners.append(environment.registry.runner)
    app = web.Application()
    app.router.add_get("/trivial", trivial_json)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    environment.runners.append(runner)
    context = registry_node_api_context(KeyLayout(environment.keys_dir))
    port = await start_site(runner, web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context))
    environment.trivial_url = f"https://127.0.0.1:{port}"
