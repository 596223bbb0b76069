"""What the benchmark runs against: its own embedded PostgreSQL, key material, and per worker count the
registry (``natreg registry serve --workers N``) and the trivial mutual-TLS JSON server with as many
workers on the same event loop (uvloop), all in a temporary folder that is removed afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from plumbing.db.embedded import EmbeddedPostgres, ensure_database
from plumbing.db.migrations import apply_migrations
from plumbing.db.pool import create_pool
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import init_keys
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
            await pool.close()
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


def process_tree_cpu_seconds(root: int) -> float:
    """CPU time of ``root`` and every process below it (from /proc); processes that ended are not counted."""
    parents: dict[int, int] = {}
    cpu: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = int(fields[11]) + int(fields[12])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(cpu.get(pid, 0) for pid in tree) / _CLOCK_TICKS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerSet:
    """The registry and the trivial baseline, each as ``workers`` uvloop processes on one port."""

    workers: int
    registry: asyncio.subprocess.Process
    trivial: asyncio.subprocess.Process
    api_url: str
    trivial_url: str

    def cpu_seconds(self) -> float:
        return process_tree_cpu_seconds(self.registry.pid) + process_tree_cpu_seconds(self.trivial.pid)

    async def stop(self) -> None:
        for process in (self.registry, self.trivial):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.registry, self.trivial):
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _started(process: asyncio.subprocess.Process, workers: int, what: str) -> None:
    """Wait until every worker says it listens (the load's keep-alive connections spread over all of them)."""
    assert process.stdout is not None
    ready = 0
    async with asyncio.timeout(120):
        while ready < workers:
            line = await process.stdout.readline()
            if not line:
                raise RuntimeError(f"the benchmark's {what} did not start (exit status {await process.wait()})")
            ready += line.startswith(f"{what} worker".encode())


async def start_server_set(environment: BenchEnvironment, workers: int) -> ServerSet:
    """``natreg registry serve --workers N`` on the bench database, and the trivial handler with as many."""
    ports = [_free_port() for _ in range(5)]
    settings = environment.settings
    variables = os.environ | {
        "NATREG_REGISTRY_DATABASE_URL": environment.dsn,
        "NATREG_REGISTRY_KEYS_DIR": str(environment.keys_dir),
        "NATREG_REGISTRY_DATA_DIR": str(environment.root / f"registry-{workers}"),
        "NATREG_REGISTRY_ALLOW_SYNTHETIC_NATIONAL_IDS": "true",
        "NATREG_REGISTRY_PIN_HASH_CONCURRENCY": str(settings.pin_hash_concurrency),
        "NATREG_REGISTRY_PORT": str(ports[0]),
        "NATREG_REGISTRY_HEALTH_PORT": str(ports[1]),
        "NATREG_REGISTRY_PUBLIC_PORT": str(ports[2]),
        "NATREG_REGISTRY_ADMIN_PORT": str(ports[3]),
        "NATREG_LOG_LEVEL": "WARNING",
    }
    registry = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "natreg.cli", "--log-level", "WARNING", "registry", "serve", "--workers", str(workers),
        env=variables, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    trivial = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "natreg.bench.trivial", str(environment.keys_dir), str(ports[4]), str(workers),
        environment.dsn,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    servers = ServerSet(workers, registry, trivial, f"https://127.0.0.1:{ports[0]}", f"https://127.0.0.1:{ports[4]}")
    try:
        await _started(registry, workers, "registry")
        await _started(trivial, workers, "trivial")
    except BaseException:
        await servers.stop()
        raise
    return servers
