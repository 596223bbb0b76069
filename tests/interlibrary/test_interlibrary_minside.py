"""Min side's interlibrary forms over real HTTPS: order, cancel, renew (asking Sandnes), and bad input, each
ending on a page with words (post/redirect/get), never an error page."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import aiohttp

from plumbing.keys.layout import KeyLayout
from tests.federation.conftest import set_federation_profile
from tests.interlibrary.nodes import Federation, Library, federation
from tests.national.conftest import registry

__all__ = ["federation", "registry", "set_federation_profile"]

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PIN = "4831"


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


async def _patron_session(asker: Library, keys_dir: Path, name: str) -> tuple[aiohttp.ClientSession, str]:
    body = {
        "name": name,
        "birth_date": "1980-05-17",
        "email": "k@example.org",
        "preferred_contact": "email",
        "pin": PIN,
    }
    card = (await asker.running.ok("POST", "/api/staff/patrons", body))["card_number"]
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    client = aiohttp.ClientSession(
        asker.running.library.url,
        connector=aiohttp.TCPConnector(ssl=context),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )  # a browser's cookies, IP host included
    async with client.get("/minside?lang=en") as start:
        token = _csrf(await start.text())
    async with client.post(
        "/minside/login", data={"csrf": token, "lang": "en", "card_number": card, "pin": PIN}
    ) as done:
        assert done.url.path == "/minside/me"
        page = await done.text()
    return client, _csrf(page)


async def _post(client: aiohttp.ClientSession, path: str, form: dict[str, str]) -> str:
    async with client.post(path, data={"lang": "en", **form}) as response:
        assert response.status == 200
        assert response.url.path == "/minside/interlibrary"
        return await response.text()


async def test_a_patron_orders_cancels_and_renews_on_min_side(federation: Federation, keys_dir: Path) -> None:
    asker, sandnes = federation.libraries["asker"], federation.libraries["sandnes"]
    client, csrf = await _patron_session(asker, keys_dir, "Kari Nordmann")
    async with client:
        order = {"csrf": csrf, "owner_library": "sandnes", "title": "Markens grøde"}
        page = await _post(client, "/minside/interlibrary/order", {**order, "barcode": "SANDNES-1"})
        assert "Ordered: Markens grøde." in page
        again = await _post(client, "/minside/interlibrary/order", {**order, "barcode": "SANDNES-1"})
        assert "You have already ordered this copy." in again
        request_id = (await asker.running.ok("GET", "/api/staff/interlibrary/requests"))["requests"][0]["request_id"]
        cancelled = await _post(client, f"/minside/interlibrary/{request_id}/cancel", {"csrf": csrf})
        assert "The request is cancelled." in cancelled
        assert "You cancelled it." in cancelled

        await _post(client, "/minside/interlibrary/order", {**order, "barcode": "SANDNES-2", "title": "Sult"})
        await asker.deliver()
        second = next(
            item["request_id"]
            for item in (await asker.running.ok("GET", "/api/staff/interlibrary/requests"))["requests"]
            if item["state"] == "requested"
        )
        await sandnes.running.ok("POST", f"/api/staff/interlibrary/incoming/{second}/ship")
        await sandnes.deliver()
        for step in ("received", "lend"):
            await asker.running.ok("POST", f"/api/staff/interlibrary/requests/{second}/{step}")
        renewed = await _post(client, f"/minside/interlibrary/{second}/renew", {"csrf": csrf})
        assert "Renewed until" in renewed
        assert "On loan" in renewed

        # Bad input ends on the page with words: a made-up library, a forged token, someone else's request.
        bad = await _post(client, "/minside/interlibrary/order", {**order, "owner_library": "No Such", "barcode": "X"})
        assert "No such request." in bad
        async with client.post(
            "/minside/interlibrary/order", data={**order, "csrf": "forged", "barcode": "X"}
        ) as forged:
            assert forged.status == 403
    other, other_csrf = await _patron_session(asker, keys_dir, "Ola Nordmann")
    async with other:
        refused = await _post(other, f"/minside/interlibrary/{second}/renew", {"csrf": other_csrf})
        assert "No such request." in refused
        async with other.post("/minside/interlibrary/not-a-uuid/cancel", data={"csrf": other_csrf}) as missing:
            assert missing.status == 404
