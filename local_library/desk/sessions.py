"""Staff sessions of the desk: the shared server-held sessions (``plumbing.web.sessions``) in the node's
``staff_sessions`` table (migration 013), under a key of the desk's own and with the desk's own cookies.

The key file (``desk-session.key`` next to the node's PIN pepper, 0600, made on first start) is used for
nothing else, so replacing it ends every desk session without touching Min side's. A desk is a shared
terminal behind a counter: a session ends after 20 idle minutes, and lasts at most one working day.
"""

from __future__ import annotations

import datetime as dt

from local_library.settings import LibrarySettings
from plumbing.keys.layout import KeyLayout
from plumbing.web.sessions import SessionStore, SessionTable, load_or_create_session_key
from plumbing.web.site import SiteCookies

__all__ = ["COOKIES", "STAFF_SESSIONS", "desk_sessions"]

COOKIES = SiteCookies(session="natreg_desk", login="natreg_desk_login", language="natreg_desk_lang", path="/staff")

STAFF_SESSIONS = SessionTable(
    "staff_sessions", "staff_id", idle_timeout=dt.timedelta(minutes=20), lifetime=dt.timedelta(hours=10)
)


def desk_sessions(settings: LibrarySettings) -> SessionStore:
    key_file = KeyLayout(settings.keys_dir).library_desk_session_key(settings.library_id)
    return SessionStore(load_or_create_session_key(key_file), STAFF_SESSIONS)
