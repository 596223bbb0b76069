"""When the database is away: one refusal for every "try again shortly" condition of PostgreSQL.

A service whose database is down, restarting, out of connections or busy past the pool's deadline answers
``503 database_unavailable`` with ``Retry-After`` (through the one problem middleware), never a 500: callers
such as a library node's outbox treat a 503 as "send it again later" and a 500 as a fault.

Errors while *connecting* (refused, socket gone, timeout) are turned into the refusal by the pool itself
(``plumbing.db.pool``), since a bare ``OSError`` or ``TimeoutError`` elsewhere means something else; errors of a
connection lost *during* a query are recognised by type in the middleware.
"""

from __future__ import annotations

import asyncpg

from plumbing.errors import DomainError, ErrorKind

RETRY_AFTER_SECONDS = 5

# Server-side conditions that pass: the server shuts down or restarts, or has no connection slot free.
QUERY_TIME_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08, including a connection lost in the middle of a query
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
# While acquiring a connection, the network-level failures mean the same.
CONNECT_TIME_UNAVAILABLE: tuple[type[BaseException], ...] = (*QUERY_TIME_UNAVAILABLE, OSError, TimeoutError)


class DatabaseUnavailableError(DomainError, ConnectionError):
    """The refusal, and also a ``ConnectionError``: code that already treats a lost connection as "try again
    later" (background loops, health checks) keeps doing so for a connection the pool could not make."""


def database_unavailable() -> DatabaseUnavailableError:
    return DatabaseUnavailableError(
        ErrorKind.UNAVAILABLE,
        "database_unavailable",
        "the database is unavailable for a moment; try again shortly",
        retry_after_seconds=RETRY_AFTER_SECONDS,
    )


def is_database_unavailable(error: BaseException) -> bool:
    """Whether an error raised by a query means "the database is away", not a fault of the request."""
    return isinstance(error, QUERY_TIME_UNAVAILABLE)
