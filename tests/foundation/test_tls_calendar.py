"""No outage by calendar: the CRL and certificates change under running services, which keep working.

Real registries and nodes over real TLS: a CRL that runs out is re-signed and taken into use with no
restart, a revocation written after start is refused at the handshake, renewed certificates are presented
on the next connection, and ``/health`` warns ahead of every date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509

from natreg.cli import main
from plumbing.http.hsts import HSTS_HEADER
from plumbing.keys import pki
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import init_keys, revoke_library
from plumbing.tls import library_client_context
from registry.app import RunningRegistry
from registry.settings import RegistrySettings
from registry_contract.client import RegistryUnavailableError
from tests.servers import registry_client, run_library, run_registry

TEST_LIBRARIES = ("asker", "sandnes")


def _expire_crl(keys_dir: Path) -> None:
    """Put a CRL on disk whose next update has passed, as a year without re-signing used to."""
    layout = KeyLayout(keys_dir)
    pki._write_crl(layout, pki.revoked_serials(layout), validity=dt.timedelta(minutes=-1))


async def _whoami_on_a_new_connection(registry: RunningRegistry, keys_dir: Path, library_id: str) -> str:
    """One request over a fresh TLS handshake; the certificate serial the registry saw."""
    async with registry_client(registry, keys_dir, library_id, retries=0) as client:
        return (await client.whoami()).certificate_serial


async def _health(registry: RunningRegistry) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(registry.health_url) as response:
        body: dict[str, Any] = await response.json()
        return body


@pytest.fixture
def calendar_keys(tmp_path: Path) -> Path:
    root = tmp_path / "keys"
    init_keys(root, TEST_LIBRARIES)
    return root


async def test_a_registry_whose_crl_ran_out_refreshes_it_and_refuses_nobody(
    registry_database_url: str, calendar_keys: Path
) -> None:
    _expire_crl(calendar_keys)
    registry = await run_registry(registry_database_url, calendar_keys)
    try:
        # The registry holds the CA key here and re-signs the CRL by itself, in the background at start.
        for _ in range(100):
            next_update = (await _health(registry))["crl_next_update"]
            if next_update is not None and dt.datetime.fromisoformat(next_update) > dt.datetime.now(dt.UTC):
                break
            await asyncio.sleep(0.1)
        assert dt.datetime.fromisoformat(next_update) - dt.datetime.now(dt.UTC) > dt.timedelta(days=6)
        for library_id in TEST_LIBRARIES:
            await _whoami_on_a_new_connection(registry, calendar_keys, library_id)
    finally:
        await registry.stop()


async def test_a_crl_changed_on_disk_is_in_force_for_the_next_handshake(
    registry_database_url: str, calendar_keys: Path
) -> None:
    # No background re-signing: only what the files say counts.
    registry = await run_registry(registry_database_url, calendar_keys, crl_refresh_interval_seconds=0)
    try:
        await _whoami_on_a_new_connection(registry, calendar_keys, "asker")
        _expire_crl(calendar_keys)
        # OpenSSL refuses everyone on an expired CRL: proof that the running listener reads the new file.
        with pytest.raises(RegistryUnavailableError):
            await _whoami_on_a_new_connection(registry, calendar_keys, "asker")
        assert main(["keys", "refresh-crl", "--keys-dir", str(calendar_keys)]) == 0
        await _whoami_on_a_new_connection(registry, calendar_keys, "asker")
        # A revocation written after start is refused at the handshake itself (not only per request).
        revoke_library(calendar_keys, "sandnes")
        with pytest.raises(RegistryUnavailableError):
            await _whoami_on_a_new_connection(registry, calendar_keys, "sandnes")
        await _whoami_on_a_new_connection(registry, calendar_keys, "asker")
    finally:
        await registry.stop()


async def _server_certificate(url: str, context: ssl.SSLContext) -> x509.Certificate:
    """The certificate a listener presents on a new handshake."""
    host, port = url.removeprefix("https://").rsplit(":", 1)
    _, writer = await asyncio.open_connection(host, int(port), ssl=context, server_hostname="localhost")
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True)
    finally:
        writer.close()
    return x509.load_der_x509_certificate(der)


async def test_health_warns_ahead_and_renewal_needs_no_restart(
    registry_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys_dir = tmp_path / "keys"
    with monkeypatch.context() as short:
        short.setattr(pki, "LEAF_VALIDITY", dt.timedelta(days=10))
        init_keys(keys_dir, TEST_LIBRARIES)
    layout = KeyLayout(keys_dir)
    pki._write_crl(layout, (), validity=dt.timedelta(hours=20))
    registry = await run_registry(registry_database_url, keys_dir, crl_refresh_interval_seconds=0)
    try:
        health = await _health(registry)
        assert health["status"] == "warning"
        assert dt.datetime.fromisoformat(health["crl_next_update"]) < dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        warnings = " | ".join(health["warnings"])
        assert "the CRL expires" in warnings
        for what in ("registry server", "library asker client", "library sandnes node server"):
            assert f"the {what} certificate expires" in warnings

        async with registry_client(registry, keys_dir, "asker", retries=0) as client:
            old_serial = (await client.whoami()).certificate_serial
            assert main(["keys", "renew", "--keys-dir", str(keys_dir)]) == 0
            assert main(["keys", "refresh-crl", "--keys-dir", str(keys_dir)]) == 0
            # Still accepted with the certificate it presented before (a node reloads on its next connection).
            assert (await client.whoami()).certificate_serial == old_serial
            await client.close()
            # The same client context, a new connection: the renewed certificate is presented.
            new_serial = (await client.whoami()).certificate_serial
        assert new_serial != old_serial
        assert int(new_serial) == pki.load_library_entries(layout)["asker"].certificate_serial
        # The listeners present their renewed certificates on new handshakes.
        renewed_until = dt.datetime.now(dt.UTC) + dt.timedelta(days=300)
        browser = ssl.create_default_context(cafile=layout.ca_certificate)
        node = library_client_context(layout, "asker")
        for url, context in ((registry.public_url, browser), (registry.api_url, node)):
            assert (await _server_certificate(url, context)).not_valid_after_utc > renewed_until, url
        health = await _health(registry)
        assert (health["status"], health["warnings"]) == ("ok", [])
        assert dt.datetime.fromisoformat(health["crl_next_update"]) > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    finally:
        await registry.stop()


async def test_the_health_listener_serves_the_crl(registry_database_url: str, calendar_keys: Path) -> None:
    revoke_library(calendar_keys, "sandnes")
    registry = await run_registry(registry_database_url, calendar_keys, crl_refresh_interval_seconds=0)
    try:
        url = registry.health_url.removesuffix("/health") + "/crl"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            assert response.content_type == "application/pkix-crl"
            crl = x509.load_der_x509_crl(await response.read())
        assert {entry.serial_number for entry in crl} == pki.revoked_serials(KeyLayout(calendar_keys))
    finally:
        await registry.stop()


@pytest.fixture
def public_keys(tmp_path: Path) -> Path:
    """Stands in for a publicly trusted CA: another CA than the private one."""
    root = tmp_path / "public"
    init_keys(root, ["asker"])
    return root


async def _fetch(url: str, ca_certificate: Path) -> aiohttp.ClientResponse:
    context = ssl.create_default_context(cafile=ca_certificate)
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session,
        session.get(url, allow_redirects=False) as response,
    ):
        await response.read()
        return response


async def test_browser_sites_use_the_public_certificate_and_send_hsts(
    registry_database_url: str, library_database_url: str, calendar_keys: Path, public_keys: Path
) -> None:
    public = KeyLayout(public_keys)
    registry = await run_registry(
        registry_database_url,
        calendar_keys,
        public_tls_cert_path=public.registry_server_certificate,
        public_tls_key_path=public.registry_server_key,
    )
    node: Any = None
    try:
        node = await run_library(
            "asker",
            library_database_url,
            calendar_keys,
            registry.api_url,
            public_tls_cert_path=public.library_server_certificate("asker"),
            public_tls_key_path=public.library_server_key("asker"),
        )
        for url in (registry.public_url + "/", registry.public_url + "/no-such-page", node.url + "/minside"):
            # Trusting only the "public" CA: the handshake itself proves which certificate is served.
            response = await _fetch(url, public.ca_certificate)
            assert response.headers[HSTS_HEADER].startswith("max-age="), url
        # The node still reaches the registry with its private client certificate.
        async with registry_client(registry, calendar_keys, "asker", retries=0) as client:
            await client.whoami()
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await _fetch(node.url + "/minside", KeyLayout(calendar_keys).ca_certificate)
    finally:
        if node is not None:
            await node.stop()
        await registry.stop()


async def test_a_node_without_a_public_certificate_uses_the_private_one(
    library_database_url: str, calendar_keys: Path, unused_tcp_port: int
) -> None:
    node = await run_library("asker", library_database_url, calendar_keys, f"https://127.0.0.1:{unused_tcp_port}")
    try:
        response = await _fetch(node.url + "/minside", KeyLayout(calendar_keys).ca_certificate)
        assert response.headers[HSTS_HEADER].startswith("max-age=")
    finally:
        await node.stop()


def test_a_public_certificate_without_its_key_is_refused() -> None:
    with pytest.raises(ValueError, match="public_tls_key_path"):
        RegistrySettings(public_tls_cert_path=Path("public.crt"))


async def test_a_node_presents_its_renewed_certificate_without_restart(
    library_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unused_tcp_port: int
) -> None:
    keys_dir = tmp_path / "keys"
    with monkeypatch.context() as short:
        short.setattr(pki, "LEAF_VALIDITY", dt.timedelta(days=10))
        init_keys(keys_dir, ["asker"])
    layout = KeyLayout(keys_dir)
    browser = ssl.create_default_context(cafile=layout.ca_certificate)
    node = await run_library("asker", library_database_url, keys_dir, f"https://127.0.0.1:{unused_tcp_port}")
    try:
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=11)
        assert (await _server_certificate(node.url, browser)).not_valid_after_utc < soon
        assert main(["keys", "renew", "--keys-dir", str(keys_dir)]) == 0
        assert (await _server_certificate(node.url, browser)).not_valid_after_utc > soon
    finally:
        await node.stop()
