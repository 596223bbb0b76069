"""Connection pools, and connection strings that are safe to log."""

from __future__ import annotations

import logging
import re

import asyncpg

logger = logging.getLogger(__name__)

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]+:)[^@]*@")
_PASSWORD_IN_QUERY = re.compile(r"(password=)[^&]*", re.IGNORECASE)


def mask_dsn(dsn: str) -> str:
    """The connection string with any password replaced, for logs."""
    return _PASSWORD_IN_QUERY.sub(r"\1***", _PASSWORD_IN_URL.sub(r"\1***@", dsn))


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open a pool and prove it works with ``SELECT 1`` before the service accepts requests."""
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
    try:
        await pool.fetchval("SELECT 1")
    except BaseException:
        await pool.close()
        raise
    logger.info("connected to %s", mask_dsn(dsn))
    return pool
