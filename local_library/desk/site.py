"""The staff desk's login, sessions and frame (``plumbing.web.site``) and what every desk view uses: the
logged-in staff member and the page context of a request, role checks, pages and redirects.

Views of the desk's pages (circulation, patrons, registry status) start with :func:`desk_visit` (a GET) or
:func:`desk_post` (a form, its CSRF token checked against the session) and answer with :func:`desk_page`
or :func:`desk_redirect` (post/redirect/get, so a reload repeats nothing).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiohttp import web

from local_library.app_keys import CLOCK, DESK_SITE, POLICY, POOL, SETTINGS, STAFF_HASHER, STAFF_LOGIN_LIMITER
from local_library.staff.accounts import authenticate_staff, staff_for_session
from local_library.staff.models import StaffMember
from plumbing.errors import DomainError, ErrorKind
from plumbing.web.pages import OWN_STYLESHEET_HEADERS
from plumbing.web.sessions import Session
from plumbing.web.site import Form, LoginRefusals, Site

from . import pages
from .sessions import COOKIES, desk_sessions
from .texts import Language, text

DESK_LOGIN_REFUSALS = LoginRefusals(
    by_code={"login_failed": ("login_failed", 401), "login_rate_limited": ("too_many_attempts", 429)},
    otherwise=("login_failed", 401),
    malformed=("login_malformed", 401),
)


def desk_site(app: web.Application) -> Site:
    """The desk's login, sessions and language on a node app built by ``create_app``.

    The login limiter is the staff API's (``STAFF_LOGIN_LIMITER``): the same passwords behind two doors
    count against one budget. The pool and clock are looked up per request (made at startup; tests swap
    the clock).
    """

    def login_page(
        request: web.Request, language: Language, csrf: str, *, message: str | None, notice: str | None
    ) -> str:
        return pages.login_page(context(request, language, csrf, pages.LOGIN), message_text=message, notice_text=notice)

    def now() -> dt.datetime:
        return app[CLOCK].now()

    def form_refused(request: web.Request, session: Session, language: Language) -> web.Response:
        ctx = context(request, language, request.app[DESK_SITE].form_token(session), pages.CIRCULATION)
        return request.app[DESK_SITE].page(
            pages.message_page(ctx, text("form_expired", language)), language, status=403
        )

    return Site(
        start_path=pages.LOGIN, home_path=pages.CIRCULATION, cookies=COOKIES,
        security_headers=OWN_STYLESHEET_HEADERS, sessions=desk_sessions(app[SETTINGS]),
        limiter=app[STAFF_LOGIN_LIMITER], pool=lambda: app[POOL], now=now, text=text, login_page=login_page,
        refusals=DESK_LOGIN_REFUSALS, form_refused=form_refused,
    )  # fmt: skip


def context(
    request: web.Request, language: Language, csrf: str, here: str, staff: StaffMember | None = None
) -> pages.DeskContext:
    app = request.app
    return pages.DeskContext(
        language=language, policy=app[POLICY], csrf=csrf, zone=ZoneInfo(app[SETTINGS].timezone), here=here,
        staff=staff,
    )  # fmt: skip


@dataclass(frozen=True)
class Desk:
    """A logged-in staff member's request: who, the page context (language, form token), the posted form."""

    staff: StaffMember
    session: Session
    ctx: pages.DeskContext
    form: Form

    @property
    def language(self) -> Language:
        return self.ctx.language


async def _staff_of(request: web.Request, session: Session) -> StaffMember | None:
    site = request.app[DESK_SITE]
    async with request.app[POOL].acquire() as conn:
        staff = await staff_for_session(conn, session.subject)
        if staff is None:  # the account was deactivated while logged in: its session ends now
            await site.sessions.end(conn, session)
    return staff


async def desk_visit(request: web.Request) -> Desk | web.Response:
    """The staff member and context of a desk page (GET), or the way to the login page."""
    site = request.app[DESK_SITE]
    if COOKIES.session not in request.cookies:  # a first visit is not an "expired session"
        return site.redirect(f"{pages.LOGIN}?lang={site.language(request)}")
    visit = await site.visit(request)
    if isinstance(visit, web.Response):
        return visit
    staff = await _staff_of(request, visit.session)
    if staff is None:
        return site.expired(visit.language)
    ctx = context(request, visit.language, site.form_token(visit.session), request.path_qs, staff)
    return Desk(staff, visit.session, ctx, {})


async def desk_post(request: web.Request, back: str) -> Desk | web.Response:
    """The staff member and form of a desk form's post (token checked), or the answer that refuses it;
    ``back`` is the page the post belongs to (its language switch and "back" link)."""
    site = request.app[DESK_SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    staff = await _staff_of(request, post.session)
    if staff is None:
        return site.expired(post.language)
    ctx = context(request, post.language, site.form_token(post.session), back, staff)
    return Desk(staff, post.session, ctx, post.form)


def desk_page(request: web.Request, desk: Desk, title: str, body: str, *, section: str | None,
              status: int = 200) -> web.Response:  # fmt: skip
    """A whole desk page in the frame (``body`` is HTML, ``title`` plain text)."""
    return request.app[DESK_SITE].page(pages.layout(desk.ctx, title, body, section=section), desk.language,
                                       status=status)  # fmt: skip


def desk_redirect(request: web.Request, desk: Desk, path: str) -> web.Response:
    return request.app[DESK_SITE].redirect(desk.ctx.with_lang(path))


def admin_refused(request: web.Request, desk: Desk, back: str) -> web.Response | None:
    """A page saying the admin role is needed, unless the staff member has it."""
    if desk.staff.is_admin:
        return None
    ctx = desk.ctx
    page = pages.message_page(ctx, text("admin_required", ctx.language), back=back)
    return request.app[DESK_SITE].page(page, desk.language, status=403)


# The login and logout, and the stylesheet.


async def login_page(request: web.Request) -> web.Response:
    return await request.app[DESK_SITE].start_page(request)


def _typing_error(form: Form) -> str | None:
    if not form.get("username", "").strip() or not form.get("password", ""):
        return "missing_fields"
    return None


async def _authenticate(request: web.Request, form: Form) -> uuid.UUID:
    username = form.get("username", "").strip().lower()
    password = form.get("password", "")
    if len(username) > 64 or len(password) > 256:  # nothing that long is an account; no hashing work for it
        raise DomainError(ErrorKind.UNAUTHENTICATED, "login_failed", "wrong username or password")
    async with request.app[POOL].acquire() as conn:
        return await authenticate_staff(conn, request.app[STAFF_HASHER], username, password)


async def log_in(request: web.Request) -> web.Response:
    return await request.app[DESK_SITE].log_in(request, _authenticate, _typing_error)


async def log_out(request: web.Request) -> web.Response:
    return await request.app[DESK_SITE].log_out(request)


async def stylesheet(request: web.Request) -> web.Response:
    response = web.Response(text=pages.STYLESHEET, content_type="text/css", charset="utf-8")
    response.headers.update(OWN_STYLESHEET_HEADERS)
    return response
