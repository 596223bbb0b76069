"""Patron sessions of "Min side": the insight site's server-held sessions (``plumbing.web.sessions``),
in this node's own database and under this node's own session key.

The key file (``minside-session.key`` next to the node's PIN pepper, made 0600 on first start) is used for
nothing else: not derived from the PIN pepper or the library credential.
"""

from __future__ import annotations

from local_library.settings import LibrarySettings
from plumbing.web.sessions import (
    Session,
    SessionStore,
    load_or_create_session_key,
    minside_session_key_path,
)

__all__ = ["LANGUAGE_COOKIE", "PRE_SESSION_COOKIE", "SESSION_COOKIE", "Session", "SessionStore", "node_sessions"]

# Distinct from the insight site's cookie names: browsers do not separate cookies by port, so a registry
# and a node on one host name would otherwise overwrite each other's sessions.
SESSION_COOKIE = "natreg_minside"
PRE_SESSION_COOKIE = "natreg_minside_login"
LANGUAGE_COOKIE = "natreg_minside_lang"
COOKIE_PATH = "/minside"


def node_sessions(settings: LibrarySettings) -> SessionStore:
    return SessionStore(load_or_create_session_key(minside_session_key_path(settings.keys_dir, settings.library_id)))
