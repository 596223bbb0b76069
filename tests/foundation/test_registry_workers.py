"""``natreg registry serve --workers N``: N processes on the same ports, stopped together.

The ports here are fixed (several workers cannot each bind port 0 and share it): free ones are found first.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.keep_alive import basic_authorization, library_connection, raw_whoami

NATREG = Path(sys.executable).with_name("natreg")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for listener in sockets:
            listener.bind(("127.0.0.1", 0))
        return [listener.getsockname()[1] for listener in sockets]
    finally:
        for listener in sockets:
            listener.close()


def _workers_of(parent: int) -> list[int]:
    """Processes started by ``parent`` to run a registry worker (not multiprocessing's own helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(status.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


class Served:
    def __init__(self, process: asyncio.subprocess.Process, ports: list[int]) -> None:
        self.process = process
        self.api_url = f"https://127.0.0.1:{ports[0]}"
        self.health_url = f"http://127.0.0.1:{ports[1]}/health"


@pytest.fixture
async def two_workers(registry_database_url: str, own_keys_dir: Path, tmp_path: Path) -> AsyncIterator[Served]:
    ports = _free_ports(4)
    environment = os.environ | {
        "NATREG_REGISTRY_DATABASE_URL": registry_database_url,
        "NATREG_REGISTRY_KEYS_DIR": str(own_keys_dir),
        "NATREG_REGISTRY_DATA_DIR": str(tmp_path / "data"),
        "NATREG_REGISTRY_PORT": str(ports[0]),
        "NATREG_REGISTRY_HEALTH_PORT": str(ports[1]),
        "NATREG_REGISTRY_PUBLIC_PORT": str(ports[2]),
        "NATREG_REGISTRY_ADMIN_PORT": str(ports[3]),
    }
    process = await asyncio.create_subprocess_exec(
        str(NATREG), "registry", "serve", "--workers", "2", env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    served = Served(process, ports)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                if len(_workers_of(process.pid)) == 2:
                    try:
                        async with session.get(served.health_url) as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                assert process.returncode is None, "natreg registry serve --workers 2 ended early"
                await asyncio.sleep(0.1)
        yield served
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_two_workers_serve_one_port_and_stop_together_on_sigterm(two_workers: Served, own_keys_dir: Path) -> None:
    workers = _workers_of(two_workers.process.pid)
    assert len(workers) == 2
    authorization = basic_authorization(own_keys_dir, "asker")
    for _ in range(6):  # new connections, spread by the kernel
        async with library_connection(two_workers.api_url, own_keys_dir, "asker") as (reader, writer):
            assert (await raw_whoami(writer, reader, authorization)).startswith(b"HTTP/1.1 200")
    two_workers.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(two_workers.process.wait(), 60) == 0
    assert _workers_of(two_workers.process.pid) == []


async def test_a_worker_that_dies_stops_the_set_so_the_service_manager_restarts_it(two_workers: Served) -> None:
    first, second = _workers_of(two_workers.process.pid)
    os.kill(first, signal.SIGKILL)
    assert await asyncio.wait_for(two_workers.process.wait(), 60) == 1
    # The parent has already stopped and reaped the other worker.
    with pytest.raises(ProcessLookupError):
        os.kill(second, 0)
