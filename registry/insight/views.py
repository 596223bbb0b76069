"""HTTP views of the insight site. Login, sessions (rows in the registry's database), CSRF and language are the
shared site plumbing (``plumbing.web.site``) with the insight site's cookies and words (``site.py``); logins are
limited per source address and overall (``plumbing.ratelimit``) before any PIN work."""

from __future__ import annotations

import json
import uuid

from aiohttp import web

from plumbing.errors import DomainError, ErrorKind
from plumbing.web.language import Language
from plumbing.web.sessions import Session
from plumbing.web.site import Form, with_retry_after
from registry.app_keys import INSIGHT_CONTROLLER as CONTROLLER
from registry.app_keys import INSIGHT_CORE_PROVIDER as CORE_PROVIDER
from registry.app_keys import INSIGHT_LIBRARY_NAMES as LIBRARY_NAMES
from registry.app_keys import INSIGHT_SITE as SITE
from registry.app_keys import PAGE_TIME_ZONE
from registry.insight import pages
from registry.insight import service as insight
from registry.insight.texts import text
from registry.oidc.texts import text as service_text


async def start_page(request: web.Request) -> web.Response:
    return await request.app[SITE].start_page(request)


async def _authenticate(request: web.Request, form: Form) -> uuid.UUID:
    card_number, pin = form.get("card_number", "").strip(), form.get("pin", "")
    return await insight.log_in(request.app[CORE_PROVIDER](), card_number, pin)


async def log_in(request: web.Request) -> web.Response:
    return await request.app[SITE].log_in(request, _authenticate)


async def _page_for(
    request: web.Request, session: Session, language: Language, *, reveal: bool, message: str | None = None,
    status: int = 200,
) -> web.Response:  # fmt: skip
    site = request.app[SITE]
    try:
        data = await insight.view(request.app[CORE_PROVIDER](), session.patron_id, reveal=reveal)
    except DomainError as error:
        if error.kind is ErrorKind.NOT_FOUND:  # erased while logged in
            return site.expired(language)
        raise
    notice = text("deletion_filed", language) if "filed" in request.query else None
    if "withdrawn" in request.query:
        notice = service_text("service_withdrawn", language)
    page = pages.insight_page(
        language, data, site.form_token(session), controller=request.app[CONTROLLER], zone=request.app[PAGE_TIME_ZONE],
        notice=notice, message=message, library_names=request.app[LIBRARY_NAMES],
    )  # fmt: skip
    return site.page(page, language, status=status)


async def my_data(request: web.Request) -> web.Response:
    visit = await request.app[SITE].visit(request)
    if isinstance(visit, web.Response):
        return visit
    return await _page_for(request, visit.session, visit.language, reveal=False)


async def reveal(request: web.Request) -> web.Response:
    """The full national ID, only after the PIN is given again (counted like a login attempt)."""
    site = request.app[SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    try:
        site.limiter.check(request.remote, site.now().timestamp())
        await insight.confirm_pin(request.app[CORE_PROVIDER](), post.session.patron_id, post.form.get("pin", ""))
    except DomainError as error:
        if error.kind is ErrorKind.NOT_FOUND:
            raise
        message, status = site.refusal(error, post.language)
        page = await _page_for(request, post.session, post.language, reveal=False, message=message, status=status)
        return with_retry_after(page, error)
    return await _page_for(request, post.session, post.language, reveal=True)


async def export_json(request: web.Request) -> web.Response:
    visit = await request.app[SITE].visit(request)
    if isinstance(visit, web.Response):
        return visit
    document = await insight.export(request.app[CORE_PROVIDER](), visit.session.patron_id)
    return web.Response(
        text=json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="natreg-my-data.json"'},
    )


async def confirm_deletion(request: web.Request) -> web.Response:
    """The confirmation step on its own address, so its language switch (a link) opens it again."""
    site = request.app[SITE]
    visit = await site.visit(request)
    if isinstance(visit, web.Response):
        return visit
    page = pages.deletion_confirmation_page(
        visit.language, site.form_token(visit.session), controller=request.app[CONTROLLER]
    )
    return site.page(page, visit.language)


async def request_deletion(request: web.Request) -> web.Response:
    """Two steps: the first press shows what will happen; only the confirmation's own press files the request."""
    site = request.app[SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    if post.form.get("confirmed") != "yes":
        page = pages.deletion_confirmation_page(
            post.language, site.form_token(post.session), controller=request.app[CONTROLLER]
        )
        return site.page(page, post.language)
    await insight.request_deletion(request.app[CORE_PROVIDER](), post.session.patron_id)
    return site.redirect(f"/me?filed=1&lang={post.language}")


async def withdraw_service(request: web.Request) -> web.Response:
    """The patron takes back a library service's access (``registry.oidc``)."""
    site = request.app[SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    await insight.withdraw_service(request.app[CORE_PROVIDER](), post.session.patron_id, post.form.get("service", ""))
    return site.redirect(f"/me?withdrawn=1&lang={post.language}")


async def log_out(request: web.Request) -> web.Response:
    return await request.app[SITE].log_out(request)


async def privacy(request: web.Request) -> web.Response:
    site = request.app[SITE]
    language = site.language(request)
    return site.page(pages.privacy_page(language, controller=request.app[CONTROLLER]), language)
