"""Federation tests: the registry and library nodes with their peer listeners, over real mutual TLS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from plumbing.keys.layout import KeyLayout
from registry.auth.libraries import LibraryDirectory
from registry.federation.profiles import set_profile
from registry_contract.federation import FederationProfile, PickupRules

ProfileSetter = Callable[..., Awaitable[None]]


@pytest.fixture
async def set_federation_profile(registry_database_url: str, keys_dir: Path) -> AsyncIterator[ProfileSetter]:
    """Set a library's federation profile in the registry's database, as `natreg registry set-federation` does."""
    connection = await asyncpg.connect(registry_database_url)
    libraries = LibraryDirectory(KeyLayout(keys_dir))

    async def set_one(
        library_id: str, node_url: str, *, offers_requests: bool = True, hold_shelf_days: int = 7
    ) -> None:
        profile = FederationProfile(
            node_url=node_url,
            offers_interlibrary_requests=offers_requests,
            pickup_rules=PickupRules(hold_shelf_days=hold_shelf_days),
        )
        await set_profile(connection, libraries, library_id, profile)

    yield set_one
    await connection.close()
