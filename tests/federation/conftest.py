"""Federation tests: the registry and library nodes with their peer listeners, over real mutual TLS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg
import pytest

from local_library import app_keys
from local_library.federation.peer_client import PeerClient
from registry.app import RunningRegistry
from registry.federation.profiles import set_profile
from registry_contract.federation import FederationProfile, PickupRules
from tests.national.conftest import Node, NodeFactory, registry, start_node  # noqa: F401 - fixtures
from tests.national.test_national_flows import PIN, _adult_registration

ProfileSetter = Callable[..., Awaitable[None]]


def oslo_policy(folder: Path) -> Path:
    """The test keys' third library, oslo, has no built-in policy: it lends under a copy of Stavanger's."""
    text = resources.files("local_library.policy").joinpath("stavanger.toml").read_text(encoding="utf-8")
    path = folder / "oslo.toml"
    path.write_text(text.replace('library_id = "stavanger"', 'library_id = "oslo"'), encoding="utf-8")
    return path


@pytest.fixture
async def set_federation_profile(
    registry: RunningRegistry,  # noqa: F811 - the running registry has the key folder's libraries in its directory
    registry_database_url: str,
) -> AsyncIterator[ProfileSetter]:
    """Set a library's federation profile in the registry's database, as `natreg registry set-federation` does."""
    connection = await asyncpg.connect(registry_database_url)

    async def set_one(
        library_id: str, node_url: str, *, offers_requests: bool = True, hold_shelf_days: int = 7
    ) -> None:
        profile = FederationProfile(
            node_url=node_url,
            offers_interlibrary_requests=offers_requests,
            pickup_rules=PickupRules(hold_shelf_days=hold_shelf_days),
        )
        await set_profile(connection, library_id, profile)

    yield set_one
    await connection.close()


@dataclass
class Federation:
    """Three nodes with peer listeners in the registry's directory, and a national patron linked at all three,
    with one loan at each (titles "<Library> book")."""

    registry: RunningRegistry
    nodes: dict[str, Node]
    card_number: str
    registry_patron_id: uuid.UUID

    def peers(self, library_id: str) -> PeerClient:
        return self.nodes[library_id].library.runner.app[app_keys.PEER_CLIENT]


async def lend_title(node: Node, card_number: str, barcode: str, title: str) -> dict[str, object]:
    await node.ok(
        "POST", "/api/staff/items/import",
        data=f"barcode,title,material,audience,purchase_price_ore\n{barcode},{title},book,adult,19900\n",
    )  # fmt: skip
    loan: dict[str, object] = await node.ok(
        "POST", "/api/staff/kiosk/checkouts", {"card_number": card_number, "pin": PIN, "barcode": barcode}
    )
    # Lent a week ago: a renewal today moves the due date (one on the day of the loan would change nothing and is
    # refused, issue 17).
    async with node.library.runner.app[app_keys.POOL].acquire() as conn:
        await conn.execute(
            "UPDATE loans SET checked_out_on = checked_out_on - 7, due_on = due_on - 7 WHERE loan_id = $1",
            loan["loan_id"],
        )
    return loan


@pytest.fixture
async def federation(
    registry: RunningRegistry,  # noqa: F811
    start_node: NodeFactory,  # noqa: F811
    set_federation_profile: ProfileSetter,
    tmp_path: Path,
) -> Federation:
    nodes = {}
    for library_id in ("asker", "sandnes", "oslo"):
        # A directory read at every use: tests change node URLs on the fly.
        settings: dict[str, object] = {"directory_max_age_seconds": 0.01, "peer_overview_deadline_seconds": 2.0}
        if library_id == "oslo":
            settings["policy_path"] = oslo_policy(tmp_path)
        node = await start_node(library_id, registry.api_url, **settings)
        assert node.library.peer_url is not None
        await set_federation_profile(library_id, node.library.peer_url)
        nodes[library_id] = node
    _, registered = await _adult_registration(nodes["asker"], seed=61)
    card = registered["patron"]["card_number"]
    for library_id in ("sandnes", "oslo"):
        await nodes[library_id].ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})
    for library_id, node in nodes.items():
        await lend_title(node, card, f"{library_id.upper()}-B", f"{library_id.capitalize()} book")
    at_asker = await nodes["asker"].ok("GET", f"/api/staff/cards/{card}")
    return Federation(registry, nodes, card, uuid.UUID(at_asker["registry_patron_id"]))


async def statement_audit(registry_database_url: str, patron_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """(library, operation, purpose) of every statement issued for the patron, sealed or still pending."""
    connection = await asyncpg.connect(registry_database_url)
    try:
        rows = await connection.fetch(
            "SELECT library_id, operation, purpose FROM audit_pending WHERE patron_id = $1"
            " AND operation LIKE 'statement%' UNION ALL SELECT library_id, operation, purpose FROM audit_log"
            " WHERE patron_id = $1 AND operation LIKE 'statement%'",
            patron_id,
        )
    finally:
        await connection.close()
    return sorted((row["library_id"], row["operation"], row["purpose"]) for row in rows)
