"""The accessibility helper itself: it must fail on a page a screen-reader user cannot use, or it proves nothing."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.accessibility import assert_accessible

GOOD = """<!doctype html><html lang="nb"><head><title>Innlogging</title></head><body><main>
<h1>Logg inn</h1><form><label for="card">Lånekortnummer</label><input id="card" name="card">
<button type="submit">Logg inn</button></form></main></body></html>"""
# An input with no label and a button with no name: a screen reader announces "edit text", "button".
BAD = """<!doctype html><html lang="nb"><head><title>Innlogging</title></head><body><main>
<h1>Logg inn</h1><form><input name="card"><button type="submit"></button></form></main></body></html>"""
# The sites forbid every script; the check must work all the same.
CSP = """<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'none'">"""


async def test_a_page_without_labels_fails_and_a_labelled_one_passes(browser: Browser) -> None:
    page = await browser.new_page()
    await page.set_content(BAD.replace("<head>", "<head>" + CSP))
    with pytest.raises(AssertionError) as failed:
        await assert_accessible(page)
    assert "label" in str(failed.value)
    assert "button-name" in str(failed.value)
    await page.set_content(GOOD.replace("<head>", "<head>" + CSP))
    await assert_accessible(page)
    await page.close()
