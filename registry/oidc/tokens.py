"""The token step of the library-service login: a service trades its code (with the PKCE verifier) for an id
token and an access token; with the access token it may read the same claims at the userinfo endpoint.

A code is used once, by the one statement that marks it redeemed: every later attempt is refused and revokes
the access tokens the first one gave (RFC 6749 §4.1.2). Whatever is wrong with the exchange (another service,
another redirect URI, a missing or wrong verifier, an expired code), the code is spent all the same, so a
stolen code gives an attacker one try at most. The claims are read from the patron record at the exchange, the
moment they leave the registry, and that moment is in the patron's audit trail.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import asyncpg

from plumbing.db.types import DbConnection
from registry.oidc import store
from registry.oidc.authorization import service_caller
from registry.oidc.claims import ClaimValue, claim_values
from registry.oidc.clients import ServiceClient, active_client
from registry.oidc.provider import ACCESS_TOKEN_LIFETIME, ID_TOKEN_LIFETIME, Provider, token_digest, url_safe_digest
from registry.patrons.core import record_for

CODE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
"""RFC 7636 §4.1: 43-128 unreserved characters."""


@dataclass(frozen=True)
class TokenError(Exception):
    """An OAuth error answer of the token or userinfo endpoint (RFC 6749 §5.2, RFC 6750 §3)."""

    error: str
    description: str
    status: int = 400


def _invalid_client() -> TokenError:
    return TokenError("invalid_client", "client authentication failed", 401)


def _client_credentials(form: Mapping[str, str], authorization: str | None) -> tuple[str, str | None]:
    """The client id and secret from HTTP Basic (form-encoded, RFC 6749 §2.3.1) or from the form."""
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _invalid_client() from None
        client_id, separator, secret = decoded.partition(":")
        if not separator or form.get("client_secret"):
            raise _invalid_client()
        return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
    return form.get("client_id", ""), form.get("client_secret") or None


async def _authenticated_client(
    connection: DbConnection, form: Mapping[str, str], authorization: str | None
) -> ServiceClient:
    client_id, secret = _client_credentials(form, authorization)
    client = await active_client(connection, client_id)
    if client is None:
        raise _invalid_client()
    if client.confidential:
        if secret is None or not client.secret_matches(secret):
            raise _invalid_client()
    elif secret is not None:
        # A public client has no secret: one sent anyway means a confused or forged client.
        raise _invalid_client()
    if form.get("client_id") and form["client_id"] != client.client_id:
        raise _invalid_client()
    return client


def s256(verifier: str) -> str:
    return url_safe_digest(hashlib.sha256(verifier.encode("ascii")).digest())


def _refusal(
    row: asyncpg.Record, client: ServiceClient, form: Mapping[str, str], now: dt.datetime
) -> TokenError | None:
    """What is wrong with redeeming this code in this exchange, if anything."""
    if row["expires_at"] <= now:
        return TokenError("invalid_grant", "the code has expired")
    if row["client_id"] != client.client_id:
        return TokenError("invalid_grant", "the code was issued to another client")
    if form.get("redirect_uri") != row["redirect_uri"]:
        return TokenError("invalid_grant", "the redirect_uri differs from the authorization request's")
    verifier = form.get("code_verifier", "")
    if not CODE_VERIFIER.fullmatch(verifier) or not hmac.compare_digest(s256(verifier), row["code_challenge"]):
        return TokenError("invalid_grant", "the PKCE code_verifier is missing or does not match")
    return None


async def exchange_code(provider: Provider, form: Mapping[str, str], authorization: str | None) -> dict[str, Any]:
    """The token endpoint: the token response for a valid exchange, else :class:`TokenError`."""
    if form.get("grant_type") != "authorization_code":
        raise TokenError("unsupported_grant_type", "only grant_type=authorization_code")
    code = form.get("code", "")
    if not code:
        raise TokenError("invalid_request", "the code is missing")
    now = provider.now()
    core = provider.core

    async def work(connection: DbConnection) -> dict[str, Any] | TokenError:
        # Refusals after the code is spent are returned, not raised, so that the spending commits.
        client = await _authenticated_client(connection, form, authorization)
        digest = token_digest(code)
        row = await store.redeem_authorization(connection, digest, "code", now)
        if row is None:
            replayed = await store.redeemed_row(connection, digest, "code")
            if replayed is None:
                return TokenError("invalid_grant", "the code is unknown or expired")
            await store.revoke_tokens_of_code(connection, digest)
            await core.audit(
                connection, service_caller(replayed["client_id"]), "service_code_replayed",
                "a used login code was presented again; the tokens it gave are revoked", replayed["patron_id"],
            )  # fmt: skip
            return TokenError("invalid_grant", "the code was used already")
        refusal = _refusal(row, client, form, now)
        if refusal is not None:
            return refusal
        patron_id: uuid.UUID = row["patron_id"]
        record = await record_for(core, connection, patron_id)
        claims = claim_values(record, client.claims, now)
        subject = provider.subject(client.client_id, patron_id)
        id_token_claims: dict[str, Any] = {
            "iss": provider.issuer, "sub": subject, "aud": client.client_id, "azp": client.client_id,
            "iat": int(now.timestamp()), "exp": int((now + ID_TOKEN_LIFETIME).timestamp()),
            "auth_time": int(row["authenticated_at"].timestamp()), **claims,
        }  # fmt: skip
        if row["nonce"] is not None:
            id_token_claims["nonce"] = row["nonce"]
        access_token = secrets.token_urlsafe(32)
        await store.insert_access_token(
            connection, token_digest=token_digest(access_token), code_digest=digest, client_id=client.client_id,
            patron_id=patron_id, expires_at=now + ACCESS_TOKEN_LIFETIME,
        )  # fmt: skip
        await store.count_login(connection, patron_id, client.client_id, now)
        await core.audit(
            connection, service_caller(client.client_id), "service_login",
            f"logged in to the service; given: {', '.join(claims) or 'nothing but a pseudonym'}", patron_id,
        )  # fmt: skip
        return {
            "access_token": access_token, "token_type": "Bearer",
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()), "scope": "openid",
            "id_token": provider.signing_keys.sign(id_token_claims),
        }  # fmt: skip

    outcome = await core.in_transaction(work)
    if isinstance(outcome, TokenError):
        raise outcome
    return outcome


def _bearer_token(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise TokenError("invalid_request", "an access token is required (Authorization: Bearer)", 401)
    return authorization[7:].strip()


async def user_info(provider: Provider, authorization: str | None) -> dict[str, ClaimValue]:
    """The userinfo endpoint: the subject and the service's claims, read now (and audited)."""
    token = _bearer_token(authorization)
    now = provider.now()
    core = provider.core

    async def work(connection: DbConnection) -> dict[str, ClaimValue]:
        row = await store.access_token_row(connection, token_digest(token), now)
        if row is None:
            raise TokenError("invalid_token", "the access token is unknown, expired or revoked", 401)
        record = await record_for(core, connection, row["patron_id"])
        await core.audit(
            connection, service_caller(row["client_id"]), "service_userinfo", "the service read its claims",
            row["patron_id"],
        )  # fmt: skip
        claims = claim_values(record, row["claims"], now)
        return {"sub": provider.subject(row["client_id"], row["patron_id"]), **claims}

    return await core.in_transaction(work)
