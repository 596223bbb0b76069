"""The card on the phone: Min side's card page in a real Chromium with a phone's viewport, its barcode and QR
code read back from screenshots by an independent decoder (zxing-cpp), under Min side's unchanged CSP.

Screenshots go to ``test-artefacts/minside/`` (git-ignored) so a person can look at them.
"""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.async_api import Browser, ConsoleMessage, Page, expect

from local_library.card_image import barcode_svg, qr_svg
from plumbing.web.pages import OWN_STYLESHEET_HEADERS
from tests.accessibility import assert_accessible
from tests.library.conftest import GOOD_PIN
from tests.minside.conftest import Node, Shelf

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "minside"
PHONE = {"width": 360, "height": 740}  # a small current phone, in CSS pixels


def decoded(path: Path) -> list[tuple[str, str]]:
    """(format, text) of every symbol zxing-cpp finds in the image."""
    with Image.open(path) as image:
        return [(result.format.name, result.text) for result in zxingcpp.read_barcodes(image.convert("L"))]


async def _phone(browser: Browser, *, scale: float = 2) -> tuple[Page, list[str]]:
    context = await browser.new_context(
        ignore_https_errors=True, locale="nb-NO", viewport=PHONE, device_scale_factor=scale, is_mobile=True
    )
    page = await context.new_page()
    refused: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":  # a CSP violation is reported as a console error
            refused.append(message.text)

    page.on("console", note)
    return page, refused


async def test_the_card_page_shows_a_barcode_and_a_qr_code_a_scanner_reads(
    browser: Browser, node: Node, shelf: Shelf
) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page, refused = await _phone(browser)
    await page.goto(node.url + "/minside?lang=nb")
    await page.get_by_label("Lånekortnummer").fill(shelf.card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill(GOOD_PIN)
    await page.get_by_role("button", name="Logg inn").click()
    await page.get_by_role("link", name="Vis lånekortet mitt (strekkode og QR-kode)").click()

    await expect(page.get_by_role("heading", name="Lånekortet mitt")).to_be_visible()
    response = await page.reload()
    assert response is not None
    assert response.headers["content-security-policy"] == OWN_STYLESHEET_HEADERS["Content-Security-Policy"]
    barcode = page.get_by_role("img", name=f"Strekkode for lånekortnummer {shelf.card_number}")
    qr_code = page.get_by_role("img", name=f"QR-kode for lånekortnummer {shelf.card_number}")
    await expect(barcode).to_be_visible()
    await expect(page.locator(".card-number")).to_have_text(shelf.card_number)

    # Large enough for a scanner at arm's length: the barcode nearly spans the phone, the QR code is ~15rem.
    barcode_box, qr_box = await barcode.bounding_box(), await qr_code.bounding_box()
    assert barcode_box is not None
    assert qr_box is not None
    assert barcode_box["width"] >= 300
    assert barcode_box["width"] / 110 >= 2.5  # CSS px per module (Code 128: 90 modules + 2 quiet zones)
    assert qr_box["width"] >= 200

    await page.screenshot(path=ARTEFACTS / "card-phone.png", full_page=True)
    await assert_accessible(page)
    await barcode.screenshot(path=ARTEFACTS / "card-barcode.png")
    await qr_code.screenshot(path=ARTEFACTS / "card-qr.png")
    assert decoded(ARTEFACTS / "card-barcode.png") == [("Code128", shelf.card_number)]
    assert decoded(ARTEFACTS / "card-qr.png") == [("QRCode", shelf.card_number)]
    # The whole screen, as a lending machine's scanner sees the phone: both symbols, both the card number.
    assert sorted(decoded(ARTEFACTS / "card-phone.png")) == [
        ("Code128", shelf.card_number),
        ("QRCode", shelf.card_number),
    ]
    assert refused == []  # nothing on the page was blocked by the content security policy

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="My library card")).to_be_visible()
    await expect(page.get_by_role("img", name=f"Barcode of card number {shelf.card_number}")).to_be_visible()


async def test_the_card_page_needs_a_login(browser: Browser, node: Node) -> None:
    page, _ = await _phone(browser)
    await page.goto(node.url + "/minside/card?lang=nb")
    await expect(page.get_by_role("heading", name="Logg inn på Min side")).to_be_visible()


async def test_code_39_for_libraries_whose_scanners_need_it_reads_back_too(browser: Browser) -> None:
    """The library setting ``[cards] barcode = "code39"``: drawn the same way, read back as Code 39 without a
    check character (which a scanner would otherwise pass on as part of the card number)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page, refused = await _phone(browser, scale=1)  # one device pixel per CSS pixel: the hardest case
    for number in ("L00000042", "0123456789"):
        await page.set_content(
            f"<!doctype html><body style='margin:16px'>"
            f"{barcode_svg(number, 'code39', label='x').replace('<svg ', '<svg width=328 ', 1)}"
            f"{qr_svg(number, label='y').replace('<svg ', '<svg width=200 ', 1)}</body>"
        )
        path = ARTEFACTS / f"code39-{number}.png"
        await page.screenshot(path=path, full_page=True)
        assert sorted(decoded(path)) == [("Code39", number), ("QRCode", number)]
    assert refused == []
