"""Signed patron statements: issued by the registry to a library that authenticated the patron, recorded in the
patron's audit trail, and checked by the called node (signature, audience, expiry, scope, caller, patron)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from local_library import app_keys
from local_library.federation.account import PeerAccount, PeerLoan
from local_library.federation.peer_client import PeerRefusedError
from plumbing.keys.layout import KeyLayout
from plumbing.keys.signing import SigningKeyRing, read_signed_token
from plumbing.tls import library_client_context
from registry_contract.client import RegistryError
from registry_contract.statements import STATEMENT_KEY_PURPOSE, STATEMENT_TYPE, StatementRequest, StatementScope
from tests.federation.conftest import Federation, statement_audit
from tests.national.test_national_flows import _adult_registration
from tests.servers import registry_client

ACCOUNT = "/peer/v1/patron/account"


def _request(federation: Federation, audience: str, *scopes: StatementScope) -> StatementRequest:
    return StatementRequest(
        patron_id=federation.registry_patron_id, audience=audience, scopes=list(scopes) or ["loans:read"],
        authenticated_by="minside",
    )  # fmt: skip


async def _issued(federation: Federation, keys_dir: Path, caller: str, audience: str, *scopes: StatementScope) -> str:
    async with registry_client(federation.registry, keys_dir, caller) as client:
        return (await client.issue_statement(_request(federation, audience, *scopes))).statement


async def _refusal(federation: Federation, caller: str, statement: str, path: str = ACCOUNT) -> tuple[int, str]:
    method = "POST" if path.endswith("/renew") else "GET"
    with pytest.raises(PeerRefusedError) as refused:
        await federation.peers(caller).call_for_patron("sandnes", method, path, statement, PeerAccount)
    return refused.value.status, refused.value.code


def _claims(federation: Federation, **overrides: Any) -> dict[str, Any]:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {
        "iss": "natreg-registry", "sub": str(federation.registry_patron_id), "aud": "sandnes", "azp": "asker",
        "scope": "loans:read", "amr": ["minside"], "iat": now, "nbf": now, "exp": now + 60, "jti": uuid.uuid4().hex,
    }  # fmt: skip
    return claims | overrides


async def test_a_statement_lets_asker_read_the_patrons_account_at_sandnes_and_nothing_more(
    federation: Federation, keys_dir: Path, registry_database_url: str
) -> None:
    async with registry_client(federation.registry, keys_dir, "asker") as client:
        issued = await client.issue_statement(_request(federation, "sandnes"))
        published = await client.statement_keys()
    # A standard signed token, valid for at most a minute, naming patron, audience, asking library and scope.
    header, claims = read_signed_token(issued.statement, published.model_dump(mode="json", exclude_none=True))
    assert header["typ"] == STATEMENT_TYPE
    assert (claims["sub"], claims["aud"], claims["azp"], claims["scope"]) == (
        str(federation.registry_patron_id), "sandnes", "asker", "loans:read",
    )  # fmt: skip
    assert claims["exp"] - claims["iat"] <= 60

    account = await federation.peers("asker").call_for_patron("sandnes", "GET", ACCOUNT, issued.statement, PeerAccount)
    assert account.library_id == "sandnes"
    assert [loan.title for loan in account.loans] == ["Sandnes book"]

    # The issue is in the patron's audit trail (naming the library asked), the access in Sandnes's log.
    issued_entries = await statement_audit(registry_database_url, federation.registry_patron_id)
    assert issued_entries == [("asker", "statement_loans_read", "sandnes minside")]
    sandnes = federation.nodes["sandnes"].library.runner.app
    accesses = await sandnes[app_keys.POOL].fetch(
        "SELECT caller_library, scope, statement_id FROM peer_patron_accesses"
    )
    assert [(row["caller_library"], row["scope"], row["statement_id"]) for row in accesses] == [
        ("asker", "loans:read", issued.statement_id)
    ]
    # A loans:read statement does not renew.
    loan_id = account.loans[0].loan_id
    assert await _refusal(federation, "asker", issued.statement, f"/peer/v1/patron/loans/{loan_id}/renew") == (
        403, "statement_scope_insufficient",
    )  # fmt: skip
    renewing = await _issued(federation, keys_dir, "asker", "sandnes", "loans:renew")
    renewed = await federation.peers("asker").call_for_patron(
        "sandnes", "POST", f"/peer/v1/patron/loans/{loan_id}/renew", renewing, PeerLoan
    )
    assert renewed.renewals == 1


async def test_forged_expired_misaddressed_and_passed_on_statements_are_refused(
    federation: Federation, keys_dir: Path, tmp_path: Path
) -> None:
    real_ring = SigningKeyRing(KeyLayout(keys_dir).signing_keys(STATEMENT_KEY_PURPOSE))
    # Forged: signed with a key that is not the registry's, or altered after signing.
    forger = SigningKeyRing.open(tmp_path / "forger")
    assert await _refusal(federation, "asker", forger.sign(_claims(federation), kind=STATEMENT_TYPE)) == (
        401, "statement_invalid",
    )  # fmt: skip
    genuine = await _issued(federation, keys_dir, "asker", "sandnes")
    head, payload, signature = genuine.split(".")
    claims = json.loads(_unpad(payload))
    claims["sub"] = str(uuid.uuid4())
    altered = ".".join([head, _pad_free(json.dumps(claims)), signature])
    assert await _refusal(federation, "asker", altered) == (401, "statement_invalid")
    assert await _refusal(federation, "asker", "not a token") == (401, "statement_invalid")
    # Expired: the registry's own signature, but its minute is over; or it claims to live longer than a minute.
    long_ago = int((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).timestamp())
    expired = real_ring.sign(_claims(federation, iat=long_ago, nbf=long_ago, exp=long_ago + 60), kind=STATEMENT_TYPE)
    assert await _refusal(federation, "asker", expired) == (401, "statement_expired")
    now = int(dt.datetime.now(dt.UTC).timestamp())
    too_long = real_ring.sign(_claims(federation, exp=now + 3600), kind=STATEMENT_TYPE)
    assert await _refusal(federation, "asker", too_long) == (401, "statement_invalid")
    # Another kind of token signed by the registry is not a statement.
    assert await _refusal(federation, "asker", real_ring.sign(_claims(federation), kind="JWT")) == (
        401, "statement_invalid",
    )  # fmt: skip
    # Wrong audience: issued for oslo, presented to sandnes.
    for_oslo = await _issued(federation, keys_dir, "asker", "oslo")
    assert await _refusal(federation, "asker", for_oslo) == (403, "statement_wrong_audience")
    # Passed on: asker's statement presented by oslo's node.
    assert await _refusal(federation, "oslo", genuine) == (403, "statement_not_for_caller")
    # No statement at all.
    context = library_client_context(KeyLayout(keys_dir), "asker")
    url = federation.nodes["sandnes"].library.peer_url
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session,
        session.get(f"{url}{ACCOUNT}") as response,
    ):
        assert (response.status, (await response.json())["code"]) == (401, "statement_required")


async def test_a_library_cannot_speak_for_a_patron_it_has_not_authenticated(
    federation: Federation, keys_dir: Path
) -> None:
    # A patron of asker only: sandnes may not ask for a statement for them, nor may anyone for sandnes to answer.
    _, registered = await _adult_registration(federation.nodes["asker"], seed=62)
    stranger = uuid.UUID((await federation.nodes["asker"].ok(
        "GET", f"/api/staff/cards/{registered['patron']['card_number']}"
    ))["registry_patron_id"])  # fmt: skip
    request = StatementRequest(patron_id=stranger, audience="asker", scopes=["loans:read"], authenticated_by="kiosk")
    async with registry_client(federation.registry, keys_dir, "sandnes") as sandnes:
        with pytest.raises(RegistryError) as refused:
            await sandnes.issue_statement(request)
    assert (refused.value.status, refused.value.code) == (404, "patron_not_found")
    async with registry_client(federation.registry, keys_dir, "asker") as asker:
        for_sandnes = await asker.issue_statement(request.model_copy(update={"audience": "sandnes"}))
        # A statement for the library itself, or for a library not in the directory, is refused.
        for audience in ("asker", "nowhere"):
            with pytest.raises(RegistryError) as bad_audience:
                await asker.issue_statement(request.model_copy(update={"audience": audience}))
            assert (bad_audience.value.status, bad_audience.value.code) == (422, "statement_audience_invalid")
    # Sandnes does not know this patron: it answers for nobody else.
    assert await _refusal(federation, "asker", for_sandnes.statement) == (404, "patron_not_found")


def _unpad(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _pad_free(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
