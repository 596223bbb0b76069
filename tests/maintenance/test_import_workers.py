"""The bulk importer's worker processes hold the key ring: they must not outlive the importer, even kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from plumbing.keys.pki import init_keys

# Starts the importer's worker pool as `natreg registry import` does, reports a worker's pid, then waits.
IMPORTER = """
import os, sys, time
from pathlib import Path
from plumbing.keys.layout import KeyLayout
from registry.bulk_import.importer import worker_pool
from registry.crypto.keyring import KeyRing

keyring = KeyRing.load(KeyLayout(Path(sys.argv[1])).registry_data_dir)
pool = worker_pool(keyring, True, None, 2)
pids = {pool.submit(os.getpid).result() for _ in range(4)}
print(" ".join(map(str, sorted(pids))), flush=True)
time.sleep(600)
"""


def _gone(pid: int) -> bool:
    """Not running any more (a zombie waiting for its new parent to reap it counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return any(line.split()[1] == "Z" for line in status.splitlines() if line.startswith("State:"))


def test_workers_die_when_the_importer_is_killed(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    init_keys(keys_dir)
    workers: list[int] = []
    with subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", IMPORTER, str(keys_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    ) as importer:
        try:
            assert importer.stdout is not None
            workers = [int(pid) for pid in importer.stdout.readline().split()]
            assert workers
            assert not any(_gone(pid) for pid in workers)
            os.kill(importer.pid, signal.SIGKILL)
            importer.wait(timeout=10)
            deadline = time.monotonic() + 15
            while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [pid for pid in workers if not _gone(pid)] == []
        finally:
            importer.kill()
            for pid in workers:
                if not _gone(pid):
                    os.kill(pid, signal.SIGKILL)
