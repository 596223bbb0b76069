"""A PostgreSQL cluster of its own for one test, so the test can stop and start it (a database outage)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from plumbing.db.embedded import EmbeddedPostgres
from tests.conftest import traversable_temp_dir


@dataclass
class Cluster:
    server: EmbeddedPostgres
    database_url: str

    async def stop(self) -> None:
        await asyncio.to_thread(self.server.stop)

    async def start(self) -> None:
        await asyncio.to_thread(self.server.start)


@contextlib.asynccontextmanager
async def separate_cluster(database: str = "registry") -> AsyncIterator[Cluster]:
    with traversable_temp_dir() as folder:
        server = EmbeddedPostgres(folder / "pgdata")
        await asyncio.to_thread(server.start)
        try:
            admin = await asyncpg.connect(server.dsn())
            try:
                await admin.execute(f"CREATE DATABASE {database}")
            finally:
                await admin.close()
            yield Cluster(server, server.dsn(database))
        finally:
            await asyncio.to_thread(server.stop)


async def count(database_url: str, query: str, *arguments: object) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval(query, *arguments))
    finally:
        await connection.close()


async def execute(database_url: str, statement: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
