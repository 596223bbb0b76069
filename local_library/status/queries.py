"""The node's own health reads (the caller owns the connection)."""

from __future__ import annotations

from plumbing.db.types import DbConnection


async def database_answers(conn: DbConnection) -> None:
    """Ask the database for the simplest answer; an unreachable one raises (``OSError``, ``PostgresError``)."""
    await conn.fetchval("SELECT 1")
