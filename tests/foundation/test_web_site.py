"""The shared site plumbing (``plumbing.web.site``) serves a third site as it serves the insight site and Min side:
a made-up "desk" with its own cookie names and path, its own words, its own session key and its own login, on a
real node database. What it must get: pre-session CSRF, the language of each request, server-held sessions under
its own key only, refusals in its own words with ``Retry-After``, the login limiter, and a logout that ends the
session on the server."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from local_library.clock import FixedClock
from local_library.minside import texts as minside_texts
from local_library.minside import views as minside_views
from local_library.policy import LibraryPolicy
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import problem_middleware
from plumbing.ratelimit import LoginLimiter, Rate
from plumbing.web.language import Language
from plumbing.web.pages import OWN_STYLESHEET_HEADERS, LoginField, alert, html_document, login_body
from plumbing.web.sessions import Session, SessionStore
from plumbing.web.site import SITE_WORDS, Form, LoginRefusals, Site, SiteCookies
from registry.insight import site as insight_site
from registry.insight import texts as insight_texts
from registry_contract.pins import PinHasher
from tests.library.conftest import add_patron, asker_policy, clock, hasher, pool

__all__ = ["asker_policy", "clock", "hasher", "pool"]  # the library fixtures, used here as well

COOKIES = SiteCookies(session="natreg_desk", login="natreg_desk_login", language="natreg_desk_lang", path="/desk")
WORDS: dict[str, dict[Language, str]] = {
    "heading": {"nb": "Skranken", "en": "The desk"},
    "user": {"nb": "Brukernavn", "en": "User name"},
    "password": {"nb": "Passord", "en": "Password"},
    "log_in": {"nb": "Logg inn", "en": "Log in"},
    "wrong": {"nb": "Feil brukernavn eller passord.", "en": "Wrong user name or password."},
    "wait": {"nb": "Vent {seconds} sekunder.", "en": "Wait {seconds} seconds."},
    "form_expired": {"nb": "Skjemaet er utløpt.", "en": "The form has expired."},
    "session_expired": {"nb": "Økten er utløpt.", "en": "Your session has expired."},
    "logged_out": {"nb": "Du er logget ut.", "en": "You are logged out."},
}
PASSWORD = "correct horse"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def words(key: str, language: Language, **values: object) -> str:
    return WORDS[key][language].format(**values)


def desk_login_page(
    request: web.Request, language: Language, csrf: str, *, message: str | None, notice: str | None
) -> str:
    body = login_body(
        heading=words("heading", language), messages=alert(message) + alert(notice, role="status"), intro="",
        action="/desk/login", csrf=csrf, language=language,
        fields=[
            LoginField("user", words("user", language), 'autocomplete="username" required'),
            LoginField("password", words("password", language), 'type="password" required'),
        ],
        button=words("log_in", language),
    )  # fmt: skip
    return html_document(language, [words("heading", language)], style="", header="", main=body)


def forbidden(request: web.Request, session: Session, language: Language) -> web.Response:
    raise DomainError(ErrorKind.FORBIDDEN, "csrf_token_invalid", words("form_expired", language))


def desk_site(
    pool: asyncpg.Pool, clock: FixedClock, staff: dict[str, uuid.UUID], key: bytes, limiter: LoginLimiter,
    asked: list[str] | None = None,
) -> tuple[Site, web.Application]:  # fmt: skip
    site = Site(
        start_path="/desk", home_path="/desk/home", cookies=COOKIES, security_headers=OWN_STYLESHEET_HEADERS,
        sessions=SessionStore(key), limiter=limiter, pool=lambda: pool, now=clock.now, text=words,
        login_page=desk_login_page,
        refusals=LoginRefusals(
            by_code={"locked_out": ("wait", 429), "login_rate_limited": ("wait", 429)}, otherwise=("wrong", 401),
            malformed=("wrong", 422),
        ),
        form_refused=forbidden,
    )  # fmt: skip

    async def authenticate(request: web.Request, form: Form) -> uuid.UUID:
        if asked is not None:
            asked.append(form.get("user", ""))
        if form.get("user") == "locked":
            raise DomainError(ErrorKind.TOO_MANY_REQUESTS, "locked_out", "locked out", retry_after_seconds=60)
        if form.get("user") not in staff or form.get("password") != PASSWORD:
            raise DomainError(ErrorKind.UNAUTHENTICATED, "wrong_password", "wrong user name or password")
        return staff[form["user"]]

    async def home(request: web.Request) -> web.Response:
        visit = await site.visit(request)
        if isinstance(visit, web.Response):
            return visit
        form_token = site.form_token(visit.session)
        return site.page(f'<p>{visit.session.patron_id}</p><input name="csrf" value="{form_token}">', visit.language)

    async def log_in(request: web.Request) -> web.Response:
        return await site.log_in(request, authenticate)

    async def start(request: web.Request) -> web.Response:
        return await site.start_page(request)

    async def log_out(request: web.Request) -> web.Response:
        return await site.log_out(request)

    app = web.Application(middlewares=[problem_middleware])
    app.router.add_get("/desk", start)
    app.router.add_post("/desk/login", log_in)
    app.router.add_get("/desk/home", home)
    app.router.add_post("/desk/logout", log_out)
    return site, app


class Browser:
    """Keeps the cookies the site sets, by name (plain HTTP here, so the client's own jar would drop them)."""

    def __init__(self, client: TestClient[web.Request, web.Application]) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        self.paths: dict[str, str] = {}

    def _keep(self, response: aiohttp.ClientResponse) -> None:
        for header in response.headers.getall("Set-Cookie", []):
            for name, morsel in SimpleCookie(header).items():
                self.paths[name] = morsel["path"]
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    async def get(self, path: str, **headers: str) -> tuple[int, str, aiohttp.ClientResponse]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        async with self.client.get(path, headers={"Cookie": cookie, **headers}, allow_redirects=False) as response:
            self._keep(response)
            return response.status, await response.text(), response

    async def post(self, path: str, form: dict[str, str]) -> tuple[int, str, aiohttp.ClientResponse]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        async with self.client.post(path, data=form, headers={"Cookie": cookie}, allow_redirects=False) as response:
            self._keep(response)
            return response.status, await response.text(), response


@pytest.fixture
async def staff(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> dict[str, uuid.UUID]:
    async with pool.acquire() as conn:
        patron = await add_patron(conn, asker_policy, clock, hasher, name="Skranke Ansatt")
    return {"kari": patron.patron_id}


@pytest.fixture
async def desk(
    pool: asyncpg.Pool, clock: FixedClock, staff: dict[str, uuid.UUID]
) -> AsyncIterator[tuple[Site, Browser]]:
    site, app = desk_site(pool, clock, staff, secrets.token_bytes(32), LoginLimiter())
    async with TestClient(TestServer(app), cookie_jar=aiohttp.DummyCookieJar()) as client:
        yield site, Browser(client)


def _token(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


async def test_a_third_site_logs_in_with_its_own_cookies_path_and_words(desk: tuple[Site, Browser]) -> None:
    _, browser = desk
    status, page, response = await browser.get("/desk?lang=en")
    assert status == 200
    assert "<h1>The desk</h1>" in page
    assert response.headers["Content-Security-Policy"] == OWN_STYLESHEET_HEADERS["Content-Security-Policy"]
    assert set(browser.cookies) == {"natreg_desk_login", "natreg_desk_lang"}
    assert set(browser.paths.values()) == {"/desk"}

    form = {"csrf": _token(page), "lang": "en", "user": "kari", "password": PASSWORD}
    status, _, response = await browser.post("/desk/login", form)
    assert status == 303
    assert response.headers["Location"] == "/desk/home?lang=en"
    session_cookie = response.cookies["natreg_desk"]
    assert session_cookie["secure"]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Strict"
    assert session_cookie["path"] == "/desk"
    assert "natreg_desk_login" not in browser.cookies  # a fresh binding for the next login
    status, page, _ = await browser.get("/desk/home")
    assert status == 200
    assert "<p>" in page


async def test_the_login_form_needs_the_login_cookie_it_was_made_for(desk: tuple[Site, Browser]) -> None:
    _, browser = desk
    _, page, _ = await browser.get("/desk?lang=nb")
    token = _token(page)
    browser.cookies["natreg_desk_login"] = "another-binding"
    status, page, _ = await browser.post(
        "/desk/login", {"csrf": token, "lang": "nb", "user": "kari", "password": PASSWORD}
    )
    assert status == 400
    assert "Skjemaet er utløpt." in page
    assert "natreg_desk" not in browser.cookies


@pytest.mark.parametrize(
    ("query", "accept", "cookie", "expected"),
    [
        ("", "en-GB,en;q=0.9", None, "en"),
        ("", "de-DE,en;q=0.5", None, "nb"),
        ("", "", "en", "en"),
        ("?lang=nb", "en", "en", "nb"),
        ("?lang=xx", "", None, "nb"),
    ],
)
async def test_the_language_comes_from_the_query_the_cookie_or_the_browser(
    desk: tuple[Site, Browser], query: str, accept: str, cookie: str | None, expected: str
) -> None:
    _, browser = desk
    if cookie is not None:
        browser.cookies["natreg_desk_lang"] = cookie
    _, page, _ = await browser.get(f"/desk{query}", **{"Accept-Language": accept})
    assert f'<html lang="{expected}">' in page
    assert browser.cookies["natreg_desk_lang"] == expected


async def test_refusals_are_in_the_sites_words_with_retry_after(desk: tuple[Site, Browser]) -> None:
    _, browser = desk
    _, page, _ = await browser.get("/desk?lang=en")
    form = {"csrf": _token(page), "lang": "en", "password": "nope"}
    status, page, response = await browser.post("/desk/login", {**form, "user": "kari"})
    assert (status, "Retry-After" in response.headers) == (401, False)
    assert "Wrong user name or password." in page
    status, page, response = await browser.post("/desk/login", {**form, "user": "locked"})
    assert (status, response.headers["Retry-After"]) == (429, "60")
    assert "Wait 60 seconds." in page


async def test_the_limiter_refuses_before_the_sites_login_is_asked(
    pool: asyncpg.Pool, clock: FixedClock, staff: dict[str, uuid.UUID]
) -> None:
    asked: list[str] = []
    one_try = LoginLimiter(per_source=Rate(capacity=1, per_second=1 / 3600))
    _, app = desk_site(pool, clock, staff, secrets.token_bytes(32), one_try, asked)
    async with TestClient(TestServer(app), cookie_jar=aiohttp.DummyCookieJar()) as client:
        browser = Browser(client)
        _, page, _ = await browser.get("/desk?lang=en")
        form = {"csrf": _token(page), "lang": "en", "user": "kari", "password": "nope"}
        assert (await browser.post("/desk/login", form))[0] == 401
        status, page, response = await browser.post("/desk/login", {**form, "password": PASSWORD})
        assert status == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert "Wait" in page
        assert "natreg_desk" not in browser.cookies
    assert asked == ["kari"]  # the refused attempt never reached the site's own login


async def test_sessions_are_held_by_the_server_under_the_sites_own_key(
    desk: tuple[Site, Browser], pool: asyncpg.Pool, clock: FixedClock, staff: dict[str, uuid.UUID]
) -> None:
    _, browser = desk
    _, page, _ = await browser.get("/desk?lang=nb")
    await browser.post("/desk/login", {"csrf": _token(page), "lang": "nb", "user": "kari", "password": PASSWORD})
    saved = browser.cookies["natreg_desk"]

    # A session another site started (same table, its own key) is no session here.
    other_site = SessionStore(secrets.token_bytes(32))
    async with pool.acquire() as conn:
        elsewhere = await other_site.start(conn, staff["kari"], clock.now())
    browser.cookies["natreg_desk"] = other_site.cookie(elsewhere)
    status, _, response = await browser.get("/desk/home")
    assert (status, response.headers["Location"]) == (303, "/desk?expired=1&lang=nb")

    browser.cookies["natreg_desk"] = saved
    _, page, _ = await browser.get("/desk/home")
    status, _, response = await browser.post("/desk/logout", {"csrf": "forged", "lang": "nb"})
    assert (status, response.content_type) == (403, "application/problem+json")  # the site's own answer
    status, _, response = await browser.post("/desk/logout", {"csrf": _token(page), "lang": "nb"})
    assert (status, response.headers["Location"]) == (303, "/desk?logged_out=1&lang=nb")
    browser.cookies["natreg_desk"] = saved  # a copy kept from before the logout
    status, _, response = await browser.get("/desk/home")
    assert (status, response.headers["Location"]) == (303, "/desk?expired=1&lang=nb")


@pytest.mark.parametrize(
    ("words_of_site", "refusals"),
    [
        (insight_texts.TEXTS, insight_site.LOGIN_REFUSALS),
        (minside_texts.TEXTS, minside_views.MINSIDE_LOGIN_REFUSALS),
    ],
    ids=["insight", "minside"],
)
def test_each_site_has_words_for_everything_the_shared_login_says(
    words_of_site: dict[str, dict[Language, str]], refusals: LoginRefusals
) -> None:
    needed = {*SITE_WORDS, *refusals.text_keys()}
    assert needed <= words_of_site.keys()
    assert all(set(words_of_site[key]) == {"nb", "en"} for key in needed)
