"""What the library-service login stands on: the registry's core, the id-token signing keys, the pairwise
subject key, the issuer, and how long each step may take.

The issuer is the public site's address (``NATREG_REGISTRY_OIDC_ISSUER``, else the listener's URL), known only
once the listener is bound when the port is picked at start (port 0): ``issuer`` is set then.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from plumbing.keys.signing import SigningKeyRing
from registry.patrons.core import RegistryCore

ID_TOKEN_SIGNING_PURPOSE = "id-tokens"  # noqa: S105 - the name of a key folder, not a secret
"""The purpose (``KeyLayout.signing_keys``) of the ring that signs id tokens: its own keys, rotated on their own."""

CODE_LIFETIME = dt.timedelta(seconds=60)
CONSENT_LIFETIME = dt.timedelta(minutes=10)
ID_TOKEN_LIFETIME = dt.timedelta(minutes=5)
ACCESS_TOKEN_LIFETIME = dt.timedelta(minutes=5)
REPLAY_MEMORY = dt.timedelta(hours=1)
"""How long a redeemed code is remembered, so that its replay revokes what it gave instead of reading as unknown."""
SIGNING_KEY_PRUNE_AFTER = ID_TOKEN_LIFETIME
"""A superseded signing key may go once nothing it signed can still be valid (``natreg keys rotate-signing``)."""


def url_safe_digest(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def token_digest(token: str) -> bytes:
    """What is stored of a code, consent handle or access token: they are 256 random bits, so SHA-256 suffices."""
    return hashlib.sha256(token.encode()).digest()


@dataclass
class Provider:
    core_provider: Callable[[], RegistryCore]
    signing_keys: SigningKeyRing
    pairwise_key: bytes = field(repr=False)
    issuer: str = ""

    @property
    def core(self) -> RegistryCore:
        return self.core_provider()

    def now(self) -> dt.datetime:
        return self.core.now()

    def subject(self, client_id: str, patron_id: uuid.UUID) -> str:
        """The patron's pairwise subject at one service: stable there, and unlinkable to the same patron's
        subject at any other service (a keyed hash; the key never leaves the registry)."""
        message = b"oidc-subject|" + client_id.encode() + b"|" + patron_id.bytes
        return url_safe_digest(hmac.new(self.pairwise_key, message, hashlib.sha256).digest())

    def endpoint(self, path: str) -> str:
        return self.issuer.rstrip("/") + path
