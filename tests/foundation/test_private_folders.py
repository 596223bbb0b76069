"""The services' data and key folders are private (0700): created so, and tightened at every start."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from plumbing.files import append_private_line, data_dir_mode
from tests.servers import run_library, run_registry


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _loose_copy_of(keys_dir: Path, target: Path) -> Path:
    """The test keys, as a copy or restore might leave them: every folder 0755."""
    shutil.copytree(keys_dir, target)
    for folder in [target, *(path for path in target.rglob("*") if path.is_dir())]:
        folder.chmod(0o755)
    return target


def _folders(root: Path) -> list[Path]:
    return [root, *(path for path in root.rglob("*") if path.is_dir())]


async def test_a_library_node_makes_its_data_and_key_folders_private(
    library_database_url: str, keys_dir: Path, tmp_path: Path
) -> None:
    keys = _loose_copy_of(keys_dir, tmp_path / "keys")
    data_dir = tmp_path / "new" / "data"
    notices = data_dir / "notices"
    shared = tmp_path / "shared"
    for folder in (notices, shared):
        folder.mkdir(parents=True, mode=0o755)
        folder.chmod(0o755)
    data_dir.chmod(0o755)
    library = await run_library(
        "asker", library_database_url, keys, "https://127.0.0.1:9",
        data_dir=data_dir, notice_log_path=notices / "asker.jsonl", registry_sync_enabled=False,
    )  # fmt: skip
    await library.stop()
    assert _mode(data_dir) == 0o700
    assert _mode(notices) == 0o700
    assert {folder: _mode(folder) for folder in _folders(keys)} == dict.fromkeys(_folders(keys), 0o700)
    assert _mode(shared) == 0o755  # outside the data folder: not ours to change


async def test_the_registry_makes_its_data_key_and_ledger_folders_private(
    registry_database_url: str, keys_dir: Path, tmp_path: Path
) -> None:
    keys = _loose_copy_of(keys_dir, tmp_path / "keys")
    data_dir = tmp_path / "data"
    ledger_dir = data_dir / "ledger"
    ledger_dir.mkdir(parents=True)
    for folder in (data_dir, ledger_dir):
        folder.chmod(0o755)
    registry = await run_registry(
        registry_database_url, keys, data_dir=data_dir, erasure_ledger_path=ledger_dir / "erasure-ledger.jsonl"
    )
    await registry.stop()
    assert (_mode(data_dir), _mode(ledger_dir)) == (0o700, 0o700)
    assert {folder: _mode(folder) for folder in _folders(keys)} == dict.fromkeys(_folders(keys), 0o700)


def test_private_files_are_created_in_private_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "erasure-ledger.jsonl"
    append_private_line(target, "{}")
    assert (_mode(tmp_path / "a"), _mode(tmp_path / "a" / "b"), _mode(target)) == (0o700, 0o700, 0o600)


def test_a_data_folder_holding_the_embedded_server_stays_passable_for_its_user_when_run_as_root(
    tmp_path: Path,
) -> None:
    assert data_dir_mode(tmp_path) == 0o700
    (tmp_path / "pgdata").mkdir()
    # As root the embedded PostgreSQL runs as its own user, who must pass through (never list) the folder.
    assert data_dir_mode(tmp_path) == (0o711 if os.geteuid() == 0 else 0o700)
