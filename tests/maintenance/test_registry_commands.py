"""`natreg registry import | rotate-keys | audit verify` against a real database, as an operator runs them."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import asyncpg
import pytest

from natreg.cli import main
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import add_key_encryption_key
from registry.crypto.envelope import blind_index
from registry.crypto.keyring import KeyRing
from registry.patrons import store
from registry_contract.national_id import generate_synthetic_national_id, generate_synthetic_national_ids


@pytest.fixture
def operator_environment(
    monkeypatch: pytest.MonkeyPatch, registry_database_url: str, own_keys_dir: Path
) -> tuple[str, Path]:
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", registry_database_url)
    monkeypatch.setenv("NATREG_REGISTRY_KEYS_DIR", str(own_keys_dir))
    monkeypatch.setenv("NATREG_REGISTRY_DATA_DIR", str(own_keys_dir.parent / "registry-data"))
    monkeypatch.setenv("NATREG_REGISTRY_ALLOW_SYNTHETIC_NATIONAL_IDS", "true")
    monkeypatch.setenv("NATREG_REGISTRY_PIN_HASH_TIME_COST", "1")
    monkeypatch.setenv("NATREG_REGISTRY_PIN_HASH_MEMORY_KIB", "1024")
    return registry_database_url, own_keys_dir


def _patron_line(national_id: str, number: int, **overrides: object) -> str:
    document: dict[str, object] = {
        "national_id": national_id,
        "name": f"Test Person {number}",
        "addresses": [{"lines": [f"Testveien {number}"], "postal_code": "1383", "city": "Asker"}],
        "phone_numbers": [f"+47 400{number:05d}"],
        "email": f"person{number}@example.org",
        "preferred_contact": "email",
        "libraries": ["asker"],
    }
    document.update(overrides)
    return json.dumps(document)


def _fetch(database_url: str, query: str) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(database_url)
        try:
            return await connection.fetch(query)
        finally:
            await connection.close()

    return asyncio.run(run())


def test_import_reports_bad_rows_by_line_and_loads_good_rows_once(
    operator_environment: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url, _ = operator_environment
    ids = list(generate_synthetic_national_ids(4, seed=7))
    bad_checksum = ids[3][:10] + str((int(ids[3][10]) + 1) % 10)
    lines = [
        _patron_line(ids[0], 1, pin="4821"),
        "{not json",
        _patron_line(ids[1], 2, unknown_field="x"),
        _patron_line(bad_checksum, 3),
        _patron_line(ids[2], 4, preferred_contact="sms", phone_numbers=[]),
        _patron_line(ids[0], 5),
        _patron_line(ids[1], 6, libraries=["asker", "sandnes"], home_library="sandnes"),
    ]
    source = tmp_path / "patrons.jsonl"
    source.write_text("\n".join(lines) + "\n")

    assert main(["registry", "import", str(source)]) == 1
    output = capsys.readouterr().out
    assert "line 2: row_unreadable" in output
    assert "line 3: row_invalid: unknown_field" in output
    assert "line 4: national_id_checksum" in output
    assert "line 5: row_invalid" in output
    assert "line 6: duplicate_in_file" in output
    assert "loaded 2; already registered 0; rejected 5" in output
    for national_id in ids:
        assert national_id not in output

    assert main(["registry", "import", str(source)]) == 1
    assert "loaded 0; already registered 2; rejected 5" in capsys.readouterr().out
    rows = _fetch(
        database_url, "SELECT home_library, pin_hash IS NOT NULL AS pin_set FROM patrons ORDER BY home_library"
    )
    assert [(row["home_library"], row["pin_set"]) for row in rows] == [("asker", True), ("sandnes", False)]
    links = _fetch(database_url, "SELECT library_id FROM patron_libraries ORDER BY library_id")
    assert [row["library_id"] for row in links] == ["asker", "asker", "sandnes"]


def test_import_from_csv_uses_the_same_encryption_path(operator_environment: tuple[str, Path], tmp_path: Path) -> None:
    database_url, keys_dir = operator_environment
    national_id = generate_synthetic_national_id(random.Random(3))
    source = tmp_path / "patrons.csv"
    source.write_text(
        "national_id,name,address1_lines,address1_postal_code,address1_city,"
        "phone_numbers,email,preferred_contact,libraries\n"
        f"{national_id},Kari Testdatter,Storgata 1|c/o Hansen,4306,Sandnes,"
        "+47 40000001,kari@example.org,letter,sandnes\n"
    )
    assert main(["registry", "import", str(source)]) == 0
    keyring = KeyRing.load(KeyLayout(keys_dir).registry_data_dir)

    async def read_back() -> store.PatronRecord:
        connection = await asyncpg.connect(database_url)
        try:
            row = await store.fetch_patron_row(
                connection, where=store.BY_NATIONAL_ID_INDEX, argument=blind_index(keyring, national_id)
            )
            assert row is not None
            return store.decrypt_record(keyring, row)
        finally:
            await connection.close()

    record = asyncio.run(read_back())
    assert record.name == "Kari Testdatter"
    assert record.addresses[0].lines == ["Storgata 1", "c/o Hansen"]
    assert record.preferred_contact == "letter"
    assert record.libraries == ["sandnes"]


def test_rotation_rewraps_every_data_key_and_old_key_can_go(
    operator_environment: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url, keys_dir = operator_environment
    source = tmp_path / "patrons.jsonl"
    ids = list(generate_synthetic_national_ids(25, seed=11))
    source.write_text("\n".join(_patron_line(national_id, n) for n, national_id in enumerate(ids)) + "\n")
    assert main(["registry", "import", str(source)]) == 0

    assert add_key_encryption_key(keys_dir) == 2
    assert main(["registry", "rotate-keys", "--batch-size", "7"]) == 0
    assert "re-wrapped 25 data keys" in capsys.readouterr().out
    versions = _fetch(database_url, "SELECT DISTINCT kek_version FROM patrons")
    assert [row["kek_version"] for row in versions] == [2]

    # With every data key under version 2, version 1 is no longer needed to read anything.
    KeyLayout(keys_dir).kek(1).unlink()
    keyring = KeyRing.load(KeyLayout(keys_dir).registry_data_dir)
    rows = _fetch(database_url, f"SELECT {store.PATRON_COLUMNS} FROM patrons p")  # noqa: S608 - fixed fragment
    assert sorted(store.decrypt_record(keyring, row).name for row in rows) == sorted(
        f"Test Person {n}" for n in range(25)
    )


def test_audit_verify_passes_then_names_the_tampered_entry(
    operator_environment: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url, _ = operator_environment
    source = tmp_path / "patrons.jsonl"
    ids = list(generate_synthetic_national_ids(5, seed=5))
    source.write_text("\n".join(_patron_line(national_id, n) for n, national_id in enumerate(ids)) + "\n")
    assert main(["registry", "import", str(source)]) == 0
    assert main(["registry", "audit", "verify"]) == 0
    assert "audit log intact: 5 entries verified" in capsys.readouterr().out

    async def tamper() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute("UPDATE audit_log SET purpose = 'nothing to see' WHERE sequence_number = 3")
            # An attacker with superuser rights can switch the guard off; the chain still gives them away.
            await connection.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
            await connection.execute("UPDATE audit_log SET purpose = 'nothing to see' WHERE sequence_number = 3")
            await connection.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
        finally:
            await connection.close()

    asyncio.run(tamper())
    assert main(["registry", "audit", "verify"]) == 1
    assert "audit log BROKEN at entry 3: its contents do not match its hash" in capsys.readouterr().out
