"""Two registry instances on one database, as behind a load balancer: they agree on everything.

The second instance has a registry host's key folder: its own server certificate, the data keys, the CA (so
it signs the CRL) and a copy of the CRL, but no library list: it learns the libraries from the database.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from cryptography import x509

from natreg.cli import main
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import load_library_entries
from registry.app import RunningRegistry
from registry.audit.log import seal_all, verify_chain
from registry.crypto.keyring import KeyRing
from registry_contract.card_number import format_card_number
from registry_contract.client import RegistryClient
from registry_contract.models import CardAuthentication, ChangePage, PatronRecord
from tests.keep_alive import basic_authorization, library_connection, raw_whoami, refused_within_a_second
from tests.registry.conftest import Register, refusal
from tests.servers import registry_client, run_registry


@pytest.fixture(params=["listen", "poll only"])
async def two_registries(
    request: pytest.FixtureRequest, registry_database_url: str, own_keys_dir: Path, tmp_path: Path
) -> AsyncIterator[tuple[RunningRegistry, RunningRegistry, Path]]:
    """The second instance LISTENs for directory changes, or (as behind PgBouncer in transaction mode) only polls."""
    second_keys = tmp_path / "registry-host-keys"
    shutil.copytree(own_keys_dir, second_keys)
    KeyLayout(second_keys).library_registry.unlink()
    first = await run_registry(registry_database_url, own_keys_dir)
    listen = {} if request.param == "listen" else {"listen_database_url": "off"}
    second = await run_registry(registry_database_url, second_keys, **listen)
    try:
        yield first, second, second_keys
    finally:
        await second.stop()
        await first.stop()


async def _whole_feed(client: RegistryClient) -> list[tuple[uuid.UUID, str, int | None]]:
    changes: list[tuple[uuid.UUID, str, int | None]] = []
    cursor: str | None = None
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = await client.request("GET", f"/v1/changes{query}", ChangePage)
        changes += [(change.patron_id, change.change, change.patron_version) for change in page.changes]
        cursor = page.next_cursor
        if not page.has_more:
            return changes


async def test_libraries_spread_over_two_instances_share_patrons_feed_and_audit_chain(
    two_registries: tuple[RunningRegistry, RunningRegistry, Path],
    own_keys_dir: Path,
    registry_database_url: str,
    register: Register,
) -> None:
    first, second, _ = two_registries
    clients = [
        registry_client(first, own_keys_dir, "asker"),
        registry_client(second, own_keys_dir, "asker"),
        registry_client(second, own_keys_dir, "sandnes"),
    ]
    try:
        # Asker's registrations land on both instances at once, interleaved.
        registered = await asyncio.gather(*(register(clients[number % 2]) for number in range(8)))
        patron_ids = {patron.record.patron_id for patron in registered}
        # The second instance serves a record the first one wrote.
        assert (await clients[2].whoami()).library_id == "sandnes"
        through_first = await _whole_feed(clients[0])
        through_second = await _whole_feed(clients[1])
    finally:
        for client in clients:
            await client.close()
    assert through_first == through_second
    assert sorted(change[0] for change in through_first) == sorted(patron_ids)
    assert {(change[1], change[2]) for change in through_first} == {("registered", 1)}

    keyring = KeyRing.load(KeyLayout(own_keys_dir).registry_data_dir)
    connection = await asyncpg.connect(registry_database_url)
    try:
        await seal_all(connection, keyring.audit_key)
        verdict = await verify_chain(connection, keyring.audit_key)
        sealed = await connection.fetchval("SELECT count(*) FROM audit_log")
    finally:
        await connection.close()
    assert verdict.intact, verdict.problem
    assert verdict.entries_checked == sealed >= len(patron_ids)


async def test_a_revocation_on_the_command_line_is_refused_by_the_other_instance_within_a_second(
    two_registries: tuple[RunningRegistry, RunningRegistry, Path],
    own_keys_dir: Path,
    registry_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, second, second_keys = two_registries
    serial = load_library_entries(KeyLayout(own_keys_dir))["sandnes"].certificate_serial
    authorization = basic_authorization(own_keys_dir, "sandnes")
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", registry_database_url)
    async with library_connection(second.api_url, own_keys_dir, "sandnes") as (reader, writer):
        assert (await raw_whoami(writer, reader, authorization)).startswith(b"HTTP/1.1 200")
        # Done where the CA key is: the second instance's key folder does not change.
        assert await asyncio.to_thread(main, ["keys", "revoke", "sandnes", "--keys-dir", str(own_keys_dir)]) == 0
        refused = await refused_within_a_second(writer, reader, authorization)
    assert refused.startswith(b"HTTP/1.1 403")
    assert b'"library_revoked"' in refused
    # The second instance holds the CA key, so it signs its own CRL from the database for new handshakes.
    crl_path = KeyLayout(second_keys).crl
    for _ in range(50):
        if serial in {entry.serial_number for entry in x509.load_pem_x509_crl(crl_path.read_bytes())}:
            break
        await asyncio.sleep(0.02)
    assert serial in {entry.serial_number for entry in x509.load_pem_x509_crl(crl_path.read_bytes())}


async def test_a_library_added_on_the_command_line_reaches_an_instance_without_the_list(
    two_registries: tuple[RunningRegistry, RunningRegistry, Path],
    own_keys_dir: Path,
    registry_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, second, second_keys = two_registries
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", registry_database_url)
    command = ["keys", "add-library", "baerum", "--name", "Bærum bibliotek", "--keys-dir", str(own_keys_dir)]
    assert await asyncio.to_thread(main, command) == 0
    # The node's client certificate (and the CA) are all it needs; the second host never saw the new list.
    # (Within a second, as for a revocation.)
    authorization = basic_authorization(own_keys_dir, "baerum")
    async with library_connection(second.api_url, own_keys_dir, "baerum") as (reader, writer):
        deadline = asyncio.get_running_loop().time() + 1.0
        while not (answer := await raw_whoami(writer, reader, authorization)).startswith(b"HTTP/1.1 200"):
            assert asyncio.get_running_loop().time() < deadline, answer
            await asyncio.sleep(0.02)
    assert not KeyLayout(second_keys).library_registry.exists()


AUTHENTICATE = "/v1/patrons/authenticate"


async def test_an_unknown_card_is_throttled_after_as_many_tries_whichever_instance_answers(
    two_registries: tuple[RunningRegistry, RunningRegistry, Path], own_keys_dir: Path, register: Register
) -> None:
    """A real card's fourth wrong online PIN is throttled; an unknown number's must be too, spread or not."""
    first, second, _ = two_registries
    clients = [registry_client(first, own_keys_dir, "asker"), registry_client(second, own_keys_dir, "asker")]
    try:
        real = (await register(clients[0])).record.card_number
        outcomes = []
        for card in (real, format_card_number(900_123)):
            attempts = [CardAuthentication(card_number=card, pin="0000", door="online") for _ in range(4)]
            outcomes.append(
                [
                    await refusal(
                        clients[number % 2].request("POST", "/v1/patrons/authenticate", PatronRecord, body=body)
                    )
                    for number, body in enumerate(attempts)
                ]
            )
    finally:
        for client in clients:
            await client.close()
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][-1] == (429, "pin_attempts_throttled")


def test_a_revocation_that_cannot_reach_the_registry_database_says_so(
    own_keys_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key folder changes (the CRL for handshakes), and the command fails loudly, naming what to run later."""
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", f"postgresql://postgres@/registry?host={tmp_path}")
    serial = load_library_entries(KeyLayout(own_keys_dir))["oslo"].certificate_serial
    assert main(["keys", "revoke", "oslo", "--keys-dir", str(own_keys_dir)]) == 1
    assert "natreg keys publish" in capsys.readouterr().err
    crl = x509.load_pem_x509_crl(KeyLayout(own_keys_dir).crl.read_bytes())
    assert serial in {entry.serial_number for entry in crl}
