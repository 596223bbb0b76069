"""The staff desk's frame over real HTTPS: login, sessions held by the server, logout, CSRF, roles, headers."""

from __future__ import annotations

from tests.desk.conftest import ADMIN_PASSWORD, DESK_PASSWORD, Staff, csrf_of, desk_log_in
from tests.minside.conftest import Node


async def _session_rows(node: Node) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM staff_sessions"))


async def test_login_leads_to_circulation_with_a_private_cookie_and_the_navigation(node: Node, staff: Staff) -> None:
    async with node.client() as client:
        async with client.get("/staff/") as first:  # a first visit goes to the login page, without "expired"
            assert first.url.path == "/staff/login"
            page = await first.text()
            assert "Logg inn i skranken" in page
            assert "utløpt" not in page
        response = await desk_log_in(client, staff.desk, DESK_PASSWORD)
        assert response.status == 200
        assert response.url.path == "/staff/"
        page = await response.text()
        assert '<html lang="nb">' in page
        for link in ("Utlån", "Lånere", "Registerstatus", "Logg ut", "English", "Innlogget: kari.skranke (skranke)"):
            assert link in page
        cookie = response.history[0].cookies["natreg_desk"]
        assert cookie["secure"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Strict"
        assert cookie["path"] == "/staff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none': no scripts
        assert response.headers["Cache-Control"] == "no-store"
        async with client.get("/staff/patrons?lang=en") as patrons:
            assert patrons.status == 200
            assert '<html lang="en">' in await patrons.text()
    assert await _session_rows(node) == 1


async def test_a_wrong_password_is_refused_and_starts_no_session(node: Node, staff: Staff) -> None:
    async with node.client() as client:
        for username, password in ((staff.desk, "not-the-password"), ("nobody.here", DESK_PASSWORD), ("", "")):
            response = await desk_log_in(client, username, password)
            assert response.status in (401, 422)
            assert ("Feil brukernavn eller passord." if username else "Fyll inn både") in await response.text()
        assert "natreg_desk" not in {cookie.key for cookie in client.cookie_jar}
    assert await _session_rows(node) == 0


async def test_logout_ends_the_session_on_the_server(node: Node, staff: Staff) -> None:
    async with node.client() as client:
        page = await (await desk_log_in(client, staff.admin, ADMIN_PASSWORD)).text()
        saved = {cookie.key: cookie.value for cookie in client.cookie_jar}
        response = await client.post("/staff/logout", data={"csrf": csrf_of(page), "lang": "nb"})
        assert response.url.path == "/staff/login"
        assert "Du er logget ut." in await response.text()
    assert await _session_rows(node) == 0
    async with node.client() as replay:  # a saved copy of the cookie is worth nothing now
        replay.cookie_jar.update_cookies(saved)
        async with replay.get("/staff/") as again:
            assert again.url.path == "/staff/login"
            assert "Økten er utløpt" in await again.text()


async def test_forms_without_the_session_token_are_refused(node: Node, staff: Staff) -> None:
    async with node.client() as client:
        await desk_log_in(client, staff.desk, DESK_PASSWORD)
        for token in ("", "forged-token"):
            response = await client.post("/staff/logout", data={"csrf": token, "lang": "nb"})
            assert response.status == 403
            assert "Skjemaet er utløpt" in await response.text()
        async with client.get("/staff/") as still:  # the refused logout did not log out
            assert still.url.path == "/staff/"
    assert await _session_rows(node) == 1


async def test_a_login_form_from_elsewhere_is_refused(node: Node, staff: Staff) -> None:
    async with node.client() as client:
        form = {"csrf": "forged", "lang": "nb", "username": staff.desk, "password": DESK_PASSWORD}
        response = await client.post("/staff/login", data=form)
        assert response.status == 400
        assert "natreg_desk" not in {cookie.key for cookie in client.cookie_jar}


async def test_an_idle_session_expires(node: Node, staff: Staff) -> None:
    async with node.client() as client:
        await desk_log_in(client, staff.desk, DESK_PASSWORD)
        node.clock.advance(seconds=19 * 60)
        async with client.get("/staff/") as fresh:
            assert fresh.url.path == "/staff/"
        node.clock.advance(seconds=21 * 60)
        async with client.get("/staff/") as stale:
            assert stale.url.path == "/staff/login"
            assert "Økten er utløpt" in await stale.text()


async def test_a_deactivated_account_loses_its_session(node: Node, staff: Staff) -> None:
    async with node.client() as client:
        await desk_log_in(client, staff.desk, DESK_PASSWORD)
        async with node.pool.acquire() as conn:
            await conn.execute("UPDATE staff_accounts SET active = false WHERE username = $1", staff.desk)
        async with client.get("/staff/") as page:
            assert page.url.path == "/staff/login"
    assert await _session_rows(node) == 0


async def test_logins_are_throttled(node: Node, staff: Staff) -> None:
    async with node.client() as client:
        statuses = [(await desk_log_in(client, staff.desk, "wrong-password-x")).status for _ in range(11)]
        assert statuses[:10] == [401] * 10
        assert statuses[10] == 429
        refused = await desk_log_in(client, staff.desk, DESK_PASSWORD)
        assert refused.status == 429
        assert "Retry-After" in refused.headers
        assert "For mange innloggingsforsøk" in await refused.text()


async def test_bad_form_input_is_refused_not_a_500(node: Node, staff: Staff) -> None:
    """Control characters and a form that is not UTF-8 get the same problem codes as every other door."""
    async with node.client() as client:
        page = await (await desk_log_in(client, staff.desk, DESK_PASSWORD)).text()
        form = {"csrf": csrf_of(page), "lang": "nb", "mode": "out", "code": "L0000\x00001"}
        async with client.post("/staff/scan", data=form) as response:
            assert response.status == 422
            assert (await response.json(content_type=None))["code"] == "control_character"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        async with client.post("/staff/scan", data=b"code=\xff\xfe&csrf=x", headers=headers) as response:
            assert response.status == 422
            assert (await response.json(content_type=None))["code"] == "form_encoding"
        for path in ("/staff/loans/1/renew", "/staff/fees/99999999999999999999/settle", "/staff/nowhere"):
            async with client.post(path, data={"csrf": csrf_of(page), "lang": "nb"}) as response:
                assert response.status in (303, 200, 404)
                assert response.status < 500
