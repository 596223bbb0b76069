"""The registry's library directory: federation profiles per library, served to nodes with their identities."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography import x509

from local_library.federation.directory import CachedDirectory
from natreg.cli import main
from plumbing.errors import DomainError
from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from registry_contract.client import RegistryUnavailableError
from registry_contract.federation import DirectoryEntry, LibraryDirectoryListing
from tests.federation.conftest import ProfileSetter
from tests.national.conftest import registry  # noqa: F401 - the fixture
from tests.servers import registry_client


def _serial(keys_dir: Path, library_id: str) -> str:
    pem = KeyLayout(keys_dir).library_client_certificate(library_id).read_bytes()
    return str(x509.load_pem_x509_certificate(pem).serial_number)


async def test_nodes_read_every_library_with_its_profile_and_certificate_identity(
    registry: RunningRegistry,  # noqa: F811 - the fixture
    set_federation_profile: ProfileSetter,
    keys_dir: Path,
) -> None:
    await set_federation_profile("asker", "https://127.0.0.1:8511", offers_requests=False)
    await set_federation_profile("sandnes", "https://sandnes.example:8512/node", hold_shelf_days=10)
    await set_federation_profile("sandnes", "https://sandnes.example:8512", hold_shelf_days=12)  # set again: replaced

    async with registry_client(registry, keys_dir, "oslo") as client:
        listing = await client.library_directory()

    by_id = {entry.library_id: entry for entry in listing.libraries}
    assert set(by_id) >= {"asker", "sandnes", "oslo"}
    asker, sandnes, oslo = by_id["asker"], by_id["sandnes"], by_id["oslo"]
    assert (asker.display_name, asker.display_name_en, asker.active) == ("Asker bibliotek", "Asker Library", True)
    assert _serial(keys_dir, "asker") in asker.certificate_serials
    assert asker.profile is not None
    assert (asker.profile.node_url, asker.profile.offers_interlibrary_requests) == ("https://127.0.0.1:8511", False)
    assert sandnes.profile is not None
    assert (sandnes.profile.node_url, sandnes.profile.pickup_rules.hold_shelf_days) == (
        "https://sandnes.example:8512",
        12,
    )
    assert sandnes.profile.offers_interlibrary_requests
    assert oslo.profile is None  # no profile yet: listed, but not reachable by other nodes


async def test_a_profile_is_only_for_a_library_in_the_list_and_only_with_an_https_node_url(
    set_federation_profile: ProfileSetter,
) -> None:
    with pytest.raises(DomainError) as refused:
        await set_federation_profile("nowhere", "https://127.0.0.1:8511")
    assert refused.value.code == "library_unknown"
    with pytest.raises(ValueError, match="node_url"):
        await set_federation_profile("asker", "http://127.0.0.1:8511")


async def test_the_admin_command_sets_a_profile(
    registry_database_url: str, keys_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", registry_database_url)
    monkeypatch.setenv("NATREG_REGISTRY_KEYS_DIR", str(keys_dir))
    arguments = ["registry", "set-federation", "sandnes", "--node-url", "https://127.0.0.1:8512", "--offers-requests"]
    assert await asyncio.to_thread(main, arguments) == 0
    assert "sandnes" in capsys.readouterr().out
    unknown = ["registry", "set-federation", "nowhere", "--node-url", "https://127.0.0.1:8512"]
    assert await asyncio.to_thread(main, unknown) == 2
    assert "library_unknown" in capsys.readouterr().err


def _listing(*library_ids: str, serial: str = "1") -> LibraryDirectoryListing:
    return LibraryDirectoryListing(
        libraries=[
            DirectoryEntry(
                library_id=library_id, display_name=library_id, display_name_en=library_id, active=True,
                certificate_serials=[serial],
            )
            for library_id in library_ids
        ]
    )  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_the_node_caches_the_directory_and_keeps_the_last_copy_while_the_registry_is_away() -> None:
    answers: list[LibraryDirectoryListing | Exception] = [
        _listing("asker"), _listing("asker", "sandnes"), RegistryUnavailableError("away"),
        _listing("asker", serial="2"),
    ]  # fmt: skip
    reads = 0

    async def source() -> LibraryDirectoryListing:
        nonlocal reads
        answer = answers[reads]
        reads += 1
        if isinstance(answer, Exception):
            raise answer
        return answer

    clock = Clock()
    directory = CachedDirectory(source, max_age_seconds=60, min_refresh_seconds=5, monotonic=clock)
    assert await directory.entry("asker") is not None
    assert await directory.entry("asker") is not None
    assert reads == 1  # cached
    # An unknown library right after a read: not looked for again within the pause; after it, yes.
    assert await directory.entry("sandnes") is None
    clock.now = 5
    assert await directory.entry("sandnes") is not None
    assert await directory.entry("nowhere") is None
    assert reads == 2
    # Old copy, registry away: the copy held still answers.
    clock.now = 100
    assert await directory.is_current_caller("asker", 1)
    assert reads == 3
    # A renewed certificate the held copy does not know: looked for again (after the pause), then admitted.
    clock.now = 106
    assert await directory.is_current_caller("asker", 2)
    assert not await directory.is_current_caller("asker", 1)
    assert reads == 4


async def test_with_no_copy_at_all_a_caller_cannot_be_checked() -> None:
    async def source() -> LibraryDirectoryListing:
        raise RegistryUnavailableError("away")

    with pytest.raises(DomainError) as refused:
        await CachedDirectory(source).entry("asker")
    assert refused.value.code == "directory_unavailable"
