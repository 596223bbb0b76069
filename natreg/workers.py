"""``natreg registry serve --workers N``: N registry processes on the same ports (SO_REUSEPORT).

The parent resolves the database (starting the embedded PostgreSQL if there is no URL), brings the schema up
to date once, then starts N worker processes that each run a whole registry instance on uvloop, binding the
same ports with SO_REUSEPORT so the kernel spreads new connections over them. Workers share nothing but the
database, exactly like instances on separate hosts. If one worker dies, the parent stops the others and
exits non-zero, so the service manager (systemd, the container runtime) restarts the whole set; SIGTERM or
Ctrl-C stops every worker cleanly.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

import uvloop

from plumbing.db.embedded import EmbeddedPostgres, resolve_database_url
from plumbing.db.pool import create_migrated_pool
from registry.app import start_registry
from registry.migrations import MIGRATIONS_PACKAGE
from registry.settings import RegistrySettings

STOP_GRACE_SECONDS = 30.0


def default_workers() -> int:
    """One worker per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


async def _run_worker(settings: RegistrySettings, reuse_port: bool) -> None:
    from natreg.services import stop_signal  # noqa: PLC0415 - natreg.services imports this module

    with stop_signal() as stop:
        registry = await start_registry(settings, reuse_port=reuse_port)
        print(f"registry worker {os.getpid()}: node API {registry.api_url}  health {registry.health_url}", flush=True)  # noqa: T201
        try:
            await stop.wait()
        finally:
            await registry.stop()


def _worker_main(settings: RegistrySettings) -> None:
    uvloop.run(_run_worker(settings, reuse_port=True))


async def _prepare_database(settings: RegistrySettings) -> tuple[str, EmbeddedPostgres | None]:
    database_url, embedded = await resolve_database_url(
        settings.database_url, settings.data_dir, settings.database_name
    )
    # Migrations once, before any worker starts (each worker would otherwise wait its turn on the lock).
    pool = await create_migrated_pool(database_url, MIGRATIONS_PACKAGE, max_size=1)
    await pool.close()
    return database_url, embedded


def serve_registry_workers(settings: RegistrySettings, workers: int) -> int:
    """Run the registry in ``workers`` processes (1: in this process, on uvloop); return the exit status."""
    if workers < 1:
        raise ValueError("--workers must be at least 1")
    fixed_ports = (settings.port, settings.health_port, settings.public_port, settings.admin_port)
    if workers > 1 and 0 in fixed_ports:
        raise ValueError("several workers share fixed ports; port 0 (any free port) would give each its own")
    database_url, embedded = uvloop.run(_prepare_database(settings))
    resolved = settings.model_copy(update={"database_url": database_url})
    try:
        if workers == 1:
            uvloop.run(_run_worker(resolved, reuse_port=False))
            return 0
        return _supervise(resolved, workers)
    finally:
        if embedded is not None:
            embedded.stop()


def _supervise(settings: RegistrySettings, workers: int) -> int:
    context = multiprocessing.get_context("spawn")
    processes: list[BaseProcess] = []
    stopping = False

    def stop_all(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)

    previous = {signum: signal.signal(signum, stop_all) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(workers):
            worker = context.Process(target=_worker_main, args=(settings,), daemon=False)
            worker.start()
            processes.append(worker)
        wait([process.sentinel for process in processes])
        unexpected = not stopping
        if unexpected:
            print("a registry worker stopped; stopping the others", file=sys.stderr, flush=True)  # noqa: T201
            stop_all(signal.SIGTERM, None)
        for process in processes:
            process.join(STOP_GRACE_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 1 if unexpected else 0
