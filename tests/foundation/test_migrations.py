"""The migration runner applies each numbered file exactly once, even with several runners at once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from plumbing.db.migrations import MigrationError, apply_migrations, load_migrations
from registry.migrations import MIGRATIONS_PACKAGE as REGISTRY_MIGRATIONS


def test_migrations_are_numbered_in_order() -> None:
    versions = [migration.version for migration in load_migrations(REGISTRY_MIGRATIONS)]
    assert versions == sorted(versions)
    assert versions[0] == 1


async def test_concurrent_runners_apply_each_migration_once(empty_database_url: str) -> None:
    connections = [await asyncpg.connect(empty_database_url) for _ in range(3)]
    try:
        applied = await asyncio.gather(*(apply_migrations(c, REGISTRY_MIGRATIONS) for c in connections))
        names = [name for batch in applied for name in batch]
        assert sorted(names) == sorted(m.name for m in load_migrations(REGISTRY_MIGRATIONS))
        assert await apply_migrations(connections[0], REGISTRY_MIGRATIONS) == []
    finally:
        for connection in connections:
            await connection.close()


async def test_an_edited_migration_is_detected(registry_database_url: str) -> None:
    connection = await asyncpg.connect(registry_database_url)
    try:
        await connection.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await apply_migrations(connection, REGISTRY_MIGRATIONS)
    finally:
        await connection.close()
