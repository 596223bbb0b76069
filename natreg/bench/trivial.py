"""The benchmark's trivial baseline: a JSON handler behind the registry's own mutual-TLS context, run as N
uvloop processes on one port (SO_REUSEPORT), exactly as ``natreg registry serve --workers N`` runs.

``python -m natreg.bench.trivial KEYS_DIR PORT WORKERS``; prints one line per worker once it listens.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import uvloop
from aiohttp import web

from plumbing.keys.layout import KeyLayout
from plumbing.tls import registry_node_api_context


async def trivial_json(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "library": "bench", "time": time.time()})


async def _serve(keys_dir: Path, port: int) -> None:
    app = web.Application()
    app.router.add_get("/trivial", trivial_json)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    context = registry_node_api_context(KeyLayout(keys_dir))
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context, reuse_port=True).start()
    print(f"trivial worker {os.getpid()}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


def _worker(keys_dir: Path, port: int) -> None:
    uvloop.run(_serve(keys_dir, port))


def main() -> int:
    keys_dir, port, workers = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(keys_dir, port)) for _ in range(workers)]
    for process in processes:
        process.start()

    def stop(_signum: int, _frame: object) -> None:
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    for process in processes:
        process.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
