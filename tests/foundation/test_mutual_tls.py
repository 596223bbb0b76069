"""The node API admits a library only with its own certificate from our CA and its own credentials."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import init_keys, revoke_library
from plumbing.tls import library_client_context
from registry.app import RunningRegistry
from registry_contract.client import RegistryClient, RegistryError, RegistryUnavailableError
from tests.keep_alive import basic_authorization, library_connection, raw_whoami, refused_within_a_second
from tests.servers import run_registry


@pytest.fixture
async def registry(registry_database_url: str, own_keys_dir: Path) -> AsyncIterator[RunningRegistry]:
    running = await run_registry(registry_database_url, own_keys_dir)
    yield running
    await running.stop()


def _credential(keys_dir: Path, library_id: str) -> str:
    return KeyLayout(keys_dir).library_credential(library_id).read_text().strip()


def _client(registry: RunningRegistry, context: ssl.SSLContext, library_id: str, credential: str) -> RegistryClient:
    return RegistryClient(
        registry.api_url, library_id=library_id, credential=credential, ssl_context=context, retries=0
    )


async def test_valid_certificate_and_credentials_are_accepted(registry: RunningRegistry, own_keys_dir: Path) -> None:
    context = library_client_context(KeyLayout(own_keys_dir), "asker")
    async with _client(registry, context, "asker", _credential(own_keys_dir, "asker")) as client:
        identity = await client.whoami()
    assert identity.library_id == "asker"


async def test_no_client_certificate_is_refused(registry: RunningRegistry, own_keys_dir: Path) -> None:
    context = ssl.create_default_context(cafile=KeyLayout(own_keys_dir).ca_certificate)
    async with _client(registry, context, "asker", _credential(own_keys_dir, "asker")) as client:
        with pytest.raises(RegistryUnavailableError):
            await client.whoami()


async def test_certificate_from_another_ca_is_refused(
    registry: RunningRegistry, own_keys_dir: Path, tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign-keys"
    init_keys(foreign, ["asker"])
    # The foreign client trusts our server but presents a certificate its own CA signed.
    context = ssl.create_default_context(cafile=KeyLayout(own_keys_dir).ca_certificate)
    context.load_cert_chain(
        KeyLayout(foreign).library_client_certificate("asker"), KeyLayout(foreign).library_client_key("asker")
    )
    async with _client(registry, context, "asker", _credential(own_keys_dir, "asker")) as client:
        with pytest.raises(RegistryUnavailableError):
            await client.whoami()


async def test_tls_12_is_refused(registry: RunningRegistry, own_keys_dir: Path) -> None:
    context = library_client_context(KeyLayout(own_keys_dir), "asker")
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    async with _client(registry, context, "asker", _credential(own_keys_dir, "asker")) as client:
        with pytest.raises(RegistryUnavailableError):
            await client.whoami()


async def test_credentials_of_another_library_are_refused(registry: RunningRegistry, own_keys_dir: Path) -> None:
    asker_certificate = library_client_context(KeyLayout(own_keys_dir), "asker")
    async with _client(registry, asker_certificate, "sandnes", _credential(own_keys_dir, "sandnes")) as client:
        with pytest.raises(RegistryError) as refused:
            await client.whoami()
    assert refused.value.status == 403
    assert refused.value.code == "library_mismatch"


async def test_wrong_credential_is_refused(registry: RunningRegistry, own_keys_dir: Path) -> None:
    context = library_client_context(KeyLayout(own_keys_dir), "asker")
    async with _client(registry, context, "asker", "not-the-credential") as client:
        with pytest.raises(RegistryError) as refused:
            await client.whoami()
    assert (refused.value.status, refused.value.code) == (401, "credentials_invalid")


async def test_missing_credentials_are_refused(registry: RunningRegistry, own_keys_dir: Path) -> None:
    context = library_client_context(KeyLayout(own_keys_dir), "asker")
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session,
        session.get(registry.api_url + "/v1/whoami") as response,
    ):
        body = await response.json(content_type="application/problem+json")
    assert response.status == 401
    assert body["code"] == "credentials_required"


async def test_revoked_certificate_is_refused_at_the_handshake(registry_database_url: str, own_keys_dir: Path) -> None:
    revoke_library(own_keys_dir, "sandnes")
    # A registry started after the revocation refuses the certificate during the TLS handshake.
    running = await run_registry(registry_database_url, own_keys_dir)
    try:
        context = library_client_context(KeyLayout(own_keys_dir), "sandnes")
        async with _client(running, context, "sandnes", _credential(own_keys_dir, "sandnes")) as client:
            with pytest.raises(RegistryUnavailableError):
                await client.whoami()
    finally:
        await running.stop()


async def test_revocation_applies_on_an_open_keep_alive_connection(
    registry: RunningRegistry, own_keys_dir: Path
) -> None:
    authorization = basic_authorization(own_keys_dir, "asker")
    async with library_connection(registry.api_url, own_keys_dir, "asker") as (reader, writer):
        first = await raw_whoami(writer, reader, authorization)
        assert first.startswith(b"HTTP/1.1 200")
        revoke_library(own_keys_dir, "asker")
        # The registry takes the changed key folder into its database and enforces it within a second.
        second = await refused_within_a_second(writer, reader, authorization)
        assert second.startswith(b"HTTP/1.1 403")
        assert b'"library_revoked"' in second
