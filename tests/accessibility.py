"""The automated accessibility check for every browser test: axe-core, run inside the page Playwright shows.

``await assert_accessible(page)`` fails the test on any serious or critical finding and names each rule, its
help text and the offending elements. ``await look_at(page, folder, name)`` also saves a full-page screenshot
in ``test-artefacts/<folder>/`` (git-ignored) to look at. axe-core comes from PyPI with the ``test`` extra
(``axe-playwright-python`` ships ``axe.min.js``), so a fresh clone has it after ``./scripts/setup``.

The check runs on a copy of the page's HTML in a scratch page of the same browser (same viewport): the sites
forbid every script by their Content-Security-Policy and some tests browse with JavaScript off, as patrons may,
and the check must need neither a hole in the policy nor a different browser for the test itself. The pages
carry their styles inline, so the copy looks the same (contrast is judged on it).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from playwright.async_api import Page

__all__ = ["ARTEFACTS", "BLOCKING_IMPACTS", "assert_accessible", "look_at"]

ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts"
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# WCAG 2.1 A and AA plus axe's best practices (landmarks, one h1): what a public Norwegian site is held to.
_RUN_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
}


@cache
def _axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core finding on the page as it is now (any impact)."""
    browser = page.context.browser
    assert browser is not None, "the page must come from a launched browser"
    scratch = await browser.new_page(viewport=page.viewport_size)
    try:
        await scratch.set_content(await page.content())
        await scratch.evaluate(_axe_source() + "\n;true")
        results: dict[str, Any] = await scratch.evaluate("options => window.axe.run(document, options)", _RUN_OPTIONS)
    finally:
        await scratch.close()
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def _describe(violation: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    return f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}"


async def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical axe-core finding on the page as it is now."""
    blocking = [v for v in await axe_violations(page) if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"accessibility findings on {page.url}:\n" + "\n".join(map(_describe, blocking))


async def look_at(page: Page, folder: str, name: str) -> None:
    """Screenshot the page into ``test-artefacts/<folder>/<name>.png``, then check its accessibility."""
    target = ARTEFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    await assert_accessible(page)
