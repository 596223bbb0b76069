"""`natreg library create-staff | run-daily | add-terminal` against a node's real database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from natreg.cli import main


@pytest.fixture
def node_environment(
    monkeypatch: pytest.MonkeyPatch, library_database_url: str, keys_dir: Path, tmp_path: Path
) -> Path:
    monkeypatch.setenv("NATREG_LIBRARY_DATABASE_URL", library_database_url)
    monkeypatch.setenv("NATREG_LIBRARY_KEYS_DIR", str(keys_dir))
    monkeypatch.setenv("NATREG_LIBRARY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NATREG_LIBRARY_LOCAL_PIN_PEPPER_PATH", str(tmp_path / "pepper.key"))
    return tmp_path


def test_staff_accounts_are_created_once(node_environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    password = node_environment / "password"
    password.write_text("a long enough desk password\n")
    command = ["library", "create-staff", "--library", "asker", "kari", "--password-file", str(password)]
    assert main(command) == 0
    assert "staff account 'kari' (desk) created at asker" in capsys.readouterr().out
    assert main(command) == 2
    assert "staff_username_taken" in capsys.readouterr().err


def test_the_daily_run_can_be_started_by_hand(node_environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["library", "run-daily", "--library", "sandnes"]) == 0
    output = capsys.readouterr().out
    assert "0 reminders" in output
    assert "0 notices sent, 0 failed" in output


def test_sip2_terminal_accounts_are_created_with_a_password_shown_once(
    node_environment: Path, library_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ["library", "add-terminal", "--library", "asker", "door-1", "--encoding", "utf-8", "--crlf"]
    command += ["--network", "10.1.2.0/24", "--network", "192.0.2.7", "--door"]
    assert main(command) == 0
    output = capsys.readouterr().out
    assert "SIP2 terminal 'door-1' created at asker" in output
    password = output.strip().splitlines()[-1]
    assert len(password) >= 20

    async def stored() -> asyncpg.Record:
        connection = await asyncpg.connect(library_database_url)
        try:
            row = await connection.fetchrow("SELECT * FROM sip2_terminals WHERE name = 'door-1'")
            assert row is not None
            return row
        finally:
            await connection.close()

    row = asyncio.run(stored())
    assert password not in row["password_hash"]
    assert row["password_hash"].startswith("$argon2id$")
    assert (row["encoding"], row["crlf"], row["institution_id"], row["door"]) == ("utf-8", True, "asker", True)
    assert sorted(row["hidden_fields"]) == ["BD", "BE", "BF", "PB"]
    assert [str(network) for network in row["networks"]] == ["10.1.2.0/24", "192.0.2.7/32"]
    assert main(command) == 2
    assert "terminal_exists" in capsys.readouterr().err
    assert main(["library", "add-terminal", "--library", "asker", "bad", "--network", "not-a-net"]) == 2
    assert "invalid_network" in capsys.readouterr().err
