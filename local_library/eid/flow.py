"""What the browser carries between the steps of an eID sign-in and the registration form, sealed by the node.

Two short-lived cookies, encrypted and authenticated with the node's own key (Fernet: AES-CBC + HMAC, with
a timestamp checked on opening): the sign-in in progress (state, nonce, PKCE verifier; ten minutes) and,
after a verified sign-in, the person (national ID and id token; fifteen minutes). The node keeps neither in
its database: the national ID reaches the registry through the encrypted outbox payload like a desk
registration's, and the cookie is cleared when the registration is made. Both cookies are SameSite=Lax,
not Strict: the browser comes back from the provider by a cross-site redirect, and must bring them along
(set by ``local_library.minside.new_card``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from plumbing.keys.files import load_or_create_key_file

FLOW_COOKIE = "natreg_eid_flow"
PERSON_COOKIE = "natreg_eid_person"
FLOW_SECONDS = 600
PERSON_SECONDS = 900


@dataclass(frozen=True)
class SealedCookies:
    """Seals and opens the eID cookies with a key used for nothing else."""

    fernet: Fernet

    @classmethod
    def from_key_file(cls, key_file: Path) -> SealedCookies:
        key = load_or_create_key_file(key_file)
        derived = hashlib.sha256(b"natreg eid cookies\x00" + key).digest()
        return cls(Fernet(base64.urlsafe_b64encode(derived)))

    def seal(self, data: dict[str, Any]) -> str:
        return self.fernet.encrypt(json.dumps(data).encode()).decode()

    def open(self, sealed: str | None, *, max_age_seconds: int) -> dict[str, Any] | None:
        """The data, or None if missing, altered, sealed under another key, or older than ``max_age_seconds``."""
        if not sealed:
            return None
        try:
            data = json.loads(self.fernet.decrypt(sealed.encode(), ttl=max_age_seconds))
        except (InvalidToken, ValueError):
            return None
        return data if isinstance(data, dict) else None
