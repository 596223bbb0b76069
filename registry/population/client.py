"""The registry's client of the population register: the token, the event feed and the bulk lookup.

Authentication is an OAuth2 JWT-bearer grant (RFC 7523) signed with the registry's business certificate, as
Maskinporten requires: RS256, the certificate in ``x5c``, claims ``aud``, ``iss``, ``scope``, ``iat``, ``exp``
and ``jti`` and nothing else. The access token is kept until shortly before it expires.

Every call has a timeout. What is worth another try later (no answer, a timeout, 5xx, 429 with its
``Retry-After``) is raised as :class:`PopulationRegisterUnavailable`; anything else (401/403 after a fresh
token, a malformed answer) as :class:`PopulationRegisterRefused`, which an operator must look at. Neither
ever carries a national ID, a token or a response body.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import TypeAdapter, ValidationError

from plumbing.keys.layout import KeyLayout
from registry.population.settings import PopulationRegisterSettings
from registry.population.wire import (
    BulkLookupRequest,
    BulkLookupResponse,
    FeedElement,
    RegisterPerson,
    TokenResponse,
)

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_LIFETIME_SECONDS = 120  # Maskinporten refuses grants valid for more than two minutes
TOKEN_RENEW_BEFORE_SECONDS = 30  # a token this close to its end is renewed before the next call
DEFAULT_RETRY_AFTER_SECONDS = 30.0
_FEED_ELEMENTS = TypeAdapter(list[FeedElement])
ModelT = TypeVar("ModelT", TokenResponse, BulkLookupResponse)


class PopulationRegisterUnavailable(Exception):  # noqa: N818 - "unavailable" reads better than "...Error" here
    """No usable answer now; try again after ``retry_after`` seconds."""

    def __init__(self, reason: str, retry_after: float = DEFAULT_RETRY_AFTER_SECONDS) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PopulationRegisterRefused(Exception):  # noqa: N818 - a refusal, not a crash
    """The register refused the registry (credentials, scope) or answered what cannot be read."""


@dataclass(frozen=True)
class FeedPage:
    elements: list[FeedElement]
    etag: str | None
    not_modified: bool = False


@dataclass(frozen=True)
class BusinessCertificate:
    """The key and certificate (as ``x5c``) that sign grants."""

    key: RSAKey
    x5c: list[str]

    @classmethod
    def load(cls, key_path: Path, certificate_path: Path) -> BusinessCertificate:
        key = RSAKey.import_key(key_path.read_bytes())
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        der = certificate.public_bytes(serialization.Encoding.DER)
        return cls(key=key, x5c=[base64.b64encode(der).decode()])


def retry_after_seconds(value: str | None, now: dt.datetime) -> float:
    """``Retry-After`` as seconds or an HTTP date (RFC 9110); missing or unreadable: a default pause."""
    if not value:
        return DEFAULT_RETRY_AFTER_SECONDS
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(0.0, (when - now).total_seconds())


class PopulationRegisterClient:
    """One HTTP session towards the register and its token endpoint."""

    def __init__(
        self,
        settings: PopulationRegisterSettings,
        certificate: BusinessCertificate,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if settings.api_url is None or settings.token_url is None:
            raise ValueError("the population register's api_url and token_url must be set")
        self._api_url = settings.api_url.rstrip("/")
        self._token_url = settings.token_url
        parts = urlsplit(settings.token_url)
        self._audience = settings.audience or f"{parts.scheme}://{parts.netloc}/"
        self._client_id = settings.client_id
        self._scope = settings.scope
        self._certificate = certificate
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    # The grant and the token ------------------------------------------------------------------------------

    def signed_grant(self) -> str:
        now = int(self._clock())
        claims = {
            "aud": self._audience,
            "iss": self._client_id,
            "scope": self._scope,
            "iat": now,
            "exp": now + GRANT_LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        header = {"alg": "RS256", "x5c": self._certificate.x5c}
        return jwt.encode(header, claims, self._certificate.key)

    async def _access_token(self, *, renew: bool = False) -> str:
        async with self._token_lock:
            if not renew and self._token is not None and self._clock() < self._token[1]:
                return self._token[0]
            form = {"grant_type": JWT_BEARER_GRANT, "assertion": self.signed_grant()}
            async with await self._call("POST", self._token_url, data=form) as response:
                if response.status in (400, 401, 403):
                    raise PopulationRegisterRefused(f"the token endpoint refused the grant ({response.status})")
                await self._raise_unless_ok(response)
                token = await self._parse(response, TokenResponse)
            lifetime = max(0, token.expires_in - TOKEN_RENEW_BEFORE_SECONDS)
            self._token = (token.access_token, self._clock() + lifetime)
            return token.access_token

    # The feed and the lookup ------------------------------------------------------------------------------

    async def feed_page(self, after_sequence_number: int, etag: str | None) -> FeedPage:
        """The events from ``after_sequence_number + 1`` on (up to 1,000); ``not_modified`` on a 304."""
        url = f"{self._api_url}/hendelser/feed"
        params = {"seq": str(after_sequence_number + 1)}
        headers = {"If-None-Match": etag} if etag else {}
        async with await self._authorised("GET", url, params=params, headers=headers) as response:
            if response.status == 304:
                return FeedPage([], etag, not_modified=True)
            await self._raise_unless_ok(response)
            body = await self._read(response)
            try:
                elements = _FEED_ELEMENTS.validate_json(body)
            except ValidationError:
                raise PopulationRegisterRefused("the event feed answered what is not a list of events") from None
            return FeedPage(elements, response.headers.get("ETag"))

    async def lookup(self, national_ids: Sequence[str]) -> dict[str, RegisterPerson]:
        """The current person documents of up to 1,000 people; people the register does not know are left out."""
        if not national_ids:
            return {}
        body = BulkLookupRequest(foedselsEllerDNummer=list(national_ids)).model_dump()
        url = f"{self._api_url}/personer/bulkoppslag"
        async with await self._authorised("POST", url, json=body) as response:
            await self._raise_unless_ok(response)
            answer = await self._parse(response, BulkLookupResponse)
        wanted = set(national_ids)
        return {
            hit.foedselsEllerDNummer: hit.folkeregisterperson
            for hit in answer.oppslag
            if hit.folkeregisterperson is not None and hit.foedselsEllerDNummer in wanted
        }

    # HTTP -------------------------------------------------------------------------------------------------

    async def _authorised(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **options: object
    ) -> aiohttp.ClientResponse:
        """Call with the cached token; on a 401 get a new token once and call again."""
        for renew in (False, True):
            token = await self._access_token(renew=renew)
            response = await self._call(
                method, url, headers={**(headers or {}), "Authorization": f"Bearer {token}"}, **options
            )
            if response.status == 401 and not renew:
                response.release()
                continue
            if response.status in (401, 403):
                response.release()
                raise PopulationRegisterRefused(f"the register refused the registry ({response.status})")
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _call(self, method: str, url: str, **options: object) -> aiohttp.ClientResponse:
        try:
            return await self._http().request(method, url, allow_redirects=False, **options)  # type: ignore[arg-type]
        except (aiohttp.ClientError, TimeoutError) as error:
            # The exception's text may hold the URL; its type says enough.
            raise PopulationRegisterUnavailable(f"no answer ({type(error).__name__})") from None

    async def _raise_unless_ok(self, response: aiohttp.ClientResponse) -> None:
        if response.status == 429 or response.status >= 500:
            wait = retry_after_seconds(response.headers.get("Retry-After"), dt.datetime.now(dt.UTC))
            response.release()
            raise PopulationRegisterUnavailable(f"the register answered {response.status}", wait)
        if response.status != 200:
            response.release()
            raise PopulationRegisterRefused(f"the register answered {response.status}")

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        try:
            return await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise PopulationRegisterUnavailable(f"the answer broke off ({type(error).__name__})") from None

    async def _parse(self, response: aiohttp.ClientResponse, model: type[ModelT]) -> ModelT:
        body = await self._read(response)
        try:
            return model.model_validate_json(body)
        except ValidationError:
            raise PopulationRegisterRefused(f"the register's answer is not a {model.__name__}") from None


def population_register_client(settings: PopulationRegisterSettings, layout: KeyLayout) -> PopulationRegisterClient:
    """The client the registry uses, signing with the business certificate from its keys folder."""
    certificate = BusinessCertificate.load(layout.registry_business_key, layout.registry_business_certificate)
    return PopulationRegisterClient(settings, certificate)
