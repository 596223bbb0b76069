"""Signing in with a national eID (ID-porten): the id-token checks both services apply, with one code each.

A library node checks the id token it received at the end of a patron's sign-in (with the nonce it sent);
the registry checks the same token again when a node forwards it as proof that the person is the holder of
a national card (linking without card and PIN), with the audience the node's client id. The checks are
joserfc's (signature against the issuer's published keys, ``iss``, ``aud``, ``exp``, ``iat``, ``nonce``),
plus the level of assurance (``acr``) and the national ID (``pid``) this project needs.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from plumbing.errors import DomainError, ErrorKind

ACR_SUBSTANTIAL = "idporten-loa-substantial"
ACR_HIGH = "idporten-loa-high"
ACCEPTED_LEVELS = frozenset({ACR_SUBSTANTIAL, ACR_HIGH})
"""At least "substantial" (nivå 3: MinID, BankID, Buypass, Commfides all reach it)."""
CLOCK_LEEWAY_SECONDS = 30


def eid_token_invalid(reason: str) -> DomainError:
    """The id token's signature, issuer, audience, lifetime or nonce is wrong: the sign-in proves nothing."""
    return DomainError(ErrorKind.FORBIDDEN, "eid_token_invalid", f"the eID sign-in could not be verified: {reason}")


def eid_unavailable() -> DomainError:
    return DomainError(
        ErrorKind.UNAVAILABLE, "eid_unavailable", "the eID provider cannot be reached just now", retry_after_seconds=30
    )


def eid_level_too_low() -> DomainError:
    return DomainError(
        ErrorKind.FORBIDDEN, "eid_level_too_low", "the eID sign-in's level of assurance is below 'substantial'"
    )


@dataclass(frozen=True)
class VerifiedEid:
    """What a verified id token says about the person; the national ID is never part of a repr (or a log)."""

    pid: str = field(repr=False)
    acr: str
    subject: str = field(repr=False)
    expires_at: int


def verify_id_token(
    id_token: str,
    keys: KeySet,
    *,
    issuer: str,
    audience: str,
    nonce: str | None,
    accepted_levels: Collection[str] = ACCEPTED_LEVELS,
    now: int | None = None,
) -> VerifiedEid:
    """Check an id token as OpenID Connect Core 3.1.3.7 asks, and its level; ``nonce=None`` skips the nonce
    (the registry does not know the node's nonce: it relies on the audience and the short lifetime)."""
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
    except JoseError as error:
        raise eid_token_invalid(f"signature ({type(error).__name__})") from None
    except ValueError:
        raise eid_token_invalid("malformed token") from None
    options: dict[str, jwt.ClaimsOption] = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": audience},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "sub": {"essential": True},
        "pid": {"essential": True},
        "acr": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    registry = jwt.JWTClaimsRegistry(now=now or int(time.time()), leeway=CLOCK_LEEWAY_SECONDS, **options)
    try:
        registry.validate(token.claims)
    except JoseError as error:
        claim = getattr(error, "claim", None) or type(error).__name__
        raise eid_token_invalid(f"claim {claim}") from None
    claims = token.claims
    if claims["acr"] not in accepted_levels:
        raise eid_level_too_low()
    pid = claims["pid"]
    if not isinstance(pid, str) or not isinstance(claims["sub"], str) or not isinstance(claims["exp"], int):
        raise eid_token_invalid("claim types")
    return VerifiedEid(pid=pid, acr=claims["acr"], subject=claims["sub"], expires_at=claims["exp"])


class EidProvider:
    """One eID provider as seen by a verifier: its discovery document and published keys, fetched on first
    use and kept; the keys are fetched again once when a token does not verify (the provider rotated them).
    Share one per process: it holds an HTTP client session (``close`` it at shutdown)."""

    def __init__(self, issuer: str, *, ca_file: Path | None = None, timeout_seconds: float = 10.0) -> None:
        self.issuer = issuer
        self._ca_file = ca_file
        self._timeout = timeout_seconds
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()

    def http(self) -> aiohttp.ClientSession:
        """The client session for calls to the provider (trusting ``ca_file`` if given, else the system store)."""
        if self._session is None or self._session.closed:
            context = ssl.create_default_context(cafile=self._ca_file) if self._ca_file else True
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout), connector=aiohttp.TCPConnector(ssl=context)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self.http().get(url) as response:
                if response.status != 200:
                    raise eid_unavailable()
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            raise eid_unavailable() from None
        if not isinstance(body, dict):
            raise eid_unavailable()
        return body

    async def token_request(self, form: dict[str, str], *, authorization: str) -> dict[str, Any]:
        """POST to the token endpoint; the JSON answer (``{"error": …}`` when the provider refused)."""
        metadata = await self.metadata()
        try:
            async with self.http().post(
                str(metadata["token_endpoint"]), data=form, headers={"Authorization": authorization}
            ) as response:
                if response.status >= 500:
                    raise eid_unavailable()
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            raise eid_unavailable() from None
        if not isinstance(body, dict):
            return {"error": "invalid_response"}
        if response.status != 200:
            return {"error": str(body.get("error", "refused"))}
        return body

    async def metadata(self) -> dict[str, Any]:
        async with self._lock:
            if self._metadata is None:
                found = await self._get_json(f"{self.issuer.rstrip('/')}/.well-known/openid-configuration")
                # OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for.
                if found.get("issuer") != self.issuer:
                    raise eid_unavailable()
                self._metadata = found
            return self._metadata

    async def _key_set(self, *, refresh: bool) -> KeySet:
        metadata = await self.metadata()
        if self._keys is None or refresh:
            try:
                self._keys = KeySet.import_key_set(await self._get_json(str(metadata["jwks_uri"])))  # type: ignore[arg-type]
            except (KeyError, ValueError, JoseError):
                raise eid_unavailable() from None
        return self._keys

    async def verify(
        self, id_token: str, *, audience: str, nonce: str | None, accepted_levels: Collection[str] = ACCEPTED_LEVELS
    ) -> VerifiedEid:
        """``verify_id_token`` against the provider's keys, looking once more if they do not verify it."""
        try:
            return verify_id_token(
                id_token, await self._key_set(refresh=False), issuer=self.issuer, audience=audience, nonce=nonce,
                accepted_levels=accepted_levels,
            )  # fmt: skip
        except DomainError as error:
            if error.code != "eid_token_invalid":
                raise
        return verify_id_token(
            id_token, await self._key_set(refresh=True), issuer=self.issuer, audience=audience, nonce=nonce,
            accepted_levels=accepted_levels,
        )  # fmt: skip
