"""Administering library services (`natreg registry services …`) as an operator runs it, rotating the id-token
signing keys while the registry runs, and the token endpoint's refusals of malformed exchanges."""

from __future__ import annotations

import datetime as dt
import hashlib
import ssl
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from authlib.integrations.base_client import OAuthError
from joserfc import jws
from joserfc.jwk import KeySet

from natreg.cli import main
from plumbing.keys.layout import KeyLayout
from plumbing.keys.signing import SigningKeyRing
from registry.app import RunningRegistry
from registry.oidc.clients import disable_service
from registry.oidc.provider import ID_TOKEN_SIGNING_PURPOSE
from tests.maintenance.test_registry_commands import _fetch
from tests.oidc.conftest import PatronBrowser, RegisteredPatron, RelyingParty, code_for


@pytest.fixture
def operator_environment(monkeypatch: pytest.MonkeyPatch, registry_database_url: str, own_keys_dir: Path) -> str:
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", registry_database_url)
    monkeypatch.setenv("NATREG_REGISTRY_KEYS_DIR", str(own_keys_dir))
    monkeypatch.setenv("NATREG_REGISTRY_DATA_DIR", str(own_keys_dir.parent / "registry-data"))
    return registry_database_url


def test_services_add_shows_the_secret_once_and_stores_only_its_digest(
    operator_environment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["registry", "services", "add", "ebok", "--name", "Ebokbib", "--name-en", "E-book library",
                 "--redirect-uri", "https://ebok.example/callback", "--claim", "home_library",
                 "--claim", "age_over_15"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    secret = next(line.rsplit(": ", 1)[1] for line in printed.splitlines() if "client secret" in line)
    row = _fetch(operator_environment, "SELECT * FROM oidc_clients")[0]
    assert bytes(row["secret_digest"]) == hashlib.sha256(secret.encode()).digest()
    assert secret not in str(dict(row))
    assert list(row["claims"]) == ["home_library", "age_over_15"]

    assert main(["registry", "services", "add", "film-app", "--name", "Film", "--redirect-uri",
                 "http://127.0.0.1/callback", "--public"]) == 0  # fmt: skip
    assert "no secret" in capsys.readouterr().out

    assert main(["registry", "services", "list"]) == 0
    listed = capsys.readouterr().out
    assert "ebok\tEbokbib\tconfidential\tactive\thome_library age_over_15" in listed
    assert "film-app\tFilm\tpublic\tactive\thome_library age_over_18" in listed
    assert secret not in listed

    assert main(["registry", "services", "disable", "ebok"]) == 0
    assert _fetch(operator_environment, "SELECT disabled_at FROM oidc_clients WHERE client_id = 'ebok'")[0][0]


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (["ebok", "--name", "E", "--redirect-uri", "http://ebok.example/callback"], "redirect_uri_invalid"),
        (["ebok", "--name", "E", "--redirect-uri", "https://ebok.example/cb#fragment"], "redirect_uri_invalid"),
        (["Ebok!", "--name", "E", "--redirect-uri", "https://ebok.example/cb"], "client_id_invalid"),
        (["ebok", "--name", "E", "--redirect-uri", "https://ebok.example/cb", "--claim", "birthdate"],
         "claim_unknown"),
    ],
)  # fmt: skip
def test_services_add_refuses_what_cannot_be_safe(
    operator_environment: str, capsys: pytest.CaptureFixture[str], arguments: list[str], code: str
) -> None:
    assert main(["registry", "services", "add", *arguments]) == 2
    assert f"natreg: {code}:" in capsys.readouterr().err
    assert _fetch(operator_environment, "SELECT client_id FROM oidc_clients") == []


def test_a_service_id_is_never_registered_twice(operator_environment: str, capsys: pytest.CaptureFixture[str]) -> None:
    command = ["registry", "services", "add", "ebok", "--name", "E", "--redirect-uri", "https://ebok.example/cb"]
    assert main(command) == 0
    assert main(command) == 2
    assert "client_id_taken" in capsys.readouterr().err


def _kid(token: str) -> str:
    kid: str = jws.extract_compact(token.encode()).headers()["kid"]
    return kid


async def test_rotating_the_signing_keys_while_running_keeps_earlier_tokens_verifiable(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron, keys_dir: Path
) -> None:
    callback, verifier, nonce = await code_for(ebook_party, patron_browser, patron)
    first = (await ebook_party.fetch_token(ebook_party.session(), callback, code_verifier=verifier))["id_token"]

    # What `natreg keys rotate-signing id-tokens` does, while the registry runs.
    SigningKeyRing(KeyLayout(keys_dir).signing_keys(ID_TOKEN_SIGNING_PURPOSE)).rotate()

    callback, verifier, second_nonce = await code_for(ebook_party, patron_browser, patron)
    second = (await ebook_party.fetch_token(ebook_party.session(), callback, code_verifier=verifier))["id_token"]
    assert _kid(first) != _kid(second)
    published = await ebook_party.get_json((await ebook_party.discovery())["jwks_uri"])
    assert {_kid(first), _kid(second)} <= {key["kid"] for key in published["keys"]}
    assert KeySet.import_key_set(published)
    # Both verify against what is published now.
    await ebook_party.id_token_claims(first, nonce)
    await ebook_party.id_token_claims(second, second_nonce)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"grant_type": "password", "username": "x", "password": "y"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "made-up", "code_verifier": "v" * 43}, "invalid_grant"),
    ],
)
async def test_the_token_endpoint_refuses_malformed_exchanges_with_oauth_errors(
    ebook_party: RelyingParty, registry: RunningRegistry, fields: dict[str, str], error: str
) -> None:
    secret = ebook_party.service.secret
    assert secret is not None
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=str(ebook_party.ca_file)))
    ) as http, http.post(
        registry.public_url + "/oidc/token", data={**fields, "redirect_uri": ebook_party.redirect_uri},
        headers={"Authorization": aiohttp.encode_basic_auth("ebok", secret)},
    ) as response:  # fmt: skip
        assert response.status == 400
        assert response.headers["Cache-Control"] == "no-store"
        assert (await response.json())["error"] == error


async def test_a_disabled_service_can_no_longer_redeem_its_codes(
    ebook_party: RelyingParty, patron_browser: PatronBrowser, patron: RegisteredPatron, registry_database_url: str
) -> None:
    callback, verifier, _ = await code_for(ebook_party, patron_browser, patron)
    connection = await asyncpg.connect(registry_database_url)
    try:
        await disable_service(connection, "ebok", dt.datetime.now(dt.UTC))
    finally:
        await connection.close()
    with pytest.raises(OAuthError) as refused:
        await ebook_party.fetch_token(ebook_party.session(), callback, code_verifier=verifier)
    assert refused.value.error == "invalid_client"
