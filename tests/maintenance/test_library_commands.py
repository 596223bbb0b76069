"""`natreg library create-staff | run-daily` against a node's real database."""

from __future__ import annotations

from pathlib import Path

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
