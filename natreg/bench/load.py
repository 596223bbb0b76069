"""The benchmark's load generator, run as its own process (``python -m natreg.bench.load``).

It reads one job (JSON) on stdin: scenarios to run side by side, each with its own workers. After a warm-up it
prints ``START``, runs every scenario for the same wall-clock window, prints ``STOP`` and then one JSON line
with each scenario's counts and latencies. The parent reads the server's CPU time at ``START`` and ``STOP``, so
the load generator's own CPU is never counted as the server's.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import uvloop

from plumbing.keys.layout import KeyLayout
from plumbing.tls import library_client_context

MAX_ERROR_SAMPLES = 5
Operation = Callable[[], Awaitable[int]]


@dataclass
class ScenarioResult:
    """What one scenario did inside the measured window; ``items`` counts rows for row-based scenarios."""

    operations: int = 0
    items: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    exhausted_workers: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "operations": self.operations,
            "items": self.items,
            "errors": self.errors,
            "latencies_ms": [round(value, 3) for value in self.latencies_ms],
            "error_samples": self.error_samples,
            "exhausted_workers": self.exhausted_workers,
        }


class KeysExhaustedError(Exception):
    """A worker used up the keys it was given (writes never repeat a key)."""


@dataclass
class Window:
    """The shared measured window: operations finishing inside it count, warm-up ones do not."""

    started: float = 0.0
    ends: float = 0.0
    open: bool = False


@dataclass(frozen=True)
class Pace:
    """An open-loop worker: one request every ``interval`` seconds, the first ``offset`` after the window opens.

    A request's latency counts from when it was due, not from when it was sent, so a server that falls behind
    shows it in the latencies instead of slowing the load down (no coordinated omission).
    """

    interval: float
    offset: float


async def _run_worker(
    operation: Operation, window: Window, result: ScenarioResult, warmup_done: asyncio.Event, pace: Pace | None = None
) -> None:
    # One un-timed call first, so connection set-up and TLS handshakes stay out of the numbers.
    try:
        await operation()
    except KeysExhaustedError:
        result.exhausted_workers += 1
        warmup_done.set()
        return
    except Exception:  # noqa: BLE001, S110 - a warm-up failure shows up again, counted, in the window
        pass
    await warmup_done.wait()
    due = window.started + pace.offset if pace is not None else 0.0
    while window.open and time.perf_counter() < window.ends:
        if pace is None:
            began = time.perf_counter()
        else:
            began, due = due, due + pace.interval
            if began >= window.ends:
                return
            await asyncio.sleep(max(0.0, began - time.perf_counter()))
        try:
            items = await operation()
        except KeysExhaustedError:
            result.exhausted_workers += 1
            return
        except Exception as error:  # noqa: BLE001 - every failure is counted and a few are kept as samples
            finished = time.perf_counter()
            if window.open and finished <= window.ends:
                result.errors += 1
                if len(result.error_samples) < MAX_ERROR_SAMPLES:
                    result.error_samples.append(f"{type(error).__name__}: {error}"[:300])
            continue
        finished = time.perf_counter()
        if finished <= window.ends:
            result.operations += 1
            result.items += items
            result.latencies_ms.append((finished - began) * 1000)


class StatusError(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:200].decode(errors='replace')}")


@dataclass
class Http:
    session: aiohttp.ClientSession
    base_url: str

    async def call(self, method: str, path: str, body: Any = None) -> bytes:
        async with self.session.request(method, self.base_url + path, json=body) as response:
            data = await response.read()
            if response.status != 200:
                raise StatusError(response.status, data)
            return data


def _keys_of(scenario: dict[str, Any], worker: int, workers: int) -> list[Any]:
    """This worker's share of the scenario's keys: disjoint shares, so no two workers touch the same patron."""
    keys: list[Any] = scenario.get("keys", [])
    return keys[worker::workers]


def _cycle(keys: list[Any]) -> Callable[[], Any]:
    position = 0

    def next_key() -> Any:
        nonlocal position
        position += 1
        return keys[position % len(keys)]

    return next_key


def _once(keys: list[Any]) -> Callable[[], Any]:
    remaining = list(reversed(keys))

    def next_key() -> Any:
        if not remaining:
            raise KeysExhaustedError
        return remaining.pop()

    return next_key


def _http_operation(kind: str, http: Http, scenario: dict[str, Any], worker: int, workers: int) -> Operation:
    keys = _keys_of(scenario, worker, workers)
    if kind == "get":
        path_of = _cycle(keys)

        async def get() -> int:
            await http.call("GET", path_of())
            return 1

        return get
    if kind == "post":
        body_of = _cycle(keys)

        async def post() -> int:
            await http.call("POST", scenario["path"], body_of())
            return 1

        return post
    if kind == "put_once":
        request_once = _once(keys)

        async def put() -> int:
            request = request_once()
            await http.call("PUT", request["path"], request["body"])
            return 1

        return put
    if kind == "feed":
        limit = int(scenario["page_size"])
        cursor: str | None = None

        async def page() -> int:
            nonlocal cursor
            query = f"/v1/changes?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            document = json.loads(await http.call("GET", query))
            # Start over at the end of the feed, so every page read is a full one.
            cursor = document["next_cursor"] if document["has_more"] else None
            return len(document["changes"])

        return page
    raise ValueError(f"unknown scenario kind {kind!r}")


KEYSET_QUERY = """
    SELECT transaction_id, sequence_number, patron_id, change, patron_version, occurred_at
    FROM change_feed
    WHERE library_id = $1 AND (transaction_id, sequence_number) > ($2, $3)
      AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    ORDER BY transaction_id, sequence_number
    LIMIT $4
"""


async def _sql_operation(kind: str, connection: asyncpg.Connection, scenario: dict[str, Any], worker: int,
                         workers: int) -> Operation:  # fmt: skip
    if kind == "sql_select":
        statement = await connection.prepare(scenario["query"])
        key_of = _cycle(_keys_of(scenario, worker, workers))

        async def select() -> int:
            if await statement.fetchrow(key_of()) is None:
                raise LookupError("no row for a key that was loaded")
            return 1

        return select
    if kind == "sql_keyset":
        keyset = await connection.prepare(KEYSET_QUERY)
        library, limit = scenario["library"], int(scenario["page_size"])
        position = (0, 0)

        async def fetch_and_encode() -> int:
            nonlocal position
            rows = await keyset.fetch(library, position[0], position[1], limit)
            # The same document the registry sends: identifiers, kind, version and time of each change.
            json.dumps({
                "changes": [
                    {"patron_id": str(row["patron_id"]), "change": row["change"],
                     "patron_version": row["patron_version"], "occurred_at": row["occurred_at"].isoformat()}
                    for row in rows
                ],
                "next_cursor": f"{rows[-1]['transaction_id']}.{rows[-1]['sequence_number']}" if rows else "",
                "has_more": len(rows) == limit,
            }).encode()  # fmt: skip
            position = (rows[-1]["transaction_id"], rows[-1]["sequence_number"]) if len(rows) == limit else (0, 0)
            return len(rows)

        return fetch_and_encode
    raise ValueError(f"unknown scenario kind {kind!r}")


async def run_job(job: dict[str, Any]) -> dict[str, Any]:
    window = Window()
    warmup_done = asyncio.Event()
    layout = KeyLayout(Path(job["keys_dir"]))
    library = job["library"]
    credential = layout.library_credential(library).read_text().strip()
    authorization = "Basic " + base64.b64encode(f"{library}:{credential}".encode()).decode()
    sessions: list[aiohttp.ClientSession] = []
    connections: list[asyncpg.Connection] = []
    results: dict[str, ScenarioResult] = {}
    workers: list[Awaitable[None]] = []
    try:
        for scenario in job["scenarios"]:
            name, kind, concurrency = scenario["name"], scenario["kind"], int(scenario["concurrency"])
            result = results[name] = ScenarioResult()
            if kind.startswith("sql_"):
                for worker in range(concurrency):
                    connection = await asyncpg.connect(job["dsn"])
                    connections.append(connection)
                    operation = await _sql_operation(kind, connection, scenario, worker, concurrency)
                    workers.append(_run_worker(operation, window, result, warmup_done))
                continue
            connector = aiohttp.TCPConnector(ssl=library_client_context(layout, library), limit=concurrency)
            session = aiohttp.ClientSession(
                connector=connector,
                headers={"Authorization": authorization, "Natreg-Purpose": "benchmark"},
                timeout=aiohttp.ClientTimeout(total=30),
            )
            sessions.append(session)
            http = Http(session, scenario["base_url"])
            # "rate": requests per second over all of the scenario's workers, each paced (open loop).
            interval = concurrency / float(scenario["rate"]) if scenario.get("rate") else None
            for worker in range(concurrency):
                pace = Pace(interval, interval * worker / concurrency) if interval is not None else None
                workers.append(_run_worker(_http_operation(kind, http, scenario, worker, concurrency), window,
                                           result, warmup_done, pace))  # fmt: skip
        tasks = [asyncio.ensure_future(worker) for worker in workers]
        await asyncio.sleep(float(job["warmup_seconds"]))
        window.open = True
        print("START", flush=True)
        window.started = time.perf_counter()
        window.ends = window.started + float(job["duration_seconds"])
        warmup_done.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=float(job["duration_seconds"]) + 60)
        elapsed = min(time.perf_counter(), window.ends) - window.started
        print("STOP", flush=True)
    finally:
        for session in sessions:
            await session.close()
        for connection in connections:
            await connection.close()
    return {"elapsed_seconds": elapsed, "scenarios": {name: result.to_json() for name, result in results.items()}}


def main() -> int:
    job = json.loads(sys.stdin.read())
    # The same event loop as the servers it loads (and a faster client leaves more CPU to them).
    print(json.dumps(uvloop.run(run_job(job))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
