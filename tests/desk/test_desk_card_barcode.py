"""The desk's patron page shows the card as the library's barcode, for a patron who came without the card;
a scanner (zxing-cpp, on a Chromium screenshot of the page's own SVG) reads the card number back."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser

from tests.desk.conftest import DESK_PASSWORD, Staff, desk_log_in
from tests.minside.conftest import Node, Shelf
from tests.minside.test_minside_card import decoded

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "desk"


async def test_the_patron_page_shows_the_card_barcode(browser: Browser, node: Node, staff: Staff, shelf: Shelf) -> None:
    async with node.client() as client:
        await desk_log_in(client, staff.desk, DESK_PASSWORD)
        async with client.get(f"/staff/patrons/{shelf.patron.patron_id}?lang=nb") as response:
            assert response.status == 200
            page = await response.text()
    svg = re.search(r"<svg class=\"card-barcode\".*?</svg>", page, re.S)
    assert svg is not None
    assert f'aria-label="Strekkode for lånekortnummer {shelf.card_number}"' in svg.group(0)
    assert "style=" not in svg.group(0)  # the desk's CSP allows no inline style

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 800, "height": 400})
    try:
        browser_page = await context.new_page()
        await browser_page.set_content(f"<!doctype html><body>{svg.group(0).replace('<svg ', '<svg width=384 ', 1)}")
        await browser_page.screenshot(path=ARTEFACTS / "patron-card-barcode.png")
    finally:
        await context.close()
    assert decoded(ARTEFACTS / "patron-card-barcode.png") == [("Code128", shelf.card_number)]
