"""An administrator in a real browser (Debian's Chromium, with the PKCS#12 file imported as a browser would):
the list, one request, approval with its confirmation step. JavaScript is off: the desk needs none.

Screenshots of each page go to ``test-artefacts/admin-desk/`` (git-ignored) to be looked at.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
from playwright.async_api import Browser, expect

from plumbing.keys.pki import IssuedAdministrator
from registry.app import RunningRegistry
from tests.accessibility import look_at
from tests.admin_desk.conftest import ADMINISTRATOR, WaitingRequest, file_request


async def test_an_administrator_approves_a_deletion_request_with_confirmation(
    browser: Browser, registry: RunningRegistry, administrator: IssuedAdministrator, waiting: WaitingRequest,
    own_keys_dir: Path, registry_database_url: str,
) -> None:  # fmt: skip
    await file_request(registry, own_keys_dir, name="Dora Death", kind="death_notice")
    context = await browser.new_context(
        # The private CA is not in Chromium's trust store; the TLS and the client certificate are real.
        ignore_https_errors=True,
        java_script_enabled=False,
        locale="nb-NO",
        client_certificates=[
            {"origin": registry.admin_url, "pfxPath": str(administrator.pkcs12_file),
             "passphrase": administrator.password},
        ],
    )  # fmt: skip
    page = await context.new_page()
    await page.goto(registry.admin_url + "/")

    await expect(page.get_by_role("heading", name="Slettingsforespørsler og dødsfallsmeldinger")).to_be_visible()
    await expect(page.get_by_text(f"Innlogget med sertifikat som {ADMINISTRATOR}")).to_be_visible()
    table = page.get_by_role("table", name="Slettingsforespørsler og dødsfallsmeldinger")
    await expect(table.get_by_role("row")).to_have_count(3)
    await expect(table).to_contain_text("Sandnes bibliotek")
    await expect(table).to_contain_text("Dødsfallsmelding")
    await look_at(page, "admin-desk", "1-list")

    await page.get_by_role("link", name=waiting.patron.card_number).click()
    await expect(page.get_by_role("heading", name=f"Sletting for kort {waiting.patron.card_number}")).to_be_visible()
    await expect(page.get_by_text("Erik Erasmus")).to_be_visible()
    told = page.get_by_role("list").filter(has_text="Asker bibliotek")
    await expect(told).to_contain_text("Sandnes bibliotek")
    await look_at(page, "admin-desk", "2-show")

    # Without a reason the browser itself refuses (required); the server would too.
    await page.get_by_label("Begrunnelse (påkrevd, høyst 500 tegn)").fill("Låneren ba om det ved skranken i Sandnes")
    await page.get_by_role("button", name="Godkjenn og slett …").click()
    await expect(page.get_by_role("heading", name="Bekreft sletting")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("Dette kan ikke angres")
    await look_at(page, "admin-desk", "3-confirm")
    connection = await asyncpg.connect(registry_database_url)
    try:
        status = "SELECT status FROM erasure_requests WHERE request_id = $1"
        assert await connection.fetchval(status, waiting.request_id) == "pending"
        await page.get_by_role("button", name="Ja, slett for godt").click()
        await expect(page.get_by_role("status")).to_have_text("Forespørselen er godkjent og posten slettet.")
        await look_at(page, "admin-desk", "4-approved")
        assert await connection.fetchval(status, waiting.request_id) == "approved"
        assert (
            await connection.fetchval("SELECT count(*) FROM patrons WHERE patron_id = $1", waiting.patron.patron_id)
            == 0
        )
    finally:
        await connection.close()

    await page.get_by_role("link", name="Tilbake til listen").click()
    await expect(table.get_by_role("row")).to_have_count(2)  # only the death notice waits now
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Deletion requests and death notices")).to_be_visible()
    for name, file in (("Libraries", "5-libraries"), ("Audit log", "6-audit"), ("Keys and certificates", "7-keys")):
        await page.get_by_role("navigation").get_by_role("link", name=name).click()
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await look_at(page, "admin-desk", file)
    await page.get_by_role("navigation").get_by_role("link", name="Audit log").click()
    await page.get_by_role("button", name="Verify the whole chain now").click()
    await expect(page.get_by_role("status")).to_contain_text("The chain is intact")
    await look_at(page, "admin-desk", "8-audit-verified")
    await context.close()


async def test_a_browser_with_a_library_certificate_is_refused(
    browser: Browser, registry: RunningRegistry, own_keys_dir: Path
) -> None:
    from plumbing.keys.layout import KeyLayout  # noqa: PLC0415 - only this test needs the paths

    layout = KeyLayout(own_keys_dir)
    context = await browser.new_context(
        ignore_https_errors=True,
        locale="en-GB",
        client_certificates=[
            {"origin": registry.admin_url, "certPath": str(layout.library_client_certificate("asker")),
             "keyPath": str(layout.library_client_key("asker"))},
        ],
    )  # fmt: skip
    page = await context.new_page()
    response = await page.goto(registry.admin_url + "/requests?lang=en")
    assert response is not None
    assert response.status == 403
    await expect(page.get_by_role("heading", name="Access refused")).to_be_visible()
    await look_at(page, "admin-desk", "9-refused")
    await context.close()
