"""HTTP views of "get a library card": sign in with ID-porten, then the form, then the card.

The steps, all plain GETs and one form POST:

1. ``/minside/new-card``: what it is; start as oneself, or as a guardian for a child.
2. ``/minside/new-card/start``: a fresh ``state``, ``nonce`` and PKCE verifier sealed into a cookie; off to
   the provider's authorization endpoint.
3. ``/minside/new-card/callback``: the state must match the cookie; the code is redeemed (once: the provider
   refuses a replay) and the id token checked (signature, issuer, audience, expiry, nonce, level). The
   verified person goes into a second sealed cookie, and the browser on to the form (so a reload of the
   callback, with its spent code, is never needed).
4. ``/minside/new-card/form``: rules, contact details, PIN, national or local card (and, for a guardian,
   the child's national ID and the guardian's own name and contact); posted back with a CSRF token bound to
   the person cookie. A national card is registered through the outbox and given the desk's bounded wait,
   so the patron normally leaves with the card number.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import ValidationError

from local_library.app_keys import CLOCK, EID_COOKIES, EID_RELYING_PARTY, PIN_HASHER, POLICY, REGISTRY_LINK, SETTINGS
from local_library.app_keys import MINSIDE_SITE as SITE
from local_library.eid.flow import FLOW_COOKIE, FLOW_SECONDS, PERSON_COOKIE, PERSON_SECONDS, SealedCookies
from local_library.eid.registration import SelfRegistration, register_signed_in
from local_library.eid.relying_party import EidConfig, EidRelyingParty, FlowState
from local_library.registry_link.at_desk import outcome_after_delivery
from local_library.web import transaction
from plumbing.errors import DomainError
from plumbing.keys.layout import KeyLayout
from plumbing.web.pages import form_fields

from . import new_card_pages as pages
from .pages import PageContext
from .texts import Language, text

_CHILD = "child"


def _context(request: web.Request, language: Language, csrf: str = "", here: str = pages.NEW_CARD) -> PageContext:
    app = request.app
    return PageContext(
        language=language, policy=app[POLICY], csrf=csrf, zone=ZoneInfo(app[SETTINGS].timezone), here=here
    )


def _redirect_uri(request: web.Request) -> str:
    configured = request.app[SETTINGS].eid_redirect_uri
    return configured or f"https://{request.host}{pages.NEW_CARD}/callback"


def _refused(request: web.Request, language: Language, code: str, status: int) -> web.Response:
    words = pages.refusal_words(code, language, request.app[POLICY])
    return request.app[SITE].page(pages.refusal_page(_context(request, language), words), language, status=status)


async def intro(request: web.Request) -> web.Response:
    site = request.app[SITE]
    language = site.language(request)
    offered = request.app.get(EID_RELYING_PARTY) is not None
    return site.page(pages.intro_page(_context(request, language), offered=offered), language)


async def start(request: web.Request) -> web.Response:
    site = request.app[SITE]
    language = site.language(request)
    relying_party = request.app.get(EID_RELYING_PARTY)
    if relying_party is None:
        return site.page(pages.intro_page(_context(request, language), offered=False), language, status=404)
    flow = FlowState.new(redirect_uri=_redirect_uri(request))
    try:
        location = await relying_party.authorization_url(flow, ui_locale=language)
    except DomainError as error:
        return _refused(request, language, error.code, 503)
    response = site.redirect(location)
    sealed = {**flow.as_dict(), "for": _CHILD if request.query.get("for") == _CHILD else "self", "lang": language}
    _set_cookie(request, response, FLOW_COOKIE, sealed, max_age_seconds=FLOW_SECONDS)
    return response


async def callback(request: web.Request) -> web.Response:
    site = request.app[SITE]
    cookies = request.app[EID_COOKIES]
    relying_party = request.app.get(EID_RELYING_PARTY)
    sealed = cookies.open(request.cookies.get(FLOW_COOKIE), max_age_seconds=FLOW_SECONDS)
    language = site.language(request, None if sealed is None else sealed.get("lang"))
    if relying_party is None or sealed is None:
        return _refused(request, language, "eid_state_mismatch", 400)
    flow = FlowState.from_dict(sealed)
    try:
        login = await relying_party.finish(flow, dict(request.query))
    except DomainError as error:
        status = 503 if error.code == "eid_unavailable" else 400
        response = _refused(request, language, error.code, status)
        if error.code != "eid_unavailable":
            _clear_cookie(response, FLOW_COOKIE)  # this sign-in is spent; only starting again helps
        return response
    response = site.redirect(f"{pages.NEW_CARD}/form?lang={language}")
    _clear_cookie(response, FLOW_COOKIE)
    person = {"pid": login.person.pid, "id_token": login.id_token, "for": sealed.get("for", "self"), "key": _binding()}
    _set_cookie(request, response, PERSON_COOKIE, person, max_age_seconds=PERSON_SECONDS)
    return response


def _set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, data: dict[str, Any], *, max_age_seconds: int
) -> None:
    """SameSite=Lax, not Strict: the provider's redirect back is a cross-site navigation that must carry it."""
    sealed = request.app[EID_COOKIES].seal(data)
    response.set_cookie(
        name, sealed, secure=True, httponly=True, samesite="Lax", path=pages.NEW_CARD, max_age=max_age_seconds
    )


def _clear_cookie(response: web.StreamResponse, name: str) -> None:
    response.del_cookie(name, path=pages.NEW_CARD, secure=True, httponly=True, samesite="Lax")


def _binding() -> str:
    """A random value in the person cookie that the form's CSRF token is bound to."""
    return uuid.uuid4().hex


def _person(request: web.Request) -> dict[str, Any] | None:
    person = request.app[EID_COOKIES].open(request.cookies.get(PERSON_COOKIE), max_age_seconds=PERSON_SECONDS)
    if person is None or not isinstance(person.get("pid"), str) or not isinstance(person.get("key"), str):
        return None
    return person


async def form(request: web.Request) -> web.Response:
    site = request.app[SITE]
    language = site.language(request)
    person = _person(request)
    if person is None:
        return _refused(request, language, "session_gone", 400)
    ctx = _context(request, language, site.sessions.csrf_token(person["key"]), f"{pages.NEW_CARD}/form")
    return site.page(pages.form_page(ctx, for_child=person["for"] == _CHILD), language)


def _kept_values(posted: dict[str, str]) -> dict[str, str]:
    """What the form shows again after a refusal: never a PIN or a national ID."""
    return {key: value for key, value in posted.items() if key not in {"pin", "pin_again", "child_national_id"}}


async def submit(request: web.Request) -> web.Response:
    app = request.app
    site = app[SITE]
    try:
        posted = await form_fields(request)
    except DomainError as error:  # a control character or a body that is not UTF-8: a page, never a problem+json
        return _refused(request, site.language(request), error.code, 422)
    language = site.language(request, posted.get("lang"))
    person = _person(request)
    if person is None:
        return _refused(request, language, "session_gone", 400)
    csrf = site.sessions.csrf_token(person["key"])
    ctx = _context(request, language, csrf, f"{pages.NEW_CARD}/form")
    for_child = person["for"] == _CHILD
    if not site.sessions.csrf_valid(person["key"], posted.get("csrf")):
        return _refused(request, language, "form_expired", 403)
    fields = {key: value for key, value in posted.items() if key not in {"csrf", "lang"} and value != ""}
    if not for_child:
        fields = {key: value for key, value in fields.items() if key not in {"child_national_id", "guardian_name",
                                                                            "guardian_contact"}}  # fmt: skip
    try:
        registration = SelfRegistration.model_validate(fields)
    except ValidationError as error:
        errors = {
            str(problem["loc"][0]) if problem["loc"] else "preferred_contact": text("field_invalid", language)
            for problem in error.errors()
        }
        page = pages.form_page(ctx, for_child=for_child, values=_kept_values(posted), errors=errors,
                               message=text("new_card_check_fields", language))  # fmt: skip
        return site.page(page, language, status=422)
    link = app[REGISTRY_LINK]
    try:
        async with transaction(request) as conn:
            patron = await register_signed_in(
                conn, link.cipher, app[PIN_HASHER], app[POLICY], app[CLOCK], signed_in_pid=person["pid"],
                id_token=person["id_token"], form=registration,
            )  # fmt: skip
    except DomainError as error:
        words = pages.refusal_words(error.code, language, app[POLICY])
        field = pages.CODE_FIELDS.get(error.code)
        page = pages.form_page(ctx, for_child=for_child, values=_kept_values(posted),
                               errors={field: words} if field else {}, message=words)  # fmt: skip
        return site.page(page, language, status=422)
    card_number, state = patron.card_number, "done"
    if patron.kind == "national":
        try:
            outcome = await outcome_after_delivery(link, patron.patron_id)
        except DomainError as error:
            if error.code != "already_registered_here":
                raise
            card_number = error.extra["patron"]["card_number"]  # already a card holder here: that card
        else:
            state = outcome.registry
            card_number = None if outcome.patron is None else outcome.patron.card_number
    response = site.page(pages.done_page(ctx, card_number=card_number, state=state), language)
    _clear_cookie(response, PERSON_COOKIE)  # the sign-in is used up: the national ID leaves the browser
    return response


def add_new_card_routes(app: web.Application) -> None:
    """The pages, the sealed cookies' key, and the relying party when an eID provider is configured."""
    settings = app[SETTINGS]
    key_file = KeyLayout(settings.keys_dir).library_dir(settings.library_id) / "eid-cookies.key"
    app[EID_COOKIES] = SealedCookies.from_key_file(key_file)
    if settings.eid_issuer and settings.eid_client_id and settings.eid_client_secret_file:
        config = EidConfig(
            issuer=settings.eid_issuer, client_id=settings.eid_client_id,
            client_secret=settings.eid_client_secret_file.read_text(encoding="utf-8").strip(),
            acr_values=settings.eid_acr_values, ca_file=settings.eid_ca_file,
            timeout_seconds=settings.eid_timeout_seconds,
        )  # fmt: skip
        app[EID_RELYING_PARTY] = EidRelyingParty(config)

        async def close_relying_party(app: web.Application) -> AsyncIterator[None]:
            yield
            await app[EID_RELYING_PARTY].close()

        app.cleanup_ctx.append(close_relying_party)
    app.router.add_get(pages.NEW_CARD, intro)
    app.router.add_get(f"{pages.NEW_CARD}/start", start)
    app.router.add_get(f"{pages.NEW_CARD}/callback", callback)
    app.router.add_get(f"{pages.NEW_CARD}/form", form)
    app.router.add_post(f"{pages.NEW_CARD}/form", submit)
