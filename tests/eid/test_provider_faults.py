"""The stand-in enforces PKCE as ID-porten does; the node copes with a provider that is down, slow or failing
(a page saying so, never a 500, and nothing written), and with a registry that is away (the registration is
queued and delivered later)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest

from local_library import app_keys
from local_library.eid.relying_party import client_secret_basic
from local_library.registry_link.sync import deliver_for_patron
from natreg.eid_standin import Misbehaviour
from tests.eid.conftest import EID_TIMEOUT_SECONDS, EidWorld, PatronBrowser, adult_form

Browsers = Callable[[], PatronBrowser]


async def _authorize(world: EidWorld, browser: PatronBrowser, **changes: str | None) -> tuple[int, str]:
    """The node's own authorization request, with parameters changed (None: left out); (status, Location)."""
    url = await browser.start("asker")
    params = dict(parse_qsl(urlsplit(url).query))
    for name, value in changes.items():
        if value is None:
            params.pop(name)
        else:
            params[name] = value
    async with browser.session.get(f"{world.standin.url}/authorize", params=params, allow_redirects=False) as reply:
        return reply.status, reply.headers.get("Location", "")


async def test_the_standin_requires_pkce_with_s256(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()
    status, location = await _authorize(eid_world, browser, code_challenge=None, code_challenge_method=None)
    assert status == 302
    assert dict(parse_qsl(urlsplit(location).query))["error"] == "invalid_request"
    status, location = await _authorize(eid_world, browser, code_challenge_method="plain")
    assert dict(parse_qsl(urlsplit(location).query))["error"] == "invalid_request"
    status, _ = await _authorize(eid_world, browser, redirect_uri="https://evil.example/callback")
    assert status == 400  # an unregistered redirect URI is never redirected to


async def test_the_standin_refuses_a_wrong_verifier(eid_world: EidWorld, browser_of: Browsers) -> None:
    browser = browser_of()
    callback = await browser.sign_in_at_provider(await browser.start("asker"), eid_world.people["adult"])
    code = dict(parse_qsl(urlsplit(callback).query))["code"]
    asker = eid_world.standin.provider.clients["natreg-asker"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": asker.redirect_uris[0],
            "code_verifier": "a" * 43}  # fmt: skip
    headers = {"Authorization": client_secret_basic(asker.client_id, asker.client_secret)}
    async with browser.session.post(f"{eid_world.standin.url}/token", data=form, headers=headers) as reply:
        assert reply.status == 400
        assert (await reply.json())["error"] == "invalid_grant"


async def _nothing_registered(world: EidWorld) -> None:
    pool = world.nodes["asker"].runner.app[app_keys.POOL]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM patrons") == 0


async def test_a_provider_that_is_down_is_a_page_not_an_error(eid_world: EidWorld, browser_of: Browsers) -> None:
    await eid_world.standin.stop()
    browser = browser_of()
    url = f"{eid_world.nodes['asker'].url}/minside/new-card/start?lang=en"
    async with browser.session.get(url, allow_redirects=False) as reply:
        assert reply.status == 503
        assert "ID-porten is not answering just now" in await reply.text()
    await _nothing_registered(eid_world)


@pytest.mark.parametrize(
    "trouble",
    [
        Misbehaviour(token_status=500),
        Misbehaviour(token_status=503),
        Misbehaviour(token_delay_seconds=EID_TIMEOUT_SECONDS + 2),
    ],
    ids=["500", "503", "slow"],
)
async def test_a_failing_or_slow_token_endpoint_is_a_page_and_the_sign_in_can_be_retried(
    eid_world: EidWorld, browser_of: Browsers, trouble: Misbehaviour
) -> None:
    browser = browser_of()
    eid_world.standin.provider.misbehaviour = trouble
    callback = await browser.sign_in_at_provider(await browser.start("asker"), eid_world.people["adult"])
    status, page = await browser.return_to_node(callback)
    assert status == 503
    assert "ID-porten is not answering just now" in page
    await _nothing_registered(eid_world)
    eid_world.standin.provider.misbehaviour = Misbehaviour()
    await browser.sign_in("asker", eid_world.people["adult"])  # starting again works


async def test_a_registration_while_the_registry_is_away_is_queued_and_delivered_later(
    eid_world: EidWorld, browser_of: Browsers
) -> None:
    browser = browser_of()
    await browser.sign_in("asker", eid_world.people["adult"])
    app = eid_world.nodes["asker"].runner.app
    await eid_world.registry.stop()
    status, page = await browser.submit("asker", adult_form())
    assert status == 200, page
    assert "registry is not answering just now" in page
    pool = app[app_keys.POOL]
    async with pool.acquire() as conn:
        patron_id = await conn.fetchval("SELECT patron_id FROM patrons")
        assert await conn.fetchval("SELECT status FROM registry_outbox") == "pending"
    await eid_world.restart_registry()
    await deliver_for_patron(app[app_keys.REGISTRY_LINK], patron_id)
    async with pool.acquire() as conn:
        card_number = await conn.fetchval("SELECT card_number FROM patrons WHERE patron_id = $1", patron_id)
        assert await conn.fetchval("SELECT status FROM registry_outbox") == "delivered"
    assert card_number is not None
