"""The importer reads its file as it loads it (bounded memory), tells its progress, and refuses non-UTF-8 first."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from plumbing.db.pool import create_pool
from plumbing.keys.layout import KeyLayout
from plumbing.progress import Progress
from registry.audit.log import seal_all, verify_chain
from registry.bulk_import import importer
from registry.crypto.keyring import KeyRing
from registry.patrons import store
from registry_contract.national_id import generate_synthetic_national_ids
from registry_contract.pins import PinHasher


def _lines(national_ids: list[str], first_number: int = 0) -> str:
    return "".join(
        json.dumps(
            {
                "national_id": national_id,
                "name": f"Strøm Testperson {first_number + number}",
                "addresses": [{"lines": [f"Elveveien {number + 1}"], "postal_code": "1383", "city": "Asker"}],
                "email": f"strom{first_number + number}@example.org",
                "preferred_contact": "email",
                "libraries": ["asker"],
            }
        )
        + "\n"
        for number, national_id in enumerate(national_ids)
    )


@pytest.fixture
async def pool(registry_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(registry_database_url)
    yield pool
    await pool.close()


async def test_rows_added_while_the_import_runs_are_loaded_too_as_it_reads_as_it_goes(
    pool: asyncpg.Pool, own_keys_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 10)
    keyring = KeyRing.load(KeyLayout(own_keys_dir).registry_data_dir)
    national_ids = list(generate_synthetic_national_ids(140, seed=15))
    source = tmp_path / "patrons.jsonl"
    source.write_text(_lines(national_ids[:100]))
    told: list[tuple[int, float]] = []

    def progress(rows: int, file_read: float) -> None:
        if not told:
            # The first batch is written long before the end of the file: what is appended now is read later.
            with source.open("a") as appending:
                appending.write(_lines(national_ids[100:], first_number=100))
        told.append((rows, file_read))

    report = await importer.import_patrons(
        pool, keyring, PinHasher(keyring.pin_pepper, max_concurrency=1, time_cost=1, memory_cost=1024), source,
        allow_synthetic=True, default_library=None, workers=1, progress=progress,
    )  # fmt: skip
    assert (report.loaded, report.errors, report.already_registered) == (140, [], [])
    assert [rows for rows, _ in told] == list(range(10, 141, 10))
    fractions = [file_read for _, file_read in told]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert await pool.fetchval("SELECT count(*) FROM patrons") == 140


async def test_a_file_that_is_not_utf8_is_refused_before_anything_is_loaded(
    pool: asyncpg.Pool, own_keys_dir: Path, tmp_path: Path
) -> None:
    keyring = KeyRing.load(KeyLayout(own_keys_dir).registry_data_dir)
    source = tmp_path / "patrons.jsonl"
    source.write_bytes(_lines(list(generate_synthetic_national_ids(30, seed=16))).encode() + b'{"name": "\xff"}\n')
    with pytest.raises(ValueError, match="not UTF-8"):
        await importer.import_patrons(
            pool, keyring, PinHasher(keyring.pin_pepper, max_concurrency=1, time_cost=1, memory_cost=1024), source,
            allow_synthetic=True, default_library=None, workers=1,
        )  # fmt: skip
    assert await pool.fetchval("SELECT count(*) FROM patrons") == 0


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_shows_rows_rate_share_and_time_left_on_a_terminal_only() -> None:
    clock = _Clock()
    terminal = io.StringIO()
    progress = Progress("rows", stream=terminal, clock=clock, force=True)
    clock.now += 10
    progress.update(12_000, 0.25)
    progress.finish()
    assert terminal.getvalue() == "\r\x1b[K" + "rows 12 000  1 200/s  25%  0:30 left  0:10 so far" + "\n"
    piped = io.StringIO()
    quiet = Progress("rows", stream=piped, clock=clock)
    quiet.update(12_000, 0.25)
    quiet.finish()
    assert piped.getvalue() == ""


async def test_a_patron_registered_between_the_check_and_the_copy_is_skipped_and_the_rest_loaded_audited(
    pool: asyncpg.Pool, own_keys_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = KeyRing.load(KeyLayout(own_keys_dir).registry_data_dir)
    national_ids = list(generate_synthetic_national_ids(30, seed=17))
    # The sixteenth patron, prepared as the importer prepares it, is the one registered meanwhile.
    preparation = importer._Preparation(keyring, allow_synthetic=True, default_library=None)
    racing_values = preparation.prepare([(1, _lines(national_ids[15:16]))])[0][3]  # type: ignore[index]
    (tmp_path / "patrons.jsonl").write_text(_lines(national_ids))
    monkeypatch.setattr(importer, "BATCH_SIZE", 10)
    real_write = importer._write

    async def write_after_a_registration(
        pool_: asyncpg.Pool, audit_key: bytes, ready: list[importer._ReadyRow], report: importer.ImportReport
    ) -> None:
        if any(line == 16 for line, _, _ in ready):
            # Registered through the API (here: straight in) after the importer checked, before its COPY.
            async with pool_.acquire() as connection:
                assert await store.insert_import_values_unless_registered(connection, (*racing_values, 999_999, None))
        await real_write(pool_, audit_key, ready, report)

    monkeypatch.setattr(importer, "_write", write_after_a_registration)
    report = await importer.import_patrons(
        pool, keyring, PinHasher(keyring.pin_pepper, max_concurrency=1, time_cost=1, memory_cost=1024),
        tmp_path / "patrons.jsonl", allow_synthetic=True, default_library=None, workers=1,
    )  # fmt: skip
    assert (report.loaded, report.errors, report.already_registered) == (29, [], [16])
    assert await pool.fetchval("SELECT count(*) FROM patrons") == 30
    async with pool.acquire() as connection:
        await seal_all(connection, keyring.audit_key)
        assert await connection.fetchval("SELECT count(*) FROM audit_log WHERE operation = 'import'") == 29
        assert (await verify_chain(connection, keyring.audit_key)).intact
