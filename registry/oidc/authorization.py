"""The authorization step of the library-service login: check the service's request, log the patron in with
card number and PIN, ask for consent the first time, and hand the service a short-lived single-use code.

Only the authorization code flow with PKCE (S256) exists. A request naming an unknown service or a redirect URI
not registered for it exactly is refused on a page and never redirected (the address could be anyone's); every
other fault in the request goes back to the service as an OAuth error on its redirect URI.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.text import has_control_character
from registry.insight import service as insight
from registry.oidc import store
from registry.oidc.clients import ServiceClient, active_client
from registry.oidc.provider import CODE_LIFETIME, CONSENT_LIFETIME, REPLAY_MEMORY, Provider, token_digest
from registry.patrons.core import Caller

# The parameters of an authorization request the login and consent forms carry along.
REQUEST_PARAMETERS = (
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
    "code_challenge_method",
)  # fmt: skip
CODE_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
"""A base64url SHA-256 digest without padding: what S256 makes of any verifier."""
MAX_OPAQUE_LENGTH = 512
"""``state`` and ``nonce`` are the service's own values, echoed back; bounded so they cannot bloat a row."""


class RequestNotTrustedError(DomainError):
    """The request cannot be answered at its redirect URI (unknown service, unregistered URI): shown on a page."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(ErrorKind.INVALID, code, message)


@dataclass(frozen=True)
class AuthorizationError(Exception):
    """An OAuth error to send back to the service on its (verified) redirect URI."""

    error: str
    description: str
    redirect_uri: str
    state: str | None


@dataclass(frozen=True)
class AuthorizationRequest:
    client: ServiceClient
    redirect_uri: str
    state: str | None
    nonce: str | None
    code_challenge: str
    parameters: dict[str, str]
    """The request's parameters as the service sent them, for the login and consent forms to carry along."""

    def error(self, error: str, description: str) -> AuthorizationError:
        return AuthorizationError(error, description, self.redirect_uri, self.state)


def service_caller(client_id: str) -> Caller:
    """How a service appears in the audit log: ``service:<id>`` (the insight page shows its name)."""
    return Caller(actor=f"service:{client_id}")


def with_query(uri: str, parameters: Mapping[str, str | None]) -> str:
    """``uri`` with the parameters added to its own query (a registered URI may carry one)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(name, value) for name, value in parameters.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def error_redirect(error: AuthorizationError, issuer: str) -> str:
    return with_query(
        error.redirect_uri,
        {"error": error.error, "error_description": error.description, "state": error.state, "iss": issuer},
    )


def _opaque(parameters: Mapping[str, str], name: str) -> str | None:
    value = parameters.get(name) or None
    if value is not None and (len(value) > MAX_OPAQUE_LENGTH or has_control_character(value)):
        raise ValueError(name)
    return value


async def parse_request(connection: DbConnection, parameters: Mapping[str, str]) -> AuthorizationRequest:
    """Check an authorization request (query of the GET, or the fields the login form carried along)."""
    client = await active_client(connection, parameters.get("client_id", ""))
    if client is None:
        raise RequestNotTrustedError("client_unknown", "no active library service has this client_id")
    redirect_uri = parameters.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        raise RequestNotTrustedError("redirect_uri_mismatch", "the redirect_uri is not one registered for the service")
    raw_state = parameters.get("state") or None
    state = raw_state if raw_state and len(raw_state) <= MAX_OPAQUE_LENGTH else None

    def refuse(error: str, description: str) -> AuthorizationError:
        return AuthorizationError(error, description, redirect_uri, state)

    try:
        state, nonce = _opaque(parameters, "state"), _opaque(parameters, "nonce")
    except ValueError as error:
        raise refuse("invalid_request", f"{error} is too long or holds a control character") from None
    if parameters.get("request") or parameters.get("request_uri"):
        raise refuse("request_not_supported", "request objects are not supported")
    if parameters.get("response_type") != "code":
        raise refuse("unsupported_response_type", "only response_type=code (the authorization code flow)")
    if "openid" not in parameters.get("scope", "").split():
        raise refuse("invalid_scope", "the scope must include openid")
    if parameters.get("code_challenge_method") != "S256" or not CODE_CHALLENGE.fullmatch(
        parameters.get("code_challenge", "")
    ):
        raise refuse("invalid_request", "PKCE is required: a code_challenge with code_challenge_method=S256")
    if "none" in parameters.get("prompt", "").split():
        # There is no single sign-on session to reuse: the patron always types the PIN.
        raise refuse("login_required", "the patron must log in")
    kept = {name: parameters[name] for name in REQUEST_PARAMETERS if parameters.get(name)}
    return AuthorizationRequest(client, redirect_uri, state, nonce, parameters["code_challenge"], kept)


async def authenticate_patron(
    provider: Provider, request: AuthorizationRequest, card_number: str, pin: str
) -> uuid.UUID:
    """Card number + PIN at the registry's online door, with its lockout (the same check as the insight site);
    the attempt is in the patron's audit trail with the service it was for."""
    return await insight.log_in(
        provider.core, card_number, pin, purpose=f"login to the library service {request.client.client_id}"
    )


@dataclass(frozen=True)
class ConsentNeeded:
    handle: str
    """Carried by the consent form; only its digest is stored."""


async def _issue_code(
    provider: Provider, connection: DbConnection, request: AuthorizationRequest, patron_id: uuid.UUID,
    authenticated_at: dt.datetime,
) -> str:  # fmt: skip
    code = secrets.token_urlsafe(32)
    now = provider.now()
    await store.sweep_expired(connection, now, REPLAY_MEMORY)
    await store.insert_authorization(
        connection, digest=token_digest(code), kind="code", client_id=request.client.client_id, patron_id=patron_id,
        redirect_uri=request.redirect_uri, state=request.state, nonce=request.nonce,
        code_challenge=request.code_challenge, authenticated_at=authenticated_at, expires_at=now + CODE_LIFETIME,
    )  # fmt: skip
    return with_query(request.redirect_uri, {"code": code, "state": request.state, "iss": provider.issuer})


async def after_login(provider: Provider, request: AuthorizationRequest, patron_id: uuid.UUID) -> str | ConsentNeeded:
    """The redirect back to the service with a code, if the patron has agreed to give it its claims before;
    otherwise a consent handle (the consent page comes first)."""
    now = provider.now()

    async def work(connection: DbConnection) -> str | ConsentNeeded:
        consented = await store.consented_claims(connection, patron_id, request.client.client_id)
        if consented is not None and set(request.client.claims) <= set(consented):
            return await _issue_code(provider, connection, request, patron_id, now)
        handle = secrets.token_urlsafe(32)
        await store.sweep_expired(connection, now, REPLAY_MEMORY)
        await store.insert_authorization(
            connection, digest=token_digest(handle), kind="consent", client_id=request.client.client_id,
            patron_id=patron_id, redirect_uri=request.redirect_uri, state=request.state, nonce=request.nonce,
            code_challenge=request.code_challenge, authenticated_at=now, expires_at=now + CONSENT_LIFETIME,
        )  # fmt: skip
        return ConsentNeeded(handle)

    return await provider.core.in_transaction(work)


async def decide_consent(provider: Provider, request: AuthorizationRequest, handle: str, *, allow: bool) -> str:
    """The patron's answer on the consent page: the redirect back to the service (a code, or access_denied).

    The handle is single-use and must belong to the same service and redirect URI as the request it came with.
    """
    now = provider.now()

    async def work(connection: DbConnection) -> str:
        row = await store.redeem_authorization(connection, token_digest(handle), "consent", now)
        if (
            row is None or row["expires_at"] <= now or row["client_id"] != request.client.client_id
            or row["redirect_uri"] != request.redirect_uri
        ):  # fmt: skip
            raise DomainError(ErrorKind.INVALID, "consent_expired", "the consent form has expired; log in again")
        if not allow:
            return error_redirect(request.error("access_denied", "the patron declined"), provider.issuer)
        await store.save_consent(
            connection, row["patron_id"], request.client.client_id, list(request.client.claims), now
        )
        await provider.core.audit(
            connection, service_caller(request.client.client_id), "service_consent",
            f"the patron agreed to give: {', '.join(request.client.claims)}", row["patron_id"],
        )  # fmt: skip
        stored = AuthorizationRequest(
            request.client, row["redirect_uri"], row["state"], row["nonce"], row["code_challenge"], request.parameters
        )
        return await _issue_code(provider, connection, stored, row["patron_id"], row["authenticated_at"])

    return await provider.core.in_transaction(work)
