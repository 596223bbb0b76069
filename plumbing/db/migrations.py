"""The migration runner: numbered SQL files applied in order, once, each in its own transaction.

Files are named ``NNN_description.sql`` inside a migrations package. An advisory lock serialises runners,
so several service instances starting at once apply each migration exactly once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

from plumbing.db.types import DbConnection

logger = logging.getLogger(__name__)

MIGRATION_FILE = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# An arbitrary constant shared by every natreg runner; pg_advisory_xact_lock takes a bigint.
MIGRATION_LOCK_ID = 7_425_118_001


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(Exception):
    """The database's migration history does not match the code."""


def load_migrations(package: str) -> list[Migration]:
    migrations = []
    for entry in resources.files(package).iterdir():
        match = MIGRATION_FILE.match(entry.name)
        if match:
            migrations.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    migrations.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration numbers in {package}")
    return migrations


async def apply_migrations(connection: DbConnection, package: str) -> list[str]:
    """Apply every migration of ``package`` not yet applied; return the names applied now."""
    applied_now: list[str] = []
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_ID)
        await connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        rows = await connection.fetch("SELECT version, name, checksum FROM schema_migrations")
        history = {row["version"]: row for row in rows}
        for migration in load_migrations(package):
            done = history.get(migration.version)
            if done is not None:
                # An edited migration that already ran would leave databases silently different.
                if done["checksum"] != migration.checksum:
                    raise MigrationError(f"migration {migration.name} changed after it was applied")
                continue
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            applied_now.append(migration.name)
            logger.info("applied migration %s", migration.name)
    return applied_now
