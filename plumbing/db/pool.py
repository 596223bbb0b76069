"""Connection pools, and connection strings that are safe to log.

Every pool has a deadline for handing out a connection: a request that cannot get one in time (the pool
exhausted, the server away) is refused as ``database_unavailable`` (503) instead of waiting for ever.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from plumbing.db.availability import CONNECT_TIME_UNAVAILABLE, database_unavailable
from plumbing.db.embedded import resolve_database_url
from plumbing.db.migrations import apply_migrations

logger = logging.getLogger(__name__)

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]+:)[^@]*@")
_PASSWORD_IN_QUERY = re.compile(r"(password=)[^&]*", re.IGNORECASE)


def mask_dsn(dsn: str) -> str:
    """The connection string with any password replaced, for logs."""
    return _PASSWORD_IN_QUERY.sub(r"\1***", _PASSWORD_IN_URL.sub(r"\1***@", dsn))


ACQUIRE_TIMEOUT_SECONDS = 10.0

# asyncpg's classes are generic only in their type stubs.
if TYPE_CHECKING:
    _AcquireContext = asyncpg.pool.PoolAcquireContext[asyncpg.Record]
    _Pool = asyncpg.Pool[asyncpg.Record]
else:
    _AcquireContext = asyncpg.pool.PoolAcquireContext
    _Pool = asyncpg.Pool


class _AcquireWithinDeadline(_AcquireContext):
    async def __aenter__(self) -> asyncpg.pool.PoolConnectionProxy[asyncpg.Record]:
        try:
            return await super().__aenter__()
        except CONNECT_TIME_UNAVAILABLE as error:
            raise database_unavailable() from error


class DeadlinePool(_Pool):
    """An asyncpg pool whose ``acquire`` gives up after a deadline, as ``database_unavailable``."""

    acquire_timeout_seconds = ACQUIRE_TIMEOUT_SECONDS

    def acquire(self, *, timeout: float | None = None) -> asyncpg.pool.PoolAcquireContext[asyncpg.Record]:
        return _AcquireWithinDeadline(self, self.acquire_timeout_seconds if timeout is None else timeout)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset on release, on purpose doing nothing.

    natreg keeps no session state on a pooled connection (no SET but SET LOCAL, no session advisory locks, no
    LISTEN, no cursors outside a transaction), which is also what PgBouncer's transaction mode requires. So
    asyncpg's default reset query (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``), a round
    trip on every release, finds nothing to reset. An open transaction is still rolled back by asyncpg first.
    """


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10, acquire_timeout_seconds: float = ACQUIRE_TIMEOUT_SECONDS
) -> asyncpg.Pool:
    """Open a pool and prove it works with ``SELECT 1`` before the service accepts requests."""
    pool = DeadlinePool(
        dsn, min_size=min_size, max_size=max_size, max_queries=50_000, max_inactive_connection_lifetime=300.0,
        loop=None, connection_class=asyncpg.Connection, record_class=asyncpg.Record, reset=_keep_session,
    )  # fmt: skip
    pool.acquire_timeout_seconds = acquire_timeout_seconds
    await pool
    try:
        await pool.fetchval("SELECT 1")
    except BaseException:
        await pool.close()
        raise
    logger.info("connected to %s", mask_dsn(dsn))
    return pool


async def create_migrated_pool(dsn: str, migrations_package: str, *, max_size: int = 10) -> asyncpg.Pool:
    """A pool on a database whose schema is brought up to date first (services and commands alike)."""
    pool = await create_pool(dsn, max_size=max_size)
    try:
        async with pool.acquire() as connection:
            await apply_migrations(connection, migrations_package)
    except BaseException:
        await pool.close()
        raise
    return pool


@contextlib.asynccontextmanager
async def service_database(
    database_url: str | None, data_dir: Path, database_name: str, migrations_package: str, *, max_size: int = 4
) -> AsyncIterator[asyncpg.Pool]:
    """For commands run beside a service: its configured database, or its database on the embedded server."""
    dsn, embedded = await resolve_database_url(database_url, data_dir, database_name)
    try:
        pool = await create_migrated_pool(dsn, migrations_package, max_size=max_size)
        try:
            yield pool
        finally:
            await pool.close()
    finally:
        if embedded is not None:
            embedded.stop()
