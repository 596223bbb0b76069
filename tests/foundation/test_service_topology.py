"""A library node talks to the registry over real mutual TLS; health checks need no certificate."""

from __future__ import annotations

import shutil
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import BaseModel

from local_library.app import RunningLibrary
from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from registry_contract.client import RegistryError
from tests.servers import registry_client, run_library, run_registry


@pytest.fixture
async def registry(registry_database_url: str, keys_dir: Path) -> AsyncIterator[RunningRegistry]:
    running = await run_registry(registry_database_url, keys_dir)
    yield running
    await running.stop()


@pytest.fixture
async def asker(library_database_url: str, keys_dir: Path, registry: RunningRegistry) -> AsyncIterator[RunningLibrary]:
    running = await run_library("asker", library_database_url, keys_dir, registry.api_url)
    yield running
    await running.stop()


def _browser_session(keys_dir: Path) -> aiohttp.ClientSession:
    """A client that trusts the private CA, as a staff workstation set up by the library would."""
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))


async def test_node_reaches_registry_as_itself(asker: RunningLibrary, keys_dir: Path) -> None:
    async with _browser_session(keys_dir) as session, session.get(asker.url + "/status/registry") as response:
        assert response.status == 200
        assert await response.json() == {"registry": "reachable", "library_id": "asker"}


async def test_node_reports_an_unreachable_registry(
    library_database_url: str, keys_dir: Path, unused_tcp_port: int
) -> None:
    node = await run_library("asker", library_database_url, keys_dir, f"https://127.0.0.1:{unused_tcp_port}")
    try:
        async with _browser_session(keys_dir) as session, session.get(node.url + "/status/registry") as response:
            body = await response.json(content_type="application/problem+json")
        assert response.status == 503
        assert body["code"] == "registry_unavailable"
    finally:
        await node.stop()


async def test_node_passes_on_the_registrys_refusal_with_the_registrys_code(
    registry: RunningRegistry, library_database_url: str, keys_dir: Path, tmp_path: Path
) -> None:
    # The node's own copy of its keys, with a credential the registry does not know: the registry refuses it.
    node_keys = shutil.copytree(keys_dir, tmp_path / "keys")
    KeyLayout(node_keys).library_credential("asker").write_text("not-the-credential\n")
    node = await run_library("asker", library_database_url, node_keys, registry.api_url)
    try:
        async with _browser_session(node_keys) as session, session.get(node.url + "/status/registry") as response:
            body = await response.json(content_type="application/problem+json")
        # One translation of registry refusals at the node: the registry's code, as every other caller sees it.
        assert (response.status, body["code"]) == (403, "credentials_invalid")
    finally:
        await node.stop()


async def test_registry_health_is_plain_http_without_certificate(registry: RunningRegistry) -> None:
    async with aiohttp.ClientSession() as session, session.get(registry.health_url) as response:
        assert response.status == 200
        body = await response.json()
    # /health also names the CRL's next update and the audit sealer's lag (issue 9: no outage by calendar).
    assert (body["status"], body["database"], body["warnings"]) == ("ok", "ok", [])
    assert body["crl_next_update"] is not None
    # Issue 9 §4: libraries refused for harvest-like lookups; none here.
    assert body["lookup_alerts"] == []


async def test_plain_listener_serves_nothing_but_health(registry: RunningRegistry) -> None:
    whoami_url = registry.health_url.removesuffix("/health") + "/v1/whoami"
    async with aiohttp.ClientSession() as session, session.get(whoami_url) as response:
        body = await response.json(content_type="application/problem+json")
    assert response.status == 404
    assert body["code"] == "not_found"


async def test_unknown_path_is_a_problem_document(registry: RunningRegistry, keys_dir: Path) -> None:
    async with registry_client(registry, keys_dir, "asker", retries=0) as client:
        with pytest.raises(RegistryError) as refused:
            await client.request("GET", "/v1/no-such-thing", BaseModel)
    assert (refused.value.status, refused.value.code) == (404, "not_found")
