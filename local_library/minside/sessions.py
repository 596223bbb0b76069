"""Patron sessions of "Min side": the shared server-held sessions (``plumbing.web.sessions``), in this node's
own database and under this node's own session key, with cookies of Min side's own.

The key file (``minside-session.key`` next to the node's PIN pepper, made 0600 on first start) is used for
nothing else: not derived from the PIN pepper or the library credential.
"""

from __future__ import annotations

from local_library.settings import LibrarySettings
from plumbing.keys.layout import KeyLayout
from plumbing.web.sessions import SessionStore, load_or_create_session_key
from plumbing.web.site import SiteCookies

__all__ = ["COOKIES", "node_sessions"]

# Distinct from the insight site's cookie names: browsers do not separate cookies by port, so a registry
# and a node on one host name would otherwise overwrite each other's sessions.
COOKIES = SiteCookies(
    session="natreg_minside", login="natreg_minside_login", language="natreg_minside_lang", path="/minside"
)


def node_sessions(settings: LibrarySettings) -> SessionStore:
    key_file = KeyLayout(settings.keys_dir).library_minside_session_key(settings.library_id)
    return SessionStore(load_or_create_session_key(key_file))
