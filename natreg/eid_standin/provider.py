"""The eID stand-in: an OpenID Connect provider shaped like ID-porten, on aiohttp with joserfc for the tokens.

What it enforces, as ID-porten does: ``response_type=code`` only; a registered client and its exact redirect
URI; PKCE with ``S256`` only (no challenge, or another method, is refused at the authorization endpoint, a
wrong verifier at the token endpoint); one use per code (a replayed code is refused, as is a code older
than a minute); client authentication with ``client_secret_basic`` or ``client_secret_post``. The id token
is RS256-signed with a ``kid`` published at ``/jwks`` and carries ``iss``, ``aud``, ``sub`` (pairwise per
client), ``pid``, ``acr``, ``amr``, ``nonce``, ``iat``, ``exp`` and ``auth_time``.

The login page lists the test identities (synthetic national IDs only) and the two levels; a person picks
one and the provider redirects back with a code. No JavaScript; nothing is remembered beyond the codes.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import secrets
import ssl
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import unquote_plus, urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from plumbing.http.sites import start_site, url_host
from registry_contract.national_id import parse_national_id

ACR_SUBSTANTIAL = "idporten-loa-substantial"
ACR_HIGH = "idporten-loa-high"
LEVELS = (ACR_SUBSTANTIAL, ACR_HIGH)
CODE_LIFETIME_SECONDS = 60
ID_TOKEN_LIFETIME_SECONDS = 120  # ID-porten's id tokens live two minutes


@dataclass(frozen=True)
class TestIdentity:
    """A person the stand-in can sign in as: a synthetic national ID and a label for the login page."""

    __test__ = False  # not a pytest test class, whatever its name

    pid: str
    label: str


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass
class Misbehaviour:
    """Ways to make the next tokens wrong, for tests of the relying party's checks (all off by default)."""

    nonce: str | None = None
    """Put this nonce in the id token instead of the one asked for."""
    acr: str | None = None
    """Claim this level whatever was chosen."""
    lifetime_seconds: int | None = None
    """The id token's lifetime (negative: already expired)."""
    foreign_key: bool = False
    """Sign with a key that is not published at ``/jwks``."""
    issuer: str | None = None
    """Put this issuer in the id token."""
    audience: str | None = None
    """Put this audience in the id token."""
    token_status: int | None = None
    """Answer the token endpoint with this status (and no token), as a provider in trouble does."""
    token_delay_seconds: float = 0
    """Wait this long before answering the token endpoint."""


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    pid: str
    acr: str
    issued_at: float
    used: bool = False


@dataclass
class StandinProvider:
    """The provider's state: its signing key, clients, identities, the codes handed out, test misbehaviour."""

    issuer: str
    clients: dict[str, RegisteredClient]
    identities: list[TestIdentity]
    signing_key: RSAKey = field(default_factory=lambda: _new_key("standin-1"))
    misbehaviour: Misbehaviour = field(default_factory=Misbehaviour)
    grants: dict[str, _Grant] = field(default_factory=dict)
    _pairwise_salt: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": list(LEVELS),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["iss", "aud", "sub", "pid", "acr", "amr", "nonce", "auth_time", "iat", "exp"],
        }

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.signing_key]).as_dict(private=False))

    def id_token(self, grant: _Grant) -> str:
        bad = self.misbehaviour
        now = int(time.time())
        lifetime = ID_TOKEN_LIFETIME_SECONDS if bad.lifetime_seconds is None else bad.lifetime_seconds
        sub = base64.urlsafe_b64encode(
            hmac.digest(self._pairwise_salt, f"{grant.client_id}:{grant.pid}".encode(), "sha256")
        ).decode()[:43]
        claims: dict[str, Any] = {
            "iss": bad.issuer or self.issuer,
            "aud": bad.audience or grant.client_id,
            "sub": sub,
            "pid": grant.pid,
            "acr": bad.acr or grant.acr,
            "amr": ["TestID"],
            "iat": now,
            "auth_time": int(grant.issued_at),
            "exp": now + lifetime,
            "locale": "nb",
        }
        nonce = bad.nonce if bad.nonce is not None else grant.nonce
        if nonce is not None:
            claims["nonce"] = nonce
        key = _new_key(self.signing_key.kid or "standin-1") if bad.foreign_key else self.signing_key
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


def demo_identities() -> list[TestIdentity]:
    """Synthetic people of several ages (month + 80 national IDs, never a real person's number)."""
    import random  # noqa: PLC0415 -- only the demo and tests need identities

    from registry_contract.national_id import generate_synthetic_national_id  # noqa: PLC0415

    rng = random.Random(14)  # noqa: S311 -- synthetic test data, the same on every run
    today = dt.datetime.now(dt.UTC).date()
    people = [("Adult", 34), ("Adult", 52), ("Teenager", 16), ("Child", 13), ("Guardian", 41)]
    identities = []
    for label, age in people:
        birth = today.replace(year=today.year - age, day=min(today.day, 28)) - dt.timedelta(days=40)
        identities.append(TestIdentity(pid=generate_synthetic_national_id(rng, birth), label=f"{label}, {age}"))
    return identities


def _page(title: str, body: str) -> web.Response:
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"""
    return web.Response(text=html, content_type="text/html", headers={"Content-Security-Policy": "default-src 'none'"})


def _error_page(status: int, message: str) -> web.Response:
    response = _page("Test eID: cannot sign in", f"<p>{escape(message)}</p>")
    response.set_status(status)
    return response


def _token_error(error: str, description: str, status: int = 400) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


_PROVIDER = web.AppKey("standin_provider", StandinProvider)
_AUTH_PARAMS = ("client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method")


def _check_authorization(provider: StandinProvider, params: dict[str, str]) -> str | None:
    """Why an authorization request must be refused before any redirect (a bad client or redirect URI), or None."""
    client = provider.clients.get(params.get("client_id", ""))
    if client is None or params.get("redirect_uri") not in client.redirect_uris:
        return "unknown client or redirect URI"
    return None


def _redirect_error(params: dict[str, str], error: str) -> web.Response:
    query = {"error": error, **({"state": params["state"]} if "state" in params else {})}
    raise web.HTTPFound(f"{params['redirect_uri']}?{urlencode(query)}")


async def authorize(request: web.Request) -> web.Response:
    """The login page: the test identities and the levels (GET), or the person's choice (POST)."""
    provider = request.app[_PROVIDER]
    params = dict(request.query) if request.method == "GET" else {k: str(v) for k, v in (await request.post()).items()}
    refusal = _check_authorization(provider, params)
    if refusal is not None:
        return _error_page(400, refusal)
    if request.method == "GET" and params.get("response_type") != "code":
        return _redirect_error(params, "unsupported_response_type")
    if params.get("code_challenge_method") != "S256" or not 43 <= len(params.get("code_challenge", "")) <= 128:
        return _redirect_error(params, "invalid_request")  # PKCE with S256 is required, as at ID-porten
    if request.method == "GET":
        return _login_page(provider, params)
    chosen = params.get("pid", "")
    acr = params.get("acr", "")
    if chosen not in {identity.pid for identity in provider.identities} or acr not in LEVELS:
        return _error_page(400, "choose a test identity and a level")
    code = secrets.token_urlsafe(32)
    provider.grants[code] = _Grant(
        client_id=params["client_id"], redirect_uri=params["redirect_uri"], code_challenge=params["code_challenge"],
        nonce=params.get("nonce") or None, pid=chosen, acr=acr, issued_at=time.time(),
    )  # fmt: skip
    query = {"code": code, **({"state": params["state"]} if "state" in params else {})}
    raise web.HTTPFound(f"{params['redirect_uri']}?{urlencode(query)}")


def _encoded_birth_date(pid: str) -> str:
    birth_date = parse_national_id(pid, allow_synthetic=True).birth_date
    return birth_date.isoformat() if birth_date is not None else "not encoded (2032 rules)"


def _login_page(provider: StandinProvider, params: dict[str, str]) -> web.Response:
    asked = params.get("acr_values", "").split()
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(params[name])}">' for name in _AUTH_PARAMS if name in params
    )
    people = "".join(
        f'<p><label><input type="radio" name="pid" value="{escape(identity.pid)}" required> '
        f"{escape(identity.label)} ({escape(identity.pid)}, born {_encoded_birth_date(identity.pid)})</label></p>"
        for identity in provider.identities
    )
    levels = "".join(
        f'<p><label><input type="radio" name="acr" value="{level}"{" checked" if level in asked[:1] else ""}> '
        f"{level}</label></p>"
        for level in LEVELS
    )
    body = f"""<p>A stand-in for ID-porten with synthetic test identities. Never use it in production.</p>
<form method="post" action="authorize">{hidden}
<fieldset><legend>Test identity</legend>{people}</fieldset>
<fieldset><legend>Level of assurance</legend>{levels}</fieldset>
<p><button type="submit">Sign in</button></p></form>"""
    return _page("Test eID: sign in", body)


def _client_credentials(request: web.Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        return unquote_plus(client_id), unquote_plus(secret)  # RFC 6749 2.3.1: form-urlencoded, then Basic
    return form.get("client_id", ""), form.get("client_secret", "")


async def token(request: web.Request) -> web.Response:
    """Exchange a code (once, within a minute, with the right PKCE verifier) for an id token."""
    trouble = request.app[_PROVIDER].misbehaviour
    if trouble.token_delay_seconds:
        await asyncio.sleep(trouble.token_delay_seconds)
    if trouble.token_status is not None:
        return _token_error("server_error", "the stand-in was told to fail", trouble.token_status)
    return await _token(request)


async def _token(request: web.Request) -> web.Response:
    provider = request.app[_PROVIDER]
    form = {key: str(value) for key, value in (await request.post()).items()}
    client_id, secret = _client_credentials(request, form)
    client = provider.clients.get(client_id)
    if client is None or not hmac.compare_digest(client.client_secret.encode(), secret.encode()):
        return _token_error("invalid_client", "client authentication failed", 401)
    if form.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type", "only authorization_code")
    grant = provider.grants.get(form.get("code", ""))
    if grant is None or grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri"):
        return _token_error("invalid_grant", "unknown code")
    if grant.used or time.time() - grant.issued_at > CODE_LIFETIME_SECONDS:
        return _token_error("invalid_grant", "code already used or expired")
    grant.used = True
    verifier = form.get("code_verifier", "")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    if not hmac.compare_digest(challenge, grant.code_challenge):
        return _token_error("invalid_grant", "PKCE verification failed")
    return web.json_response(
        {"access_token": secrets.token_urlsafe(32), "token_type": "Bearer", "expires_in": 120,
         "id_token": provider.id_token(grant), "scope": "openid"},
        headers={"Cache-Control": "no-store"},
    )  # fmt: skip


async def discovery(request: web.Request) -> web.Response:
    return web.json_response(request.app[_PROVIDER].discovery())


async def jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[_PROVIDER].jwks())


def standin_app(provider: StandinProvider) -> web.Application:
    app = web.Application()
    app[_PROVIDER] = provider
    app.router.add_get("/.well-known/openid-configuration", discovery)
    app.router.add_get("/jwks", jwks)
    app.router.add_get("/authorize", authorize)
    app.router.add_post("/authorize", authorize)
    app.router.add_post("/token", token)
    return app


@dataclass
class RunningStandin:
    """A started stand-in: its issuer URL (scheme, host and the port it bound) and the provider's state."""

    provider: StandinProvider
    runner: web.AppRunner
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_standin(
    *, clients: list[RegisteredClient], identities: list[TestIdentity], host: str = "127.0.0.1", port: int = 0,
    ssl_context: ssl.SSLContext | None = None,
) -> RunningStandin:  # fmt: skip
    """Serve the stand-in on ``host:port`` (0: a free port), over TLS when ``ssl_context`` is given."""
    provider = StandinProvider(
        issuer="", clients={client.client_id: client for client in clients}, identities=identities
    )
    runner = web.AppRunner(standin_app(provider), access_log=None)
    await runner.setup()
    bound = await start_site(runner, web.TCPSite(runner, host, port, ssl_context=ssl_context))
    scheme = "https" if ssl_context is not None else "http"
    provider.issuer = f"{scheme}://{url_host(host)}:{bound}"
    return RunningStandin(provider=provider, runner=runner, url=provider.issuer)
