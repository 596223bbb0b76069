"""``natreg bench``: load N synthetic patrons through the real import path, then measure the registry against
baselines taken in the same run, interleaved over rounds (each baseline right before its counterpart)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import random
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvloop

from natreg.bench import data
from natreg.bench.environment import (
    HOME_LIBRARIES,
    LINKING_LIBRARY,
    READING_LIBRARY,
    BenchEnvironment,
    ServerSet,
    bench_environment,
    start_server_set,
)
from natreg.bench.report import Measurement, build_report, markdown
from plumbing.progress import Progress
from registry.audit.log import seal_all
from registry.bulk_import.importer import import_patrons
from registry.crypto.envelope import blind_index
from registry.patrons import store
from registry_contract.card_number import format_card_number
from registry_contract.national_id import parse_national_id
from registry_contract.pins import PinHasher

BENCH_PIN = "2580"
RAW_COPY_TABLES = ("patrons", "patron_libraries", "change_feed", "audit_log")


@dataclass(frozen=True)
class BenchOptions:
    patrons: int = 1_000_000
    rounds: int = 3
    duration: float = 6.0
    warmup: float = 1.0
    concurrency: int = 16
    import_rows: int = 20_000
    pin_patrons: int = 2_000
    lookups_beside_pins: int = 4
    # Card lookups per second (open loop, over those 4 connections) measured idle and then during PIN checks.
    beside_rate: float = 200.0
    page_size: int = 500
    seed: int = 20_260_601
    # Registry (and trivial baseline) worker processes to measure with, in this order.
    workers: tuple[int, ...] = (1,)


@dataclass
class Workload:
    """Keys the load generator uses, drawn from what was loaded."""

    card_numbers: list[str]
    card_serials: list[int]
    national_ids: list[str]
    pin_cards: list[str]
    # (patron id, card number) of patrons with the bench PIN: a link needs the patron's card and PIN.
    link_patrons: list[tuple[str, str]]


def _cpu_seconds() -> float:
    """CPU of this process (the registry, the trivial server) plus its waited-for children (import workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Bench:
    def __init__(self, environment: BenchEnvironment, options: BenchOptions) -> None:
        self.environment = environment
        self.options = options
        self.measurements: list[Measurement] = []
        self.national_ids = data.national_ids(options.patrons + options.rounds * options.import_rows, options.seed)
        self.imported = 0
        self.servers: ServerSet | None = None

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    # Bulk import and its baseline -------------------------------------------------------------------------

    async def raw_copy(self, rows: int, round_number: int) -> Measurement:
        """COPY the rows an import of ``rows`` patrons writes into empty tables with the same indexes."""
        seed = self.options.seed + round_number
        patrons = list(data.raw_patron_records(rows, 900_000_000, seed))
        links = [(patron[0], HOME_LIBRARIES[0]) for patron in patrons]
        feed = [(HOME_LIBRARIES[0], patron[0], "registered", 1) for patron in patrons]
        now = dt.datetime.now(dt.UTC)
        rng = random.Random(seed)
        audit = [
            (number, now, "admin:import", None, "import", "migration", patron[0], rng.randbytes(32), rng.randbytes(32))
            for number, patron in enumerate(patrons, start=1)
        ]
        async with self.environment.pool.acquire() as connection:
            for table in RAW_COPY_TABLES:
                await connection.execute(f"DROP TABLE IF EXISTS bench_copy_{table}")
                await connection.execute(f"CREATE TABLE bench_copy_{table} (LIKE {table} INCLUDING ALL)")
            cpu, database_cpu = _cpu_seconds(), self.environment.database_cpu_seconds()
            began = time.perf_counter()
            async with connection.transaction():
                await connection.copy_records_to_table(
                    "bench_copy_patrons", records=patrons, columns=list(store.INSERT_COLUMNS)
                )
                await connection.copy_records_to_table(
                    "bench_copy_patron_libraries", records=links, columns=["patron_id", "library_id"]
                )
                await connection.copy_records_to_table(
                    "bench_copy_change_feed", records=feed,
                    columns=["library_id", "patron_id", "change", "patron_version"],
                )  # fmt: skip
                await connection.copy_records_to_table(
                    "bench_copy_audit_log", records=audit,
                    columns=["sequence_number", "occurred_at", "actor", "library_id", "operation", "purpose",
                             "patron_id", "previous_hash", "entry_hash"],
                )  # fmt: skip
            elapsed = time.perf_counter() - began
            measurement = Measurement(
                name="raw_copy", round=round_number, operations=rows, items=rows, errors=0, seconds=elapsed,
                latencies_ms=[], server_cpu_seconds=_cpu_seconds() - cpu,
                database_cpu_seconds=self.environment.database_cpu_seconds() - database_cpu,
            )  # fmt: skip
            for table in RAW_COPY_TABLES:
                await connection.execute(f"DROP TABLE bench_copy_{table}")
        return measurement

    async def bulk_import(self, rows: int, round_number: int, name: str = "bulk_import") -> Measurement:
        ids = self.national_ids[self.imported : self.imported + rows]
        path = self.environment.root / f"import-{round_number}.jsonl"
        data.write_import_file(path, ids, HOME_LIBRARIES, self.options.seed + self.imported)
        pin_hasher = PinHasher(self.environment.keyring.pin_pepper)
        cpu, database_cpu = _cpu_seconds(), self.environment.database_cpu_seconds()
        began = time.perf_counter()
        progress = Progress(f"{name} rows")
        try:
            report = await import_patrons(
                self.environment.pool, self.environment.keyring, pin_hasher, path, allow_synthetic=True,
                default_library=None, progress=progress.update,
            )  # fmt: skip
        finally:
            progress.finish()
        # The import is done when its audit entries are in the hash chain, so sealing is inside the window.
        async with self.environment.pool.acquire() as connection:
            await seal_all(connection, self.environment.keyring.audit_key)
        elapsed = time.perf_counter() - began
        path.unlink()
        self.imported += rows
        errors = len(report.errors) + len(report.already_registered) + (rows - report.loaded)
        return Measurement(
            name=name, round=round_number, operations=report.loaded, items=report.loaded, errors=errors,
            seconds=elapsed, latencies_ms=[], server_cpu_seconds=_cpu_seconds() - cpu,
            database_cpu_seconds=self.environment.database_cpu_seconds() - database_cpu,
            error_samples=[f"line {error.line}: {error.code}" for error in report.errors[:5]],
        )  # fmt: skip

    # PINs and the workload -----------------------------------------------------------------------------

    async def give_pins(self) -> float:
        """PINs for a subset, set directly: one real Argon2id hash (default cost) shared by the subset.

        Hashing a PIN per patron would take minutes at Argon2 cost and measure nothing the PIN phase does not;
        verifying is what the phase measures, and its cost depends only on the parameters in the hash.
        Returns the CPU seconds of one verify (median of several), the unit of the PIN target.
        """
        settings = self.environment.settings
        hasher = PinHasher(
            self.environment.keyring.pin_pepper, time_cost=settings.pin_hash_time_cost,
            memory_cost=settings.pin_hash_memory_kib,
        )  # fmt: skip
        pin_hash = await hasher.hash_pin(BENCH_PIN)
        async with self.environment.pool.acquire() as connection:
            await connection.execute(
                "UPDATE patrons SET pin_hash = $1 WHERE patron_id IN "
                "(SELECT patron_id FROM patrons ORDER BY card_serial LIMIT $2)",
                pin_hash, self.options.pin_patrons,
            )  # fmt: skip
        return hasher.verify_cpu_seconds()

    async def workload(self) -> Workload:
        rng = random.Random(self.options.seed)
        async with self.environment.pool.acquire() as connection:
            pinned = await connection.fetch(
                "SELECT card_serial, patron_id FROM patrons WHERE pin_hash IS NOT NULL ORDER BY card_serial"
            )
            # The desk's hot path: lookups of the reading library's own patrons (strangers get a preview, at a
            # desk's pace only).
            sample = await connection.fetch(
                """
                SELECT card_serial, national_id_index FROM patrons p
                WHERE pin_hash IS NULL
                  AND EXISTS (SELECT 1 FROM patron_libraries l WHERE l.patron_id = p.patron_id AND l.library_id = $2)
                ORDER BY random() LIMIT $1
                """,
                min(self.options.patrons, 20_000), READING_LIBRARY,
            )  # fmt: skip
        serials = [row["card_serial"] for row in sample]
        own = {bytes(row["national_id_index"]) for row in sample}
        keyring = self.environment.keyring
        own_ids = [
            national_id for national_id in self.national_ids[: self.options.patrons]
            if blind_index(keyring, parse_national_id(national_id, allow_synthetic=True).digits) in own
        ]  # fmt: skip
        return Workload(
            card_numbers=[format_card_number(serial) for serial in serials],
            card_serials=serials,
            national_ids=rng.sample(own_ids, len(own_ids)),
            pin_cards=[format_card_number(row["card_serial"]) for row in pinned],
            link_patrons=[(str(row["patron_id"]), format_card_number(row["card_serial"])) for row in pinned],
        )

    # Load phases --------------------------------------------------------------------------------------

    async def run_load(self, round_number: int, scenarios: list[dict[str, Any]]) -> dict[str, Measurement]:
        """Run scenarios side by side in a separate load-generator process; measure this side's CPU meanwhile."""
        job = {
            "keys_dir": str(self.environment.keys_dir),
            "library": scenarios[0].pop("caller", READING_LIBRARY),
            "dsn": self.environment.dsn,
            "warmup_seconds": self.options.warmup,
            "duration_seconds": self.options.duration,
            "scenarios": scenarios,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "natreg.bench.load", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=1 << 28,  # the result line carries every latency
        )  # fmt: skip
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(json.dumps(job).encode())
        process.stdin.close()
        cpu = database_cpu = 0.0
        result: dict[str, Any] = {}
        async with asyncio.timeout(self.options.warmup + self.options.duration + 120):
            while line := (await process.stdout.readline()).decode().strip():
                if line == "START":
                    cpu, database_cpu = self._server_cpu_seconds(), self.environment.database_cpu_seconds()
                elif line == "STOP":
                    cpu, database_cpu = (
                        self._server_cpu_seconds() - cpu,
                        self.environment.database_cpu_seconds() - database_cpu,
                    )
                else:
                    result = json.loads(line)
            if await process.wait() != 0 or not result:
                raise RuntimeError(f"the load generator failed (exit status {process.returncode})")
        measurements = {}
        for scenario in scenarios:
            outcome = result["scenarios"][scenario["name"]]
            measurements[scenario["name"]] = Measurement(
                name=scenario["name"], round=round_number, operations=outcome["operations"], items=outcome["items"],
                errors=outcome["errors"], seconds=result["elapsed_seconds"], latencies_ms=outcome["latencies_ms"],
                server_cpu_seconds=cpu, database_cpu_seconds=database_cpu, error_samples=outcome["error_samples"],
                exhausted_workers=outcome["exhausted_workers"],
            )  # fmt: skip
        self.measurements.extend(measurements.values())
        return measurements

    def _server_cpu_seconds(self) -> float:
        """CPU of the registry's and the trivial server's processes (only one of them is loaded at a time)."""
        return self.servers.cpu_seconds() if self.servers is not None else time.process_time()

    async def round(self, number: int, workload: Workload, *, with_import: bool) -> None:
        options, servers = self.options, self.servers
        assert servers is not None
        api, concurrency = servers.api_url, options.concurrency
        at = f"@{servers.workers}"
        by_card = [f"/v1/patrons/by-card/{card}" for card in workload.card_numbers]
        nid_bodies = [{"national_id": national_id} for national_id in workload.national_ids]
        self.log(f"round {number} with {servers.workers} worker(s): lookups")
        await self.run_load(number, [{
            "name": "raw_select" + at, "kind": "sql_select", "concurrency": concurrency, "keys": workload.card_serials,
            "query": f"SELECT {store.PATRON_COLUMNS} FROM patrons p WHERE {store.BY_CARD_SERIAL}",  # noqa: S608 - fixed
        }])  # fmt: skip
        trivial = {"kind": "get", "concurrency": concurrency, "base_url": servers.trivial_url,
                   "keys": ["/trivial"] * concurrency}  # fmt: skip
        await self.run_load(number, [{"name": "trivial_mtls" + at, **trivial}])
        # The floor of any lookup: one SELECT per request from the same kind of handler (no audit, no decryption).
        await self.run_load(number, [{"name": "select_mtls" + at, "kind": "get", "concurrency": concurrency,
                                      "base_url": servers.trivial_url,
                                      "keys": [f"/select/{serial}" for serial in workload.card_serials]}])  # fmt: skip
        await self.run_load(number, [{"name": "lookup_card" + at, "kind": "get", "concurrency": concurrency,
                                      "base_url": api, "keys": by_card}])  # fmt: skip
        await self.run_load(number, [{"name": "trivial_mtls_2" + at, **trivial}])
        await self.run_load(number, [{"name": "lookup_national_id" + at, "kind": "post", "concurrency": concurrency,
                                      "base_url": api, "path": "/v1/patrons/lookup", "keys": nid_bodies}])  # fmt: skip
        self.log(f"round {number}: PIN checks")
        beside = {"kind": "get", "concurrency": options.lookups_beside_pins, "rate": options.beside_rate,
                  "base_url": api, "keys": by_card}  # fmt: skip
        await self.run_load(number, [{"name": "lookup_idle" + at, **beside}])
        pins = [{"card_number": card, "pin": BENCH_PIN} for card in workload.pin_cards]
        await self.run_load(number, [
            {"name": "pin_auth" + at, "kind": "post", "concurrency": concurrency, "base_url": api,
             "path": "/v1/patrons/authenticate", "keys": pins},
            {"name": "lookup_beside_pins" + at, **beside},
        ])  # fmt: skip
        self.log(f"round {number}: link writes")
        # Each round of each worker count links patrons of its own (a patron is linked once).
        share = len(workload.link_patrons) // (options.rounds * len(options.workers))
        slot = options.workers.index(servers.workers) * options.rounds + number - 1
        links = [
            {"path": f"/v1/patrons/{patron}/link",
             "body": {"proof": {"kind": "card_and_pin", "card_number": card, "pin": BENCH_PIN}}}
            for patron, card in workload.link_patrons[slot * share : (slot + 1) * share]
        ]  # fmt: skip
        await self.run_load(number, [{"name": "trivial_mtls_3" + at, **trivial}])
        await self.run_load(number, [{"name": "link_write" + at, "kind": "put_once", "concurrency": concurrency,
                                      "base_url": api, "keys": links, "caller": LINKING_LIBRARY}])  # fmt: skip
        self.log(f"round {number}: change feed")
        await self.run_load(number, [{"name": "raw_keyset" + at, "kind": "sql_keyset", "concurrency": concurrency,
                                      "library": READING_LIBRARY, "page_size": options.page_size}])  # fmt: skip
        # The baseline reads READING_LIBRARY's feed; the registry serves the calling library (the same one) its own.
        await self.run_load(number, [{"name": "change_feed" + at, "kind": "feed", "concurrency": concurrency,
                                      "base_url": api, "page_size": options.page_size}])  # fmt: skip
        if not with_import:
            return
        self.log(f"round {number}: bulk import of {options.import_rows} patrons")
        self.measurements.append(await self.raw_copy(options.import_rows, number))
        self.measurements.append(await self.bulk_import(options.import_rows, number))


def machine_description() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        memory_kib = 0
    return {
        "cpu": model, "cores": os.cpu_count(), "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(), "python": platform.python_version(),
    }  # fmt: skip


async def run_bench(options: BenchOptions, command: str) -> dict[str, Any]:
    started = dt.datetime.now(dt.UTC)
    async with bench_environment() as environment:
        bench = Bench(environment, options)
        bench.log(f"initial load: raw COPY baseline of {options.patrons} rows, then the import")
        initial_copy = await bench.raw_copy(options.patrons, 0)
        initial_import = await bench.bulk_import(options.patrons, 0, name="initial_import")
        initial_copy.name = "initial_raw_copy"
        bench.measurements += [initial_copy, initial_import]
        bench.log(f"imported {initial_import.operations} patrons in {initial_import.seconds:.1f} s; PINs next")
        verify_cpu = await bench.give_pins()
        async with environment.pool.acquire() as connection:
            await connection.execute("VACUUM ANALYZE")
        workload = await bench.workload()
        for workers in options.workers:
            bench.servers = await start_server_set(environment, workers)
            try:
                for number in range(1, options.rounds + 1):
                    await bench.round(number, workload, with_import=workers == options.workers[0])
            finally:
                await bench.servers.stop()
                bench.servers = None
        async with environment.pool.acquire() as connection:
            await seal_all(connection, environment.keyring.audit_key)
            audit_rows = await connection.fetchval("SELECT count(*) FROM audit_log")
    return build_report(
        bench.measurements, options=options.__dict__, command=command, started=started,
        finished=dt.datetime.now(dt.UTC), machine=machine_description(), argon2_verify_cpu_seconds=verify_cpu,
        audit_rows=audit_rows,
    )  # fmt: skip


def run(options: BenchOptions, *, command: str, json_out: Path | None, markdown_out: Path | None) -> int:
    """Run the benchmark, print the Markdown table, write the files asked for; 1 if any measurement had errors."""
    report = uvloop.run(run_bench(options, command))
    table = markdown(report)
    print(table)
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=2) + "\n")
    if markdown_out is not None:
        markdown_out.write_text(table)
    return 0 if all(entry["errors"] == 0 for entry in report["summary"].values()) else 1
