"""What a staff desk page costs: ``natreg bench-desk`` (docs/benchmarks.md, "The staff desk").

One Asker node on its own embedded PostgreSQL and key material in a temporary folder (removed afterwards),
its registry unreachable on purpose (a local patron's page needs no registry). A local patron with a
realistic account (10 loans, 2 reservations, a fee) is scanned at the desk, then the circulation page
with that patron shown (``GET /staff/?patron=…``: session check, the staff account, the patron's account
in one transaction, the page rendered) is fetched N times one after another and N times from ``concurrency``
clients at once, over HTTPS with keep-alive. The client runs in the same process and on the same cores.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import shutil
import ssl
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from local_library import app_keys
from local_library.app import start_library
from local_library.catalogue.importing import import_items_csv
from local_library.circulation.fees import charge_fee
from local_library.circulation.lending import check_out
from local_library.circulation.reservations import reserve
from local_library.patrons.cards import register_person
from local_library.patrons.models import PersonRegistration
from local_library.settings import LibrarySettings
from local_library.staff.accounts import create_staff_account
from natreg.bench.environment import traversable_temp_dir
from plumbing.db.embedded import EmbeddedPostgres, ensure_database
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import init_keys

DATABASE = "natreg_bench_desk"
STAFF_PASSWORD = secrets.token_urlsafe(16)  # a throw-away account on a throw-away node
LOANS = 10
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class DeskTiming:
    name: str
    requests: int
    concurrency: int
    seconds: float
    latencies_ms: list[float]

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)

        def at(fraction: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)

        return {
            "measurement": self.name, "requests": self.requests, "concurrency": self.concurrency,
            "rate_per_s": round(self.requests / self.seconds, 1), "mean_ms": round(statistics.fmean(ordered), 2),
            "p50_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99),
        }  # fmt: skip


async def _stock(settings: LibrarySettings, app: Any) -> str:
    """A staff account and a local patron with 10 loans, 2 reservations and a fee; the patron's card number."""
    pool, policy, clock = app[app_keys.POOL], app[app_keys.POLICY], app[app_keys.CLOCK]
    rows = "".join(f"DESK-{n},Bok nummer {n},book,adult,29900\n" for n in range(LOANS + 2))
    async with pool.acquire() as conn, conn.transaction():
        await create_staff_account(conn, "bench.desk", STAFF_PASSWORD, "desk", hasher=app[app_keys.STAFF_HASHER])
        await import_items_csv(conn, policy, "barcode,title,material,audience,purchase_price_ore\n" + rows)
        registration = PersonRegistration(
            name="Benk Låner", birth_date=dt.date(1980, 1, 1), email="benk@example.org", preferred_contact="email"
        )
        patron = await register_person(conn, policy, clock, app[app_keys.PIN_HASHER], registration)
        other = await register_person(conn, policy, clock, app[app_keys.PIN_HASHER], registration)
        assert patron.card_number is not None
        assert other.card_number is not None
        for n in range(LOANS):
            await check_out(conn, policy, clock, patron.card_number, f"DESK-{n}")
        await check_out(conn, policy, clock, other.card_number, f"DESK-{LOANS}")
        await reserve(conn, policy, clock, patron.card_number, f"DESK-{LOANS}")
        await reserve(conn, policy, clock, patron.card_number, f"DESK-{LOANS + 1}")
        await charge_fee(conn, patron_id=patron.patron_id, kind="new_card", amount_ore=4000, charged_on=clock.today())
    return patron.card_number


async def _scanned_page(client: aiohttp.ClientSession, card_number: str) -> tuple[str, str]:
    """Log in at the desk and scan the card: the circulation page's path with the patron shown, and the
    session's form token."""
    async with client.get("/staff/login") as login:
        token = _CSRF.search(await login.text())
    assert token is not None
    form = {"csrf": token.group(1), "lang": "nb", "username": "bench.desk", "password": STAFF_PASSWORD}
    async with client.post("/staff/login", data=form) as home:
        page = await home.text()
        assert home.url.path == "/staff/", "the bench's desk login failed"
    token = _CSRF.search(page)
    assert token is not None
    async with client.post("/staff/scan", data={"csrf": token.group(1), "lang": "nb", "mode": "out",
                                                "code": card_number}) as scanned:  # fmt: skip
        assert "Benk Låner" in await scanned.text()
        return scanned.url.path_qs, token.group(1)


async def _time(
    client: aiohttp.ClientSession, path: str, requests: int, concurrency: int, name: str, *,
    scan: dict[str, str] | None = None,
) -> DeskTiming:  # fmt: skip
    """``requests`` GETs of ``path`` (or, with ``scan``, posts of that scan form and the page it leads to)."""
    latencies: list[float] = []
    per_client = requests // concurrency

    async def worker() -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            call = client.post("/staff/scan", data=scan) if scan is not None else client.get(path)
            async with call as response:
                body = await response.read()
                if response.status != 200 or b"Benk L" not in body:
                    raise RuntimeError(f"the desk page answered {response.status}")
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return DeskTiming(name, per_client * concurrency, concurrency, time.perf_counter() - started, latencies)


async def run_desk_bench(requests: int, concurrency: int) -> list[dict[str, Any]]:
    root = traversable_temp_dir()
    postgres = EmbeddedPostgres(root / "pgdata")
    try:
        postgres.start()
        await ensure_database(postgres.dsn(), DATABASE)
        keys_dir = root / "keys"
        init_keys(keys_dir, ["asker"])
        settings = LibrarySettings(
            library_id="asker", database_url=postgres.dsn(DATABASE), keys_dir=keys_dir, data_dir=root,
            registry_url="https://127.0.0.1:9", registry_retries=1, registry_timeout_seconds=1.0,
            local_pin_pepper_path=root / "pin-pepper.key", daily_run_enabled=False, registry_sync_enabled=False,
            host="127.0.0.1", port=0, sip2_enabled=False, peer_enabled=False,
        )  # fmt: skip
        library = await start_library(settings)
        try:
            card_number = await _stock(settings, library.runner.app)
            context = ssl.create_default_context(cafile=str(KeyLayout(keys_dir).ca_certificate))
            async with aiohttp.ClientSession(
                base_url=library.url, connector=aiohttp.TCPConnector(ssl=context, limit=concurrency),
                cookie_jar=aiohttp.CookieJar(unsafe=True),
            ) as client:  # fmt: skip
                path, csrf = await _scanned_page(client, card_number)
                await _time(client, path, 50, 1, "warm-up")
                scan = {"csrf": csrf, "lang": "nb", "mode": "out", "code": card_number}
                timings = [
                    await _time(client, path, requests, 1, "circulation page, one desk"),
                    await _time(client, path, requests, concurrency, f"circulation page, {concurrency} desks"),
                    await _time(client, path, requests, 1, "card scan: post + redirected page", scan=scan),
                ]
        finally:
            await library.stop()
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)
    return [timing.summary() for timing in timings]


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| measurement | requests | concurrency | rate /s | mean ms | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['measurement']} | {r['requests']} | {r['concurrency']} | {r['rate_per_s']} | {r['mean_ms']} "
            f"| {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |"
        )
    return "\n".join(lines)


def run(requests: int, concurrency: int, markdown_out: Path | None) -> int:
    results = asyncio.run(run_desk_bench(requests, concurrency))
    table = markdown(results)
    print(table)
    if markdown_out is not None:
        markdown_out.write_text(table + "\n", encoding="utf-8")
    return 0
