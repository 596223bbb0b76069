"""One server-rendered site's login, sessions, CSRF and language: the part every such site of ours shares.

The registry's insight site and the nodes' Min side (and the staff desk to come) each make one :class:`Site`
with their own cookie names and path, session key, words, login page and refusal table, and keep only their
own pages and domain calls. What a site gets from it:

- the language of each request (``plumbing.web.language``), remembered in the site's language cookie;
- the login page with a *pre-session* CSRF token: the page sets a random login cookie and the form carries a
  MAC of it, so a login form cannot be posted from elsewhere even before there is a session;
- the login itself: the form's token checked, an optional check of the input as typed, the login limiter
  (``plumbing.ratelimit``) taken before any PIN or password work, the site's own authentication, a refusal
  shown in the patron's words with ``Retry-After`` where the domain gives one, and a fresh server-held session
  (``plumbing.web.sessions``) at every login, so a token planted before login is worth nothing after it;
- forms after login checked against the session's own token; logging out ends the session on the server;
- every page and redirect with the site's security headers (``plumbing.web.pages``), redirects *returned* so the
  cookies set on them reach the browser.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import asyncpg
from aiohttp import web
from pydantic import ValidationError

from plumbing.errors import DomainError, ErrorKind
from plumbing.ratelimit import LoginLimiter
from plumbing.web.language import Language, choose_language
from plumbing.web.pages import form_fields, set_private_cookie
from plumbing.web.sessions import Session, SessionStore

SITE_WORDS = ("session_expired", "logged_out", "form_expired")
"""The text keys every site's words must have, besides the keys of its :class:`LoginRefusals`."""


class Texts(Protocol):
    """A site's words: ``text(key, language, **values)`` (see :data:`SITE_WORDS`)."""

    def __call__(self, key: str, language: Language, **values: object) -> str: ...


class LoginPage(Protocol):
    """Renders the site's login page (a whole document) with the given form token and messages."""

    def __call__(
        self, request: web.Request, language: Language, csrf: str, *, message: str | None, notice: str | None
    ) -> str: ...


Form = dict[str, str]
Authenticate = Callable[[web.Request, Form], Awaitable[uuid.UUID]]
"""The site's own login: the form's credentials to the id its sessions are for, or a :class:`DomainError`."""


@dataclass(frozen=True)
class SiteCookies:
    """A site's cookie names, distinct per site: browsers do not separate cookies by port, so two sites on one
    host name would otherwise overwrite each other's sessions."""

    session: str
    login: str
    """The pre-session cookie the login form's token is bound to."""
    language: str
    path: str = "/"


@dataclass(frozen=True)
class LoginRefusals:
    """What a refused login tells the patron: a text key and an HTTP status per domain error code."""

    by_code: Mapping[str, tuple[str, int]]
    otherwise: tuple[str, int]
    malformed: tuple[str, int]
    """The input failed the domain's own validation (a pydantic ``ValidationError``)."""
    unavailable: tuple[str, int] | None = None
    """Any error of kind ``UNAVAILABLE`` (a service the login needs is away), if the site logs in through one."""

    def text_keys(self) -> set[str]:
        named = [*self.by_code.values(), self.otherwise, self.malformed]
        return {key for key, _ in named} | ({self.unavailable[0]} if self.unavailable else set())

    def key_and_status(self, error: DomainError) -> tuple[str, int]:
        if self.unavailable is not None and error.kind is ErrorKind.UNAVAILABLE:
            return self.unavailable
        return self.by_code.get(error.code, self.otherwise)


@dataclass(frozen=True)
class Visit:
    """A page asked for by a logged-in patron."""

    session: Session
    language: Language


@dataclass(frozen=True)
class FormPost:
    """A form posted by a logged-in patron with the session's own token."""

    session: Session
    form: Form
    language: Language


@dataclass(frozen=True)
class Site:
    start_path: str
    """The login page (where an expired session and a logout lead)."""
    home_path: str
    """Where a login leads."""
    cookies: SiteCookies
    security_headers: Mapping[str, str]
    sessions: SessionStore
    limiter: LoginLimiter
    pool: Callable[[], asyncpg.Pool]
    """The database the site's sessions live in (looked up per request: the pool is made at startup)."""
    now: Callable[[], dt.datetime]
    text: Texts
    login_page: LoginPage
    refusals: LoginRefusals
    form_refused: Callable[[web.Request, Session, Language], web.Response]
    """The answer to a logged-in form with a wrong token (a page, or a raised problem)."""

    # Language, cookies and responses.

    def language(self, request: web.Request, form_value: object = None) -> Language:
        return choose_language(request, self.cookies.language, form_value)

    def set_cookie(self, response: web.StreamResponse, name: str, value: str) -> None:
        set_private_cookie(response, name, value, path=self.cookies.path)

    def page(self, body: str, language: Language, *, status: int = 200) -> web.Response:
        """An HTML page; its language is remembered for the next request."""
        response = web.Response(text=body, content_type="text/html", charset="utf-8", status=status)
        response.headers.update(self.security_headers)
        self.set_cookie(response, self.cookies.language, language)
        return response

    def redirect(self, location: str) -> web.Response:
        # Returned, not raised: the cookies set on it must reach the browser, and every response gets the headers.
        response = web.Response(status=303, headers={"Location": location})
        response.headers.update(self.security_headers)
        return response

    # Sessions.

    async def session(self, request: web.Request) -> Session | None:
        async with self.pool().acquire() as connection:
            return await self.sessions.resume(connection, request.cookies.get(self.cookies.session), self.now())

    def expired(self, language: Language) -> web.Response:
        """Back to the login page with "your session has expired"; the dead cookie goes."""
        response = self.redirect(f"{self.start_path}?expired=1&lang={language}")
        response.del_cookie(self.cookies.session, path=self.cookies.path)
        return response

    async def visit(self, request: web.Request) -> Visit | web.Response:
        """The session and language of a logged-in page, or the way back to the login page."""
        language = self.language(request)
        session = await self.session(request)
        if session is None:
            return self.expired(language)
        return Visit(session, language)

    def form_token(self, session: Session) -> str:
        return self.sessions.session_form_token(session)

    async def session_form(self, request: web.Request) -> FormPost | web.Response:
        """The posted form of a logged-in patron, or the answer that refuses it (expired session, wrong token)."""
        form = await form_fields(request)
        language = self.language(request, form.get("lang"))
        session = await self.session(request)
        if session is None:
            return self.expired(language)
        if not self.sessions.session_form_valid(session, form.get("csrf")):
            return self.form_refused(request, session, language)
        return FormPost(session, form, language)

    # Logging in and out.

    def login_response(
        self, request: web.Request, language: Language, *, message: str | None = None, notice: str | None = None,
        status: int = 200, login_page: LoginPage | None = None,
    ) -> web.Response:  # fmt: skip
        """The login page, its form bound to the login cookie (a new one unless the browser has one).

        ``login_page`` renders another page whose forms come before a session (the library-service login and its
        consent page) instead of the site's own login page.
        """
        binding = request.cookies.get(self.cookies.login) or secrets.token_urlsafe(16)
        csrf = self.sessions.login_form_token(binding)
        page = (login_page or self.login_page)(request, language, csrf, message=message, notice=notice)
        response = self.page(page, language, status=status)
        self.set_cookie(response, self.cookies.login, binding)
        return response

    async def start_page(self, request: web.Request) -> web.Response:
        """The login page, or home if already logged in; after a logout or an expired session it says so."""
        language = self.language(request)
        if await self.session(request) is not None:
            return self.redirect(f"{self.home_path}?lang={language}")
        message = self.text("session_expired", language) if "expired" in request.query else None
        notice = self.text("logged_out", language) if "logged_out" in request.query else None
        return self.login_response(request, language, message=message, notice=notice)

    def refusal(self, error: DomainError, language: Language) -> tuple[str, int]:
        """A refused login (or PIN) in the patron's words, and its status."""
        key, status = self.refusals.key_and_status(error)
        return self.text(key, language, seconds=error.retry_after_seconds or 0), status

    async def log_in(
        self, request: web.Request, authenticate: Authenticate,
        refuse_as_typed: Callable[[Form], str | None] = lambda _: None,
    ) -> web.Response:  # fmt: skip
        """The login form's post: ``refuse_as_typed`` names the text key for input that cannot be right as typed
        (checked before the limiter counts the attempt), ``authenticate`` is the site's own check."""
        form = await form_fields(request)
        language = self.language(request, form.get("lang"))
        if not self.sessions.login_form_valid(request.cookies.get(self.cookies.login), form.get("csrf")):
            return self.login_response(request, language, message=self.text("form_expired", language), status=400)
        typing_error = refuse_as_typed(form)
        if typing_error is not None:
            return self.login_response(request, language, message=self.text(typing_error, language), status=422)
        try:
            self.limiter.check(request.remote, self.now().timestamp())
            subject = await authenticate(request, form)
        except ValidationError:
            key, status = self.refusals.malformed
            return self.login_response(request, language, message=self.text(key, language), status=status)
        except DomainError as error:
            message, status = self.refusal(error, language)
            return with_retry_after(self.login_response(request, language, message=message, status=status), error)
        response = self.redirect(f"{self.home_path}?lang={language}")
        async with self.pool().acquire() as connection:
            session = await self.sessions.start(connection, subject, self.now())
        self.set_cookie(response, self.cookies.session, self.sessions.cookie(session))
        response.del_cookie(self.cookies.login, path=self.cookies.path)
        return response

    async def log_out(self, request: web.Request) -> web.Response:
        """Ends the session on the server, so a saved copy of the cookie is worth nothing afterwards."""
        post = await self.session_form(request)
        if isinstance(post, web.Response):
            return post
        async with self.pool().acquire() as connection:
            await self.sessions.end(connection, post.session)
        response = self.redirect(f"{self.start_path}?logged_out=1&lang={post.language}")
        response.del_cookie(self.cookies.session, path=self.cookies.path)
        return response


def with_retry_after(response: web.Response, error: DomainError) -> web.Response:
    if error.retry_after_seconds:
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response
