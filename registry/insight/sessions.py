"""Patron sessions of the insight site: signed cookies, sliding idle timeout, absolute lifetime.

The session is a MAC-signed token (patron UUID, issue time, last activity) rather than a database row, so
any registry instance behind the load balancer can serve any request. Each response re-signs the token
with a new activity time; a token idle for longer than the timeout, or older than the absolute lifetime,
is refused. The CSRF token is derived from the session, so forms need no server-side state either.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

IDLE_TIMEOUT = dt.timedelta(minutes=15)
ABSOLUTE_LIFETIME = dt.timedelta(hours=1)
SESSION_COOKIE = "natreg_insight"
PRE_SESSION_COOKIE = "natreg_login"


INSIGHT_SESSION_LABEL = b"natreg/insight-session/v1"


def derive_session_key(master_key: bytes, label: bytes = INSIGHT_SESSION_LABEL) -> bytes:
    """A key for one purpose alone (named by ``label``), derived from a secret the service already keeps."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master_key)


@dataclass(frozen=True)
class Session:
    patron_id: uuid.UUID
    issued_at: dt.datetime
    last_seen_at: dt.datetime
    nonce: str


class SessionSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def issue(self, patron_id: uuid.UUID, now: dt.datetime) -> Session:
        return Session(patron_id=patron_id, issued_at=now, last_seen_at=now, nonce=secrets.token_urlsafe(12))

    def encode(self, session: Session) -> str:
        payload = (
            f"{session.patron_id}|{int(session.issued_at.timestamp())}|{int(session.last_seen_at.timestamp())}|"
            f"{session.nonce}"
        ).encode()
        return base64.urlsafe_b64encode(payload + self._mac(payload)).decode()

    def decode(self, token: str | None, now: dt.datetime) -> Session | None:
        """The session if the token is genuine and neither idle too long nor too old; otherwise None."""
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token.encode())
        except (binascii.Error, ValueError):
            return None
        payload, mac = raw[:-32], raw[-32:]
        if len(raw) <= 32 or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            patron, issued, seen, nonce = payload.decode().split("|")
            session = Session(
                patron_id=uuid.UUID(patron),
                issued_at=dt.datetime.fromtimestamp(int(issued), dt.UTC),
                last_seen_at=dt.datetime.fromtimestamp(int(seen), dt.UTC),
                nonce=nonce,
            )
        except ValueError:
            return None
        if now - session.last_seen_at > IDLE_TIMEOUT or now - session.issued_at > ABSOLUTE_LIFETIME:
            return None
        return session

    def touched(self, session: Session, now: dt.datetime) -> Session:
        return Session(session.patron_id, session.issued_at, now, session.nonce)

    # Form tokens are bound either to the login cookie (before login) or to the session: two namespaces, so a
    # token of one kind can never pass as the other.

    def login_form_token(self, login_cookie: str) -> str:
        return self.csrf_token("login|" + login_cookie)

    def login_form_valid(self, login_cookie: str | None, token: str | None) -> bool:
        return bool(login_cookie) and self.csrf_valid("login|" + (login_cookie or ""), token)

    def session_form_token(self, session: Session) -> str:
        return self.csrf_token("session|" + session.nonce)

    def session_form_valid(self, session: Session, token: str | None) -> bool:
        return self.csrf_valid("session|" + session.nonce, token)

    def csrf_token(self, binding: str) -> str:
        """The form token for a session (bound to its nonce) or, before login, to the login cookie."""
        return base64.urlsafe_b64encode(self._mac(b"csrf|" + binding.encode())[:24]).decode()

    def csrf_valid(self, binding: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(binding), token or "")
