"""Sessions of our server-rendered sites (the registry's insight site, the nodes' Min side and staff desk), held
by the server.

A session is a row in one of the service's session tables (:class:`SessionTable`: ``patron_sessions`` for
patrons, ``staff_sessions`` for the staff desk; table and column names are checked plain identifiers, the only
text put into SQL); the subject is whoever logged in (a patron, a staff account); the cookie carries only a
random session id and its MAC. Logging out deletes the row, so a saved cookie is worth nothing afterwards, and a new PIN
deletes every session of the patron (:func:`end_sessions_of`). The table stores a SHA-256 digest of the id
rather than the id, so reading the database does not hand out usable cookies. The idle timeout slides with
each request (``last_seen_at``), the absolute lifetime does not.

Each service keeps the table in its own database (the registry and each node), and a key of its own for
the MACs: a key file (named in ``plumbing.keys.layout``) made on first start (0600), used for nothing else; it is
not derived from the credential HMAC key or the PIN pepper, so neither of those is exposed to a
session-forging attempt and replacing the session key ends all sessions without touching PINs.
The CSRF token of a form is a MAC of the session id (or, before login, of the login cookie). The cookies, and
the login and logout around these sessions, are the site's (``plumbing.web.site``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from plumbing.db.types import DbConnection
from plumbing.keys.files import load_or_create_key_file

IDLE_TIMEOUT = dt.timedelta(minutes=15)
ABSOLUTE_LIFETIME = dt.timedelta(hours=1)

_ID_BYTES = 32
_MAC_BYTES = 32


def load_or_create_session_key(path: Path) -> bytes:
    return load_or_create_key_file(path)


@dataclass(frozen=True)
class SessionTable:
    """Where a site's sessions live: a table with ``session_digest``, the subject's id column, ``issued_at``
    and ``last_seen_at``, and how long a session may idle and live at most."""

    name: str
    subject_column: str
    idle_timeout: dt.timedelta = IDLE_TIMEOUT
    lifetime: dt.timedelta = ABSOLUTE_LIFETIME

    def __post_init__(self) -> None:
        # The names go into SQL text (identifiers cannot be parameters): plain identifiers only.
        for identifier in (self.name, self.subject_column):
            if not _IDENTIFIER.fullmatch(identifier):
                raise ValueError(f"not a plain SQL identifier: {identifier!r}")


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")

PATRON_SESSIONS = SessionTable("patron_sessions", "patron_id")
"""The patrons' sessions (insight site, Min side): 15 minutes idle, an hour at most."""


@dataclass(frozen=True)
class Session:
    patron_id: uuid.UUID
    """The subject: a patron's id, or whatever the site's :class:`SessionTable` names (a staff account's id)."""
    issued_at: dt.datetime
    last_seen_at: dt.datetime
    session_id: str
    """The random id (URL-safe base64) the cookie carries; only its digest is stored."""

    @property
    def subject(self) -> uuid.UUID:
        return self.patron_id


def _digest(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


async def end_sessions_of(
    connection: DbConnection, patron_id: uuid.UUID, table: SessionTable = PATRON_SESSIONS
) -> None:
    """End every session of the subject (a new PIN: whoever knew the old one is logged out everywhere)."""
    await connection.execute(f"DELETE FROM {table.name} WHERE {table.subject_column} = $1", patron_id)  # noqa: S608


class SessionStore:
    """Starts, resumes and ends sessions in one session table; signs cookies and form tokens."""

    def __init__(self, key: bytes, table: SessionTable = PATRON_SESSIONS) -> None:
        self._key = key
        self._table = table

    def __repr__(self) -> str:
        return "SessionStore()"  # the key stays out of logs

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    async def start(self, connection: DbConnection, patron_id: uuid.UUID, now: dt.datetime) -> Session:
        session = Session(patron_id, now, now, secrets.token_urlsafe(_ID_BYTES))
        table = self._table
        await connection.execute(
            f"INSERT INTO {table.name} (session_digest, {table.subject_column}, issued_at, last_seen_at)"  # noqa: S608
            " VALUES ($1, $2, $3, $3)",
            _digest(session.session_id),
            patron_id,
            now,
        )
        # Expired rows of anyone are swept as new sessions start, so the table never grows without bound.
        await connection.execute(f"DELETE FROM {table.name} WHERE issued_at < $1", now - table.lifetime)  # noqa: S608
        return session

    def cookie(self, session: Session) -> str:
        raw = session.session_id.encode()
        return base64.urlsafe_b64encode(raw + self._mac(b"session|" + raw)).decode()

    def _session_id(self, cookie: str | None) -> str | None:
        if not cookie or len(cookie) > 256:
            return None
        try:
            raw = base64.urlsafe_b64decode(cookie.encode())
        except (binascii.Error, ValueError):
            return None
        if len(raw) <= _MAC_BYTES:
            return None
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(b"session|" + payload)):
            return None
        try:
            return payload.decode("ascii")
        except UnicodeDecodeError:
            return None

    async def resume(self, connection: DbConnection, cookie: str | None, now: dt.datetime) -> Session | None:
        """The session if the cookie is genuine and the session still open, neither idle too long nor too old.

        Resuming marks this moment as the last activity (the idle timeout slides, the lifetime not).
        """
        session_id = self._session_id(cookie)
        if session_id is None:
            return None
        table = self._table
        row = await connection.fetchrow(
            f"""
            UPDATE {table.name} SET last_seen_at = greatest(last_seen_at, $2)
            WHERE session_digest = $1 AND last_seen_at > $3 AND issued_at > $4
            RETURNING {table.subject_column} AS subject, issued_at, last_seen_at
            """,  # noqa: S608
            _digest(session_id),
            now,
            now - table.idle_timeout,
            now - table.lifetime,
        )
        if row is None:
            return None
        return Session(row["subject"], row["issued_at"], row["last_seen_at"], session_id)

    async def end(self, connection: DbConnection, session: Session) -> None:
        await connection.execute(
            f"DELETE FROM {self._table.name} WHERE session_digest = $1",  # noqa: S608
            _digest(session.session_id),
        )

    # Form tokens are bound either to the login cookie (before login) or to the session: two namespaces, so a
    # token of one kind can never pass as the other.

    def login_form_token(self, login_cookie: str) -> str:
        return self.csrf_token("login|" + login_cookie)

    def login_form_valid(self, login_cookie: str | None, token: str | None) -> bool:
        return bool(login_cookie) and self.csrf_valid("login|" + (login_cookie or ""), token)

    def session_form_token(self, session: Session) -> str:
        return self.csrf_token("session|" + session.session_id)

    def session_form_valid(self, session: Session, token: str | None) -> bool:
        return self.csrf_valid("session|" + session.session_id, token)

    def csrf_token(self, binding: str) -> str:
        return base64.urlsafe_b64encode(self._mac(b"csrf|" + binding.encode())[:24]).decode()

    def csrf_valid(self, binding: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(binding), token or "")
