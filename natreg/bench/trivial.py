"""The benchmark's baselines for the registry's handlers, behind the registry's own mutual-TLS context, run as N
uvloop processes on one port (SO_REUSEPORT), exactly as ``natreg registry serve --workers N`` runs:

* ``GET /trivial``: a trivial JSON handler, the target's baseline;
* ``GET /select/{card_serial}``: the floor of any lookup, the registry's own patron SELECT by card serial through
  an asyncpg pool, the row sent back as JSON (ciphertexts in base64) — no authentication, audit or decryption.

``python -m natreg.bench.trivial KEYS_DIR PORT WORKERS DSN``; prints one line per worker once it listens.
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import asyncpg
import uvloop
from aiohttp import web

from plumbing.db.pool import create_pool
from plumbing.keys.layout import KeyLayout
from plumbing.tls import registry_node_api_context
from registry.patrons import store

POOL = web.AppKey("pool", asyncpg.Pool)
SELECT_BY_CARD = f"SELECT {store.PATRON_COLUMNS} FROM patrons p WHERE {store.BY_CARD_SERIAL}"  # noqa: S608 - fixed


async def trivial_json(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "library": "bench", "time": time.time()})


def _json_value(value: object) -> object:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else value


async def select_json(request: web.Request) -> web.Response:
    row = await request.app[POOL].fetchrow(SELECT_BY_CARD, int(request.match_info["serial"]))
    if row is None:
        raise web.HTTPNotFound
    document = {key: _json_value(value) for key, value in row.items()}
    return web.Response(body=json.dumps(document, default=str).encode(), content_type="application/json")


async def _serve(keys_dir: Path, port: int, dsn: str) -> None:
    app = web.Application()
    app.router.add_get("/trivial", trivial_json)
    app.router.add_get("/select/{serial}", select_json)
    app[POOL] = await create_pool(dsn)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    context = registry_node_api_context(KeyLayout(keys_dir))
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context, reuse_port=True).start()
    print(f"trivial worker {os.getpid()}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()
    await app[POOL].close()


def _worker(keys_dir: Path, port: int, dsn: str) -> None:
    uvloop.run(_serve(keys_dir, port, dsn))


def main() -> int:
    keys_dir, port, workers, dsn = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(keys_dir, port, dsn)) for _ in range(workers)]
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
