"""A registry with a patron (the insight tests' fixtures), library services registered through the
administrator's command, and a relying party built on authlib's standard OAuth 2.0 / OpenID Connect client."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import secrets
import ssl
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from registry.commands import add_library_service
from registry.oidc.clients import RegisteredService
from registry.settings import RegistrySettings
from registry_contract.ages import age_on
from tests.insight.conftest import PIN, RegisteredPatron, patron, registry

__all__ = ["PIN", "RegisteredPatron", "patron", "registry"]

EBOOK_CALLBACK = "https://ebok.example/callback"


def is_at_least(patron: RegisteredPatron, years: int) -> bool:
    """The age flag a service should get (the synthetic patrons are born in any year)."""
    today = dt.datetime.now(ZoneInfo("Europe/Oslo")).date()
    return age_on(patron.record.birth_date, today) >= years


FILM_CALLBACK = "https://film.example/return"


async def register(
    database_url: str, keys_dir: Path, client_id: str, redirect_uris: list[str], *, claims: list[str] | None = None,
    public: bool = False,
) -> RegisteredService:  # fmt: skip
    """Through the same function as ``natreg registry services add``."""
    settings = RegistrySettings(
        database_url=database_url, keys_dir=keys_dir, data_dir=Path(tempfile.mkdtemp(prefix="natreg-oidc-"))
    )
    return await add_library_service(
        settings, client_id=client_id, names={"nb": f"{client_id} (nb)", "en": f"{client_id} (en)"},
        redirect_uris=redirect_uris, claims=claims, public=public,
    )  # fmt: skip


@pytest.fixture
async def ebook(registry_database_url: str, keys_dir: Path, registry: RunningRegistry) -> RegisteredService:
    return await register(registry_database_url, keys_dir, "ebok", [EBOOK_CALLBACK])


@dataclass
class RelyingParty:
    """A library service: authlib's OAuth2Session for the protocol, joserfc for the id token."""

    registry: RunningRegistry
    service: RegisteredService
    redirect_uri: str
    ca_file: Path
    sessions: list[OAuth2Session] = field(default_factory=list)

    def close(self) -> None:
        """Close the keep-alive connections of every session, before the registry stops."""
        for session in self.sessions:
            session.close()

    def session(self) -> OAuth2Session:
        session = OAuth2Session(
            client_id=self.service.client.client_id, client_secret=self.service.secret, scope="openid",
            redirect_uri=self.redirect_uri, code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.service.secret else "none",
        )  # fmt: skip
        session.verify = str(self.ca_file)
        # Otherwise requests lets a CA bundle named in the environment win over the session's own.
        session.trust_env = False
        self.sessions.append(session)
        return session

    async def get_json(self, url: str) -> dict[str, Any]:
        # In a thread: the registry under test runs on this event loop.
        answer = await asyncio.to_thread(requests.get, url, verify=str(self.ca_file), timeout=10)
        answer.raise_for_status()
        document: dict[str, Any] = answer.json()
        return document

    async def discovery(self) -> dict[str, Any]:
        return await self.get_json(self.registry.public_url + "/.well-known/openid-configuration")

    async def start(self, session: OAuth2Session, **extra: str) -> tuple[str, str, str]:
        """The authorization URL (with a fresh verifier and nonce), the verifier and the nonce."""
        verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
        url, _ = session.create_authorization_url(
            (await self.discovery())["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **extra
        )
        return url, verifier, nonce

    async def fetch_token(self, session: OAuth2Session, callback_url: str, **extra: Any) -> dict[str, Any]:
        token_endpoint = (await self.discovery())["token_endpoint"]
        token: dict[str, Any] = await asyncio.to_thread(
            session.fetch_token, token_endpoint, authorization_response=callback_url, **extra
        )
        return token

    async def id_token_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Checked as OpenID Connect Core 3.1.3.7 says: signature (published keys), issuer, audience, expiry,
        nonce."""
        document = await self.discovery()
        keys = await self.get_json(document["jwks_uri"])
        decoded = jwt.decode(id_token, KeySet.import_key_set(keys), algorithms=["ES256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": document["issuer"]},
            aud={"essential": True, "value": self.service.client.client_id},
            nonce={"essential": True, "value": nonce},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
        ).validate(decoded.claims)  # fmt: skip
        return dict(decoded.claims)


@pytest.fixture
async def ebook_party(
    registry: RunningRegistry, ebook: RegisteredService, keys_dir: Path
) -> AsyncIterator[RelyingParty]:
    party = RelyingParty(registry, ebook, EBOOK_CALLBACK, KeyLayout(keys_dir).ca_certificate)
    yield party
    await asyncio.to_thread(party.close)


# The patron's browser, without the browser: the same forms posted over real HTTPS.

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


@dataclass
class Answer:
    status: int
    text: str
    location: str | None


class PatronBrowser:
    def __init__(self, ca_file: Path) -> None:
        context = ssl.create_default_context(cafile=str(ca_file))
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=context), cookie_jar=aiohttp.CookieJar(unsafe=True)
        )

    async def get(self, url: str) -> Answer:
        async with self.http.get(url, allow_redirects=False) as response:
            return Answer(response.status, await response.text(), response.headers.get("Location"))

    async def post(self, url: str, fields: dict[str, str]) -> Answer:
        async with self.http.post(url, data=fields, allow_redirects=False) as response:
            return Answer(response.status, await response.text(), response.headers.get("Location"))

    async def log_in(self, registry: RunningRegistry, login_page: Answer, card_number: str, pin: str) -> Answer:
        fields = hidden_fields(login_page.text) | {"card_number": card_number, "pin": pin}
        return await self.post(registry.public_url + "/oidc/login", fields)

    async def consent(self, registry: RunningRegistry, consent_page: Answer, decision: str = "allow") -> Answer:
        return await self.post(registry.public_url + "/oidc/consent", hidden_fields(consent_page.text) | {
            "decision": decision})  # fmt: skip


@pytest.fixture
async def patron_browser(keys_dir: Path) -> AsyncIterator[PatronBrowser]:
    browser = PatronBrowser(KeyLayout(keys_dir).ca_certificate)
    yield browser
    await browser.http.close()


async def log_in_and_consent(
    party: RelyingParty, browser: PatronBrowser, patron: RegisteredPatron, url: str,
    *, consent_expected: bool | None = None,
) -> str:  # fmt: skip
    """The patron's way from the service's authorization URL back to its redirect URI; the final address.

    ``consent_expected``: whether the consent page must (True) or must not (False) come; None: either.
    """
    login_page = await browser.get(url)
    assert login_page.status == 200, login_page.text
    answer = await browser.log_in(party.registry, login_page, patron.record.card_number, PIN)
    asked = answer.status == 200
    if consent_expected is not None:
        assert asked == consent_expected, answer.text
    if asked:
        assert f"Gi {party.service.client.names['nb']} tilgang?" in answer.text
        answer = await browser.consent(party.registry, answer)
    assert answer.status == 303, answer.text
    assert answer.location is not None
    assert answer.location.startswith(party.redirect_uri + "?")
    return answer.location


async def code_for(party: RelyingParty, browser: PatronBrowser, patron: RegisteredPatron) -> tuple[str, str, str]:
    session = party.session()
    url, verifier, nonce = await party.start(session)
    return await log_in_and_consent(party, browser, patron, url), verifier, nonce
