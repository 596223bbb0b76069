"""The node as an OpenID Connect relying party of ID-porten: authorization code flow with PKCE S256.

The flow values come from authlib (``generate_token`` for state, nonce and the PKCE verifier, and its RFC
7636 ``S256`` challenge); the id token is checked by ``registry_contract.eid`` on joserfc. Only the HTTP
calls (discovery, keys, token endpoint) are the node's own, on aiohttp like every other outbound call here.

The provider's metadata and keys are fetched and kept by ``registry_contract.eid.EidProvider`` (the registry
uses the same to verify a forwarded id token).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from plumbing.errors import DomainError, ErrorKind
from registry_contract.eid import ACCEPTED_LEVELS, ACR_SUBSTANTIAL, EidProvider, VerifiedEid

__all__ = ["EidConfig", "EidLogin", "EidRelyingParty", "FlowState"]


@dataclass(frozen=True)
class EidConfig:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    acr_values: str = ACR_SUBSTANTIAL
    accepted_levels: frozenset[str] = ACCEPTED_LEVELS
    ca_file: Path | None = None
    """Trust for the provider's TLS certificate; None: the system's trust store."""
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class FlowState:
    """What the node must remember between sending the browser off and its return (kept in an encrypted cookie)."""

    state: str
    nonce: str
    code_verifier: str = field(repr=False)
    redirect_uri: str
    """Where the provider sends the browser back; the token request must name the same."""

    @classmethod
    def new(cls, *, redirect_uri: str) -> FlowState:
        return cls(
            state=generate_token(32), nonce=generate_token(32), code_verifier=generate_token(64),
            redirect_uri=redirect_uri,
        )  # fmt: skip

    def as_dict(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "code_verifier": self.code_verifier,
                "redirect_uri": self.redirect_uri}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FlowState:
        return cls(
            state=str(data.get("state", "")), nonce=str(data.get("nonce", "")),
            code_verifier=str(data.get("code_verifier", "")), redirect_uri=str(data.get("redirect_uri", "")),
        )  # fmt: skip


@dataclass(frozen=True)
class EidLogin:
    """A verified sign-in: the person, and the id token itself (the registry verifies it again to link)."""

    person: VerifiedEid
    id_token: str = field(repr=False)


def eid_sign_in_failed(reason: str) -> DomainError:
    """The provider said no (the person cancelled, or a code was refused: replayed, expired, wrong verifier)."""
    return DomainError(ErrorKind.INVALID, "eid_sign_in_failed", f"the eID sign-in did not complete: {reason}")


def eid_state_mismatch() -> DomainError:
    return DomainError(
        ErrorKind.INVALID, "eid_state_mismatch", "this answer from the eID provider belongs to another sign-in"
    )


def client_secret_basic(client_id: str, client_secret: str) -> str:
    """The Authorization header of RFC 6749 2.3.1: both parts form-urlencoded, then HTTP Basic."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class EidRelyingParty:
    """One configured provider; share one per node (it caches the provider's metadata and keys)."""

    def __init__(self, config: EidConfig) -> None:
        self.config = config
        self.provider = EidProvider(config.issuer, ca_file=config.ca_file, timeout_seconds=config.timeout_seconds)

    async def close(self) -> None:
        await self.provider.close()

    async def authorization_url(self, flow: FlowState, *, ui_locale: str) -> str:
        metadata = await self.provider.metadata()
        return add_params_to_uri(
            str(metadata["authorization_endpoint"]),
            [
                ("response_type", "code"),
                ("client_id", self.config.client_id),
                ("redirect_uri", flow.redirect_uri),
                ("scope", "openid"),
                ("state", flow.state),
                ("nonce", flow.nonce),
                ("acr_values", self.config.acr_values),
                ("code_challenge", create_s256_code_challenge(flow.code_verifier)),  # type: ignore[no-untyped-call]
                ("code_challenge_method", "S256"),
                ("ui_locales", ui_locale),
            ],
        )

    async def finish(self, flow: FlowState, answer: dict[str, str]) -> EidLogin:
        """The browser is back with ``answer`` (the callback's query): check state, redeem the code, check the token."""
        if answer.get("state") != flow.state:
            raise eid_state_mismatch()
        if "error" in answer or "code" not in answer:
            raise eid_sign_in_failed(answer.get("error", "no code"))
        id_token = await self._redeem(answer["code"], flow)
        person = await self.provider.verify(
            id_token, audience=self.config.client_id, nonce=flow.nonce, accepted_levels=self.config.accepted_levels
        )
        return EidLogin(person=person, id_token=id_token)

    async def _redeem(self, code: str, flow: FlowState) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow.redirect_uri,
            "code_verifier": flow.code_verifier,
        }
        answer = await self.provider.token_request(
            form, authorization=client_secret_basic(self.config.client_id, self.config.client_secret)
        )
        id_token = answer.get("id_token")
        if answer.get("error") is not None or not isinstance(id_token, str):
            raise eid_sign_in_failed(str(answer.get("error", "refused")))
        return id_token
