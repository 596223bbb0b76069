"""The library-service login in a real browser: an e-book service (a small web app on loopback, authlib as its
OAuth client) sends the patron to the registry, who logs in with card and PIN, agrees once, and comes back
logged in; the insight page then lists the service. Screenshots go to ``test-artefacts/oidc/`` (git-ignored)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from authlib.integrations.requests_client import OAuth2Session
from playwright.async_api import Browser, expect

from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from tests.accessibility import look_at
from tests.oidc.conftest import PIN, RegisteredPatron, RelyingParty, is_at_least, register

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "oidc"


@dataclass
class EbookService:
    """A minimal e-book service: /start sends the patron to the registry, /callback finishes the login."""

    party: RelyingParty | None = None
    pending: dict[str, tuple[OAuth2Session, str, str]] = field(default_factory=dict)

    async def start(self, request: web.Request) -> web.Response:
        assert self.party is not None
        session = self.party.session()
        url, verifier, nonce = await self.party.start(session, ui_locales=request.query.get("lang", "nb"))
        self.pending[parse_qs(urlsplit(url).query)["state"][0]] = (session, verifier, nonce)
        raise web.HTTPFound(url)

    async def callback(self, request: web.Request) -> web.Response:
        assert self.party is not None
        if "error" in request.query:
            return web.Response(
                text=f"<h1>Not logged in: {escape(request.query['error'])}</h1>", content_type="text/html"
            )
        session, verifier, nonce = self.pending.pop(request.query["state"])
        token = await self.party.fetch_token(session, str(request.url), code_verifier=verifier)
        claims: dict[str, Any] = await self.party.id_token_claims(token["id_token"], nonce)
        shown = ("home_library", "age_over_18")
        items = "".join(f"<li>{escape(name)}: {escape(str(claims[name]))}</li>" for name in shown)
        return web.Response(text=f"<h1>Logged in to the e-book service</h1><ul>{items}</ul>", content_type="text/html")


@pytest.fixture
async def ebook_service(
    registry: RunningRegistry, registry_database_url: str, keys_dir: Path
) -> AsyncIterator[tuple[EbookService, str]]:
    service = EbookService()
    app = web.Application()
    app.router.add_get("/start", service.start)
    app.router.add_get("/callback", service.callback)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    registered = await register(registry_database_url, keys_dir, "ebok", [base + "/callback"])
    service.party = RelyingParty(registry, registered, base + "/callback", KeyLayout(keys_dir).ca_certificate)
    yield service, base
    await asyncio.to_thread(service.party.close)
    await runner.cleanup()


async def test_log_in_to_an_ebook_service_consent_once_and_see_it_on_the_insight_page(
    browser: Browser, registry: RunningRegistry, patron: RegisteredPatron, ebook_service: tuple[EbookService, str]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _, base = ebook_service
    # The private CA is not in Chromium's trust store; the TLS itself is real.
    context = await browser.new_context(ignore_https_errors=True, locale="nb-NO")
    page = await context.new_page()
    await page.goto(base + "/start?lang=nb")

    await expect(page.get_by_role("heading", name="Logg inn på ebok (nb)")).to_be_visible()
    await look_at(page, "oidc", "1-login")
    await page.get_by_label("Lånekortnummer (10 siffer)").fill(patron.record.card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill("9071")
    await page.get_by_role("button", name="Logg inn").click()
    await expect(page.get_by_role("alert")).to_have_text("Feil lånekortnummer eller PIN-kode.")
    await look_at(page, "oidc", "2-wrong-pin")
    await page.get_by_label("Lånekortnummer (10 siffer)").fill(patron.record.card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill(PIN)
    await page.get_by_role("button", name="Logg inn").click()

    await expect(page.get_by_role("heading", name="Gi ebok (nb) tilgang?")).to_be_visible()
    await expect(page.get_by_text("hjemmebiblioteket ditt")).to_be_visible()
    await expect(page.get_by_text("om du er 18 år eller eldre (ikke fødselsdatoen)")).to_be_visible()
    await look_at(page, "oidc", "3-consent")
    await page.get_by_role("button", name="Ja, logg meg inn").click()

    await expect(page.get_by_role("heading", name="Logged in to the e-book service")).to_be_visible()
    await expect(page.get_by_text("home_library: asker")).to_be_visible()
    await expect(page.get_by_text(f"age_over_18: {is_at_least(patron, 18)}")).to_be_visible()
    await page.screenshot(path=SCREENSHOTS / "4-back-at-the-service.png", full_page=True)

    # The second time: no consent page, straight back. In English this time.
    await page.goto(base + "/start?lang=en")
    await expect(page.get_by_role("heading", name="Log in to ebok (en)")).to_be_visible()
    await page.get_by_label("Card number (10 digits)").fill(patron.record.card_number)
    await page.get_by_label("PIN (4 digits)").fill(PIN)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Logged in to the e-book service")).to_be_visible()

    await page.goto(registry.public_url + "/?lang=nb")
    await page.get_by_label("Lånekortnummer (10 siffer)").fill(patron.record.card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill(PIN)
    await page.get_by_role("button", name="Logg inn").click()
    services = page.get_by_role("table", name="Tjenester du har logget inn på")
    await expect(services).to_contain_text("ebok (nb)")
    await expect(services).to_contain_text("hjemmebiblioteket ditt")
    await expect(services.get_by_role("cell", name="2", exact=True)).to_be_visible()
    accesses = page.get_by_role("table", name="Hvem har sett eller endret opplysningene")
    await expect(accesses.get_by_text("innlogging på tjenesten").first).to_be_visible()
    await look_at(page, "oidc", "5-insight-services")

    # Withdrawn on the insight page: the next login asks again.
    await page.get_by_role("button", name="Trekk tilbake tilgangen for ebok (nb)").click()
    await expect(page.get_by_role("alert")).to_contain_text("Tilgangen er trukket tilbake.")
    await expect(page.get_by_text("Du har ikke logget inn på noen tjenester med lånekortet.")).to_be_visible()
    await page.goto(base + "/start?lang=nb")
    await page.get_by_label("Lånekortnummer (10 siffer)").fill(patron.record.card_number)
    await page.get_by_label("PIN-kode (4 siffer)").fill(PIN)
    await page.get_by_role("button", name="Logg inn").click()
    await expect(page.get_by_role("heading", name="Gi ebok (nb) tilgang?")).to_be_visible()
    await context.close()


async def test_cancel_on_the_login_page_goes_back_to_the_service(
    browser: Browser, registry: RunningRegistry, patron: RegisteredPatron, ebook_service: tuple[EbookService, str]
) -> None:
    _, base = ebook_service
    context = await browser.new_context(ignore_https_errors=True, locale="nb-NO")
    page = await context.new_page()
    await page.goto(base + "/start?lang=nb")
    await page.get_by_role("button", name="Avbryt og gå tilbake").click()
    await expect(page.get_by_role("heading", name="Not logged in: access_denied")).to_be_visible()
    await context.close()
