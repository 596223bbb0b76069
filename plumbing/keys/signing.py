"""Rotating signing keys for the tokens a service issues (patron statements, id tokens), published as a JWKS.

One ring per purpose, each in its own folder (``KeyLayout.signing_keys(purpose)``): separate purposes rotate on
their own, and a token signed for one purpose can never verify as another's. Every key is an ES256 (P-256) key
in its own 0600 PEM file named ``<created, UTC, to the microsecond>-<kid>.pem``; the newest one signs, and every
key still in the folder is published, so a token signed just before a rotation keeps verifying until it expires.

Rotation (``rotate``) adds a key; ``prune`` removes keys superseded longer ago than any token they signed can live.
Several processes may share the folder (registry instances, the command line): each ring re-reads the folder when
its modification time changes, so a rotation made anywhere is used everywhere on the next signature. Verifiers
that meet an unknown ``kid`` should fetch the published key set again (at most once per token) before refusing.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from plumbing.keys.files import KeyMaterialError, ensure_private_dir, write_new_file

SIGNING_ALGORITHM = "ES256"
_CURVE = "P-256"
_KEY_FILE = re.compile(r"^(?P<created>\d{8}T\d{12}Z)-(?P<kid>[A-Za-z0-9_-]{8,64})\.pem$")
_CREATED_FORMAT = "%Y%m%dT%H%M%S%fZ"


class SignedTokenError(Exception):
    """A token is malformed, signed with an unknown key or another algorithm, or its signature does not verify.

    Deliberately one exception: a caller refuses all of these the same way and never says which it was.
    """


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created: datetime
    key: ECKey


def _key_file_name(created: datetime, kid: str) -> str:
    return f"{created.strftime(_CREATED_FORMAT)}-{kid}.pem"


def _read_key(path: Path) -> SigningKey | None:
    match = _KEY_FILE.match(path.name)
    if match is None:
        return None
    created = datetime.strptime(match.group("created"), _CREATED_FORMAT).replace(tzinfo=UTC)
    kid = match.group("kid")
    try:
        key = ECKey.import_key(path.read_bytes(), parameters={"kid": kid, "use": "sig", "alg": SIGNING_ALGORITHM})
    except (OSError, ValueError, JoseError) as error:
        raise KeyMaterialError(f"signing key {path} cannot be read: {type(error).__name__}") from None
    return SigningKey(kid=kid, created=created, key=key)


class SigningKeyRing:
    """The signing keys of one purpose, kept in one folder."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._stamp: int | None = None
        self._keys: list[SigningKey] = []

    @classmethod
    def open(cls, directory: Path, *, now: datetime | None = None) -> SigningKeyRing:
        """The ring in ``directory``, with a first key made if it has none yet."""
        ring = cls(directory)
        if not ring.all_keys():
            ring.rotate(now=now)
        return ring

    def _refresh(self) -> None:
        try:
            stamp = self._directory.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp is not None and stamp == self._stamp:
            return
        keys = []
        if stamp is not None:
            for path in self._directory.iterdir():
                key = _read_key(path)
                if key is not None:
                    keys.append(key)
        keys.sort(key=lambda key: (key.created, key.kid))
        self._keys = keys
        self._stamp = stamp

    def all_keys(self) -> list[SigningKey]:
        """Every key in the ring, oldest first."""
        self._refresh()
        return list(self._keys)

    @property
    def current(self) -> SigningKey:
        keys = self.all_keys()
        if not keys:
            raise KeyMaterialError(f"no signing key in {self._directory}; run `natreg keys init`")
        return keys[-1]

    def rotate(self, *, now: datetime | None = None) -> SigningKey:
        """Add a new key, which signs from now on; the older ones stay published until pruned."""
        created = now or datetime.now(UTC)
        existing = self.all_keys()
        if existing and created <= existing[-1].created:
            # Two rotations within one clock tick (or a clock set back): the new key must still sort last.
            created = existing[-1].created + timedelta(microseconds=1)
        kid = secrets.token_urlsafe(12)
        key = ECKey.generate_key(_CURVE, parameters={"kid": kid}, private=True)
        ensure_private_dir(self._directory)
        write_new_file(self._directory / _key_file_name(created, kid), key.as_pem(private=True))
        self._stamp = None
        return self.current

    def prune(self, *, now: datetime, token_lifetime: timedelta) -> list[str]:
        """Remove keys superseded longer ago than ``token_lifetime``: nothing they signed can still be valid.

        The current key is never removed. Returns the removed key ids.
        """
        keys = self.all_keys()
        removed = []
        for older, newer in itertools.pairwise(keys):
            if newer.created + token_lifetime < now:
                (self._directory / _key_file_name(older.created, older.kid)).unlink(missing_ok=True)
                removed.append(older.kid)
        self._stamp = None
        return removed

    def sign(self, claims: Mapping[str, Any], *, kind: str = "JWT") -> str:
        """A compact JWS of ``claims`` signed with the current key; ``kind`` (the ``typ`` header) says what it is."""
        signing_key = self.current
        header = {"alg": SIGNING_ALGORITHM, "kid": signing_key.kid, "typ": kind}
        return jwt.encode(header, dict(claims), signing_key.key)

    def public_jwks(self) -> dict[str, Any]:
        """The published key set: every key in the ring, public parts only."""
        key_set = KeySet([signing_key.key for signing_key in self.all_keys()])
        return {"keys": [dict(key) for key in key_set.as_dict(private=False)["keys"]]}


def read_signed_token(token: str, published_keys: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check ``token``'s ES256 signature against a published key set; return its (header, claims).

    Only the signature and the algorithm are checked here; what the claims must say (issuer, audience, expiry,
    scope) is the caller's rule, checked on what this returns.
    """
    try:
        key_set = KeySet.import_key_set(dict(published_keys))  # type: ignore[arg-type]
        decoded = jwt.decode(token, key_set, algorithms=[SIGNING_ALGORITHM])
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise SignedTokenError(type(error).__name__) from None
    return dict(decoded.header), dict(decoded.claims)
