"""Patron sessions of "Min side": the registry insight site's signed cookies, under a key of this node's own.

The token format, the sliding idle timeout (15 min), the absolute lifetime (1 h) and the CSRF derivation are
``registry.insight.sessions.SessionSigner``'s; only the key differs. It is derived from the node's PIN pepper
(a secret the node already keeps), under its own HKDF label, so no new key file is needed and a token made
for one purpose can never pass for another.
"""

from __future__ import annotations

from local_library.patrons.pins import load_or_create_pin_pepper
from local_library.settings import LibrarySettings
from registry.insight.sessions import Session, SessionSigner, derive_session_key

__all__ = ["LANGUAGE_COOKIE", "PRE_SESSION_COOKIE", "SESSION_COOKIE", "Session", "SessionSigner", "node_signer"]

# Distinct from the insight site's cookie names: browsers do not separate cookies by port, so a registry
# and a node on one host name would otherwise overwrite each other's sessions.
SESSION_COOKIE = "natreg_minside"
PRE_SESSION_COOKIE = "natreg_minside_login"
LANGUAGE_COOKIE = "natreg_minside_lang"
COOKIE_PATH = "/minside"

MINSIDE_SESSION_LABEL = b"natreg/minside-session/v1"


def node_signer(settings: LibrarySettings) -> SessionSigner:
    return SessionSigner(derive_session_key(load_or_create_pin_pepper(settings), MINSIDE_SESSION_LABEL))
