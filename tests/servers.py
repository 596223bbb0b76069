"""Starting real services on loopback for tests: real TLS, real HTTP, free ports."""

from __future__ import annotations

import tempfile
from pathlib import Path

from local_library.app import RunningLibrary, start_library
from local_library.settings import LibrarySettings
from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry, start_registry
from registry.settings import RegistrySettings
from registry_contract.client import RegistryClient


async def run_registry(database_url: str, keys_dir: Path, **overrides: object) -> RunningRegistry:
    options: dict[str, object] = {
        "database_url": database_url, "keys_dir": keys_dir, "port": 0, "health_port": 0, "public_port": 0,
        "admin_port": 0,
        "allow_synthetic_national_ids": True,
        # Each test registry keeps its erasure ledger file apart from every other one.
        "data_dir": Path(tempfile.mkdtemp(prefix="natreg-registry-")),
    }  # fmt: skip
    settings = RegistrySettings.model_validate(options | overrides)
    return await start_registry(settings)


async def run_library(
    library_id: str, database_url: str, keys_dir: Path, registry_url: str, **overrides: object
) -> RunningLibrary:
    options: dict[str, object] = {
        "library_id": library_id, "database_url": database_url, "keys_dir": keys_dir, "registry_url": registry_url,
        "port": 0, "sip2_port": 0, "peer_port": 0, "registry_retries": 1, "registry_timeout_seconds": 3.0,
        "daily_run_enabled": False,
        # Tests check what the desk is answered; a busy machine must not turn a quick 201 into a 202.
        "registry_desk_wait_seconds": 30.0,
    }  # fmt: skip
    return await start_library(LibrarySettings.model_validate(options | overrides))


def registry_client(registry: RunningRegistry, keys_dir: Path, library_id: str, **options: object) -> RegistryClient:
    return RegistryClient.for_library(registry.api_url, KeyLayout(keys_dir), library_id, **options)
