"""HTTP views of the library-service login on the registry's public site: discovery, published keys, the
authorization pages (login, consent), the token and userinfo endpoints.

The login pages share the insight site's plumbing (``plumbing.web.site``): its login limiter (one door, one
budget), its pre-session CSRF binding, its words for refused PINs. They need a content security policy of their
own: a login or consent form ends in a redirect to the service, which ``form-action`` must allow.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import ValidationError

from plumbing.errors import DomainError
from plumbing.web.language import Language
from plumbing.web.pages import INLINE_STYLE_HEADERS, form_fields
from plumbing.web.site import Form, with_retry_after
from registry.app_keys import INSIGHT_CONTROLLER as CONTROLLER
from registry.app_keys import INSIGHT_SITE as SITE
from registry.app_keys import OIDC_PROVIDER as PROVIDER
from registry.oidc import authorization, pages, tokens
from registry.oidc.authorization import AuthorizationError, AuthorizationRequest, RequestNotTrustedError
from registry.oidc.claims import CLAIMS
from registry.oidc.provider import SIGNING_KEY_PRUNE_AFTER
from registry.oidc.texts import text

AUTHORIZE_PATH = "/oidc/authorize"
TOKEN_PATH = "/oidc/token"  # noqa: S105 - a path, not a secret
USERINFO_PATH = "/oidc/userinfo"
JWKS_PATH = "/oidc/jwks.json"
DISCOVERY_PATH = "/.well-known/openid-configuration"
# Clients may cache the published keys briefly; a key is published long after it stops signing (see signing.py).
PUBLISHED_CACHE = {"Cache-Control": f"public, max-age={int(SIGNING_KEY_PRUNE_AFTER.total_seconds()) // 5}"}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _origin(uri: str) -> str:
    """The scheme, host and port of a (registered, checked) redirect URI: nothing else of it enters the policy."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _login_pages_headers(redirect_uri: str) -> dict[str, str]:
    """The insight site's headers, with the service's origin as a place the forms may lead to (by redirect)."""
    policy = INLINE_STYLE_HEADERS["Content-Security-Policy"]
    assert "form-action 'self'" in policy
    widened = policy.replace("form-action 'self'", f"form-action 'self' {_origin(redirect_uri)}")
    return {**INLINE_STYLE_HEADERS, "Content-Security-Policy": widened}


def _with_policy(response: web.Response, request: AuthorizationRequest) -> web.Response:
    response.headers.update(_login_pages_headers(request.redirect_uri))
    return response


async def discovery(request: web.Request) -> web.Response:
    provider = request.app[PROVIDER]
    document: dict[str, Any] = {
        "issuer": provider.issuer,
        "authorization_endpoint": provider.endpoint(AUTHORIZE_PATH),
        "token_endpoint": provider.endpoint(TOKEN_PATH),
        "userinfo_endpoint": provider.endpoint(USERINFO_PATH),
        "jwks_uri": provider.endpoint(JWKS_PATH),
        "scopes_supported": ["openid"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", *CLAIMS],
        "ui_locales_supported": ["nb", "en"],
        "authorization_response_iss_parameter_supported": True,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }
    return web.json_response(document, headers=PUBLISHED_CACHE)


async def jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[PROVIDER].signing_keys.public_jwks(), headers=PUBLISHED_CACHE)


def _language(request: web.Request, parameters: Form) -> Language:
    # ui_locales (OpenID Connect) names the service's wish; the patron's own choice (lang) comes first.
    wished = next((tag for tag in parameters.get("ui_locales", "").split() if tag in {"nb", "en"}), None)
    return request.app[SITE].language(request, parameters.get("lang") or wished)


def _refused_request(
    request: web.Request, error: RequestNotTrustedError, parameters: Form, language: Language
) -> web.Response:
    site = request.app[SITE]
    carried = {name: parameters[name] for name in authorization.REQUEST_PARAMETERS if parameters.get(name)}
    page = pages.refused_page(language, error.code, parameters=carried, controller=request.app[CONTROLLER])
    return site.page(page, language, status=400)


def _back_to_service(request: web.Request, error: AuthorizationError) -> web.Response:
    site = request.app[SITE]
    return site.redirect(authorization.error_redirect(error, request.app[PROVIDER].issuer))


async def _parsed(request: web.Request, parameters: Form, language: Language) -> AuthorizationRequest | web.Response:
    """The service's request, or the answer refusing it (a page, or the error sent back to the service)."""
    try:
        async with request.app[PROVIDER].core.pool.acquire() as connection:
            return await authorization.parse_request(connection, parameters)
    except RequestNotTrustedError as error:
        return _refused_request(request, error, parameters, language)
    except AuthorizationError as error:
        return _back_to_service(request, error)


def _login_page(
    request: web.Request, auth: AuthorizationRequest, language: Language, *, message: str | None = None,
    status: int = 200,
) -> web.Response:  # fmt: skip
    def render(request: web.Request, language: Language, csrf: str, *, message: str | None, notice: str | None) -> str:
        return pages.login_page(
            language, csrf, service=auth.client.name(language), parameters=auth.parameters,
            controller=request.app[CONTROLLER], message=message,
        )  # fmt: skip

    response = request.app[SITE].login_response(request, language, message=message, status=status, login_page=render)
    return _with_policy(response, auth)


async def authorize(request: web.Request) -> web.Response:
    """The service sends the patron here: the request is checked and the login page shown."""
    parameters = dict(request.query)
    language = _language(request, parameters)
    auth = await _parsed(request, parameters, language)
    if isinstance(auth, web.Response):
        return auth
    return _login_page(request, auth, language)


async def _authenticated(
    request: web.Request, auth: AuthorizationRequest, form: Form, language: Language
) -> uuid.UUID | web.Response:
    """The patron behind the card number and PIN, or the login page again saying why not (limits as everywhere)."""
    site = request.app[SITE]
    try:
        site.limiter.check(request.remote, site.now().timestamp())
        return await authorization.authenticate_patron(
            request.app[PROVIDER], auth, form.get("card_number", "").strip(), form.get("pin", "")
        )
    except ValidationError:
        key, status = site.refusals.malformed
        return _login_page(request, auth, language, message=site.text(key, language), status=status)
    except DomainError as error:
        message, status = site.refusal(error, language)
        return with_retry_after(_login_page(request, auth, language, message=message, status=status), error)


async def _posted(request: web.Request) -> tuple[Form, Language, AuthorizationRequest] | web.Response:
    """A login or consent form: its fields, language and the service's request it carried, once the form's token
    (bound to the login cookie) is checked; or the answer that refuses it."""
    site = request.app[SITE]
    form = await form_fields(request)
    language = _language(request, form)
    auth = await _parsed(request, form, language)
    if isinstance(auth, web.Response):
        return auth
    if not site.sessions.login_form_valid(request.cookies.get(site.cookies.login), form.get("csrf")):
        return _login_page(request, auth, language, message=site.text("form_expired", language), status=400)
    return form, language, auth


async def log_in(request: web.Request) -> web.Response:
    """Card number and PIN posted with the service's request: on to consent, or straight back with a code."""
    site, provider = request.app[SITE], request.app[PROVIDER]
    posted = await _posted(request)
    if isinstance(posted, web.Response):
        return posted
    form, language, auth = posted
    if form.get("cancel"):
        return _with_policy(_back_to_service(request, auth.error("access_denied", "the patron cancelled")), auth)
    patron_id = await _authenticated(request, auth, form, language)
    if isinstance(patron_id, web.Response):
        return patron_id
    outcome = await authorization.after_login(provider, auth, patron_id)
    if isinstance(outcome, str):
        return _with_policy(site.redirect(outcome), auth)

    def render(request: web.Request, language: Language, csrf: str, *, message: str | None, notice: str | None) -> str:
        return pages.consent_page(
            language, csrf, service=auth.client.name(language), claims=auth.client.claims,
            handle=outcome.handle, parameters=auth.parameters, controller=request.app[CONTROLLER],
        )  # fmt: skip

    return _with_policy(site.login_response(request, language, login_page=render), auth)


async def consent(request: web.Request) -> web.Response:
    """The patron's answer on the consent page."""
    site, provider = request.app[SITE], request.app[PROVIDER]
    posted = await _posted(request)
    if isinstance(posted, web.Response):
        return posted
    form, language, auth = posted
    try:
        location = await authorization.decide_consent(
            provider, auth, form.get("handle", ""), allow=form.get("decision") == "allow"
        )
    except DomainError as error:
        if error.code != "consent_expired":
            raise
        return _login_page(request, auth, language, message=text("consent_expired", language), status=400)
    return _with_policy(site.redirect(location), auth)


def _token_error(error: tokens.TokenError) -> web.Response:
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = (
            f'Bearer error="{error.error}"' if error.error == "invalid_token" else 'Basic realm="natreg"'
        )
    body = {"error": error.error, "error_description": error.description}
    return web.json_response(body, status=error.status, headers=headers)


async def token(request: web.Request) -> web.Response:
    """Code + PKCE verifier (and the client's secret, if it has one) for an id token and an access token."""
    try:
        form = await form_fields(request)
    except DomainError:
        return _token_error(tokens.TokenError("invalid_request", "the body must be a UTF-8 form of plain text"))
    try:
        answer = await tokens.exchange_code(request.app[PROVIDER], form, request.headers.get("Authorization"))
    except tokens.TokenError as error:
        return _token_error(error)
    return web.json_response(answer, headers=NO_STORE)


async def userinfo(request: web.Request) -> web.Response:
    try:
        claims = await tokens.user_info(request.app[PROVIDER], request.headers.get("Authorization"))
    except tokens.TokenError as error:
        return _token_error(error)
    return web.json_response(claims, headers=NO_STORE)


def add_oidc_routes(app: web.Application) -> None:
    """The library-service login's routes on the public site (the provider is in ``app[OIDC_PROVIDER]``)."""
    app.router.add_get(DISCOVERY_PATH, discovery)
    app.router.add_get(JWKS_PATH, jwks)
    app.router.add_get(AUTHORIZE_PATH, authorize)
    app.router.add_post("/oidc/login", log_in)
    app.router.add_post("/oidc/consent", consent)
    app.router.add_post(TOKEN_PATH, token)
    app.router.add_get(USERINFO_PATH, userinfo)
    app.router.add_post(USERINFO_PATH, userinfo)
