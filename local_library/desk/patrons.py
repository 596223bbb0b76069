"""The desk's patron pages under ``/staff/patrons``: find a patron, register one (local, institution, minor,
national), link a national card holder from another library, and act on one patron (correct contact data,
set a PIN, report a lost card, upgrade to national, opt out to local, file a deletion request or death
notice, block), with the receipt the patron is owed.

One domain path, two doors: every action calls the same domain functions as the staff JSON API
(``local_library.patrons``, ``local_library.registry_link.national`` and ``.at_desk``); views only parse the
form, call one of them, and answer with a page. After a change the browser is sent on (post/redirect/get),
and the patron page reads, when it is shown, whether the registry has what was queued for it.
"""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from aiohttp import web
from pydantic import ValidationError

from local_library.app_keys import CLOCK, PIN_HASHER, POLICY, POOL, REGISTRY, REGISTRY_LINK
from local_library.meraapent.doors import access_agreement, record_access_agreement, withdraw_access_agreement
from local_library.patrons.cards import (
    change_contact,
    change_pin,
    register_institution,
    register_person,
    replace_lost_card,
    set_blocked_by_staff,
)
from local_library.patrons.models import ContactDetails, InstitutionRegistration, Patron, PersonRegistration
from local_library.patrons.queries import SEARCH_LIMIT, find_patrons, patron_by_id
from local_library.policy import needs_guardian, new_card_fee
from local_library.registry_link import choices, national
from local_library.registry_link.at_desk import (
    CardLookup,
    link_card_holder,
    opt_out_present_patron,
    outcome_after_delivery,
)
from local_library.registry_link.queries import (
    patron_outbox_state,
    registry_request_of_patron,
    registry_requests_of_patron,
)
from local_library.web import transaction
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import STATUS_BY_KIND
from plumbing.text import CONTROL_CHARACTER, has_control_character
from registry_contract.ages import age_on
from registry_contract.models import ContactUpdate

from . import patron_pages as html
from .pages import PATRONS
from .patron_forms import (
    FormState,
    address_from,
    from_domain_error,
    from_validation_error,
    guardian_from,
    present,
    with_values,
)
from .site import Desk, desk_page, desk_post, desk_redirect, desk_visit
from .texts import text

KINDS = ("local", "institution", "national")
# Never shown again on a form that comes back with an error: PINs and the national ID are typed anew.
SECRET_FIELDS = frozenset({"pin", "pin_again", "national_pin", "national_id", "csrf"})


def _page(request: web.Request, desk: Desk, title_key: str, body: str, *, status: int = 200) -> web.Response:
    return desk_page(request, desk, text(title_key, desk.language), body, section="patrons", status=status)


def _message_page(request: web.Request, desk: Desk, key: str, *, status: int, back: str = PATRONS) -> web.Response:
    ctx = desk.ctx
    body = (
        f'<h1>{ctx.t("patrons_heading")}</h1><p class="message" role="alert">{ctx.t(key)}</p>'
        f'<p><a href="{escape(ctx.with_lang(back))}">{ctx.t("back")}</a></p>'
    )
    return _page(request, desk, "patrons_heading", body, status=status)


def _not_found(request: web.Request, desk: Desk) -> web.Response:
    return _message_page(request, desk, "not_found_page", status=404)


def _kept(form: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in form.items() if name not in SECRET_FIELDS}


def _refused_state(
    request: web.Request, desk: Desk, error: Exception, *, presence_pin: str = "pin"
) -> tuple[FormState, int]:
    """The form again with the refusal in words, and the status to answer it with."""
    age = request.app[POLICY].cards.guardian_signature_under
    if isinstance(error, ValidationError):
        return from_validation_error(error, _kept(desk.form), desk.language, age=age), 422
    assert isinstance(error, DomainError)
    state = from_domain_error(error, _kept(desk.form), desk.language, presence_pin=presence_pin, age=age)
    return state, STATUS_BY_KIND[error.kind]


def _same_pin_twice(form: Mapping[str, str]) -> str:
    """The new PIN, typed twice alike (the patron types it at the desk's keypad; a slip must not lock them out)."""
    pin = form.get("pin", "")
    if pin != form.get("pin_again", ""):
        raise DomainError(ErrorKind.INVALID, "pins_differ", "the two PINs differ")
    return pin


async def _posted(request: web.Request, back: str) -> Desk | web.Response:
    """The staff member and form of a post (``desk_post``); a form the node cannot read as plain single-line
    text (a pasted tab or line break) is refused with a page saying so, not a machine's answer."""
    try:
        return await desk_post(request, back)
    except DomainError as error:
        if error.code not in {CONTROL_CHARACTER, "form_encoding"}:
            raise
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    return _message_page(request, desk, "code_control_character", status=422, back=back)


# Finding patrons.


async def patrons_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    query = request.query.get("q", "").strip()[:200]
    found: list[Patron] | None = None
    if query and not has_control_character(query):
        async with request.app[POOL].acquire() as conn:
            found = await find_patrons(conn, query)
        if len(found) == 1 and (found[0].card_number or "").upper() == query.upper():  # a scanned card: go there
            return desk_redirect(request, desk, html.patron_path(found[0].patron_id))
    elif query:
        found = []
    return _page(request, desk, "patrons_heading", html.search_body(desk.ctx, query, found, limit=SEARCH_LIMIT))


# Registering patrons.


def _person(form: Mapping[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = present(
        form, "name", "birth_date", "email", "phone", "postal_address", "preferred_contact"
    )
    guardian = guardian_from(form)
    if guardian is not None:
        fields["guardian"] = guardian
    return fields


async def _register_local(request: web.Request, form: Mapping[str, str]) -> Patron:
    pin = _same_pin_twice(form)
    body = PersonRegistration.model_validate(_person(form) | ({"pin": pin} if pin else {}))
    app = request.app
    async with transaction(request) as conn:
        return await register_person(conn, app[POLICY], app[CLOCK], app[PIN_HASHER], body)


async def _register_institution(request: web.Request, form: Mapping[str, str]) -> Patron:
    pin = _same_pin_twice(form)
    fields = present(form, "institution_name", "responsible_person", "email", "phone", "postal_address",
                     "preferred_contact")  # fmt: skip
    body = InstitutionRegistration.model_validate(fields | ({"pin": pin} if pin else {}))
    async with transaction(request) as conn:
        return await register_institution(conn, request.app[POLICY], request.app[PIN_HASHER], body)


async def _register_national(request: web.Request, form: Mapping[str, str]) -> Patron:
    pin = _same_pin_twice(form)
    # Birth date and gender come from the national ID; only a number issued under the 2032 rules needs them given.
    fields = _person(form) | present(form, "gender")
    fields.pop("postal_address", None)
    phone = fields.pop("phone", None)
    addresses = address_from(form)
    body = national.NationalRegistration.model_validate(
        fields | {"national_id": form.get("national_id", ""), "pin": pin}
        | ({"phone_numbers": [phone]} if phone else {}) | ({"addresses": addresses} if addresses else {})
    )  # fmt: skip
    app = request.app
    async with transaction(request) as conn:
        return await national.register_national(conn, app[REGISTRY_LINK].cipher, app[POLICY], app[CLOCK], body)


REGISTRATIONS: Mapping[str, Callable[[web.Request, Mapping[str, str]], Awaitable[Patron]]] = {
    "local": _register_local,
    "institution": _register_institution,
    "national": _register_national,
}


async def registration_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    kind = request.match_info["kind"]
    if kind not in KINDS:
        return _not_found(request, desk)
    return _page(request, desk, f"new_{kind}", html.registration_body(desk.ctx, kind, FormState()))


async def register(request: web.Request) -> web.Response:
    kind = request.match_info["kind"]
    desk = await _posted(request, f"{PATRONS}/new/{kind}")
    if isinstance(desk, web.Response):
        return desk
    if kind not in KINDS:
        return _not_found(request, desk)
    try:
        patron = await REGISTRATIONS[kind](request, desk.form)
    except (ValidationError, DomainError) as error:
        state, status = _refused_state(request, desk, error)
        return _page(request, desk, f"new_{kind}", html.registration_body(desk.ctx, kind, state), status=status)
    if kind == "national":
        return await _after_registry_write(request, desk, patron, "registered")
    return desk_redirect(request, desk, f"{html.patron_path(patron.patron_id)}?done=registered")


async def _after_registry_write(request: web.Request, desk: Desk, patron: Patron, done: str) -> web.Response:
    """After a change queued for the registry: the desk's bounded wait for delivery, then the patron page."""
    try:
        outcome = await outcome_after_delivery(request.app[REGISTRY_LINK], patron.patron_id)
    except DomainError as error:
        if error.code != "already_registered_here":
            raise
        existing = error.extra["patron"]["patron_id"]
        return desk_redirect(request, desk, f"{html.patron_path(existing)}?done=already_registered")
    if outcome.patron is None:  # gone meanwhile (erased at the registry)
        return desk_redirect(request, desk, PATRONS)
    return desk_redirect(request, desk, f"{html.patron_path(patron.patron_id)}?done={done}")


# Linking a national card holder from another library.


async def link_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    return _page(request, desk, "new_link", html.link_body(desk.ctx, FormState()))


async def link(request: web.Request) -> web.Response:
    desk = await _posted(request, f"{PATRONS}/link")
    if isinstance(desk, web.Response):
        return desk
    try:
        lookup = CardLookup.model_validate(present(desk.form, "card_number") | {"pin": desk.form.get("pin", "")})
        patron = await link_card_holder(request.app[POOL], request.app[REGISTRY], lookup)
    except (ValidationError, DomainError) as error:
        state, status = _refused_state(request, desk, error)
        return _page(request, desk, "new_link", html.link_body(desk.ctx, state), status=status)
    return desk_redirect(request, desk, f"{html.patron_path(patron.patron_id)}?done=linked")


# One patron.


def _patron_id(request: web.Request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.match_info["patron_id"])
    except ValueError:
        return None


async def _patron(request: web.Request, patron_id: uuid.UUID | None) -> Patron | None:
    if patron_id is None:
        return None
    try:
        async with request.app[POOL].acquire() as conn:
            return await patron_by_id(conn, patron_id)
    except DomainError as error:
        if error.code == "patron_not_found":
            return None
        raise


async def patron_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    patron = await _patron(request, _patron_id(request))
    if patron is None:
        return _not_found(request, desk)
    async with request.app[POOL].acquire() as conn:
        outbox = await patron_outbox_state(conn, patron.patron_id)
        requests = await registry_requests_of_patron(conn, patron.patron_id)
    guardian_needed = False
    if patron.birth_date is not None and patron.kind != "institution":
        age = max(0, age_on(patron.birth_date, request.app[CLOCK].today()))
        guardian_needed = needs_guardian(request.app[POLICY], age)
    body = html.patron_body(desk.ctx, patron, outbox, requests, needs_guardian=guardian_needed,
                            done=request.query.get("done"),
                            door_agreement=request.app[POLICY].unstaffed.offered)  # fmt: skip
    return desk_page(request, desk, patron.name, body, section="patrons")


async def block(request: web.Request) -> web.Response:
    patron_id = _patron_id(request)
    desk = await _posted(request, html.patron_path(patron_id or ""))
    if isinstance(desk, web.Response):
        return desk
    if await _patron(request, patron_id) is None or patron_id is None:
        return _not_found(request, desk)
    blocked = desk.form.get("blocked") == "yes"
    async with transaction(request) as conn:
        await set_blocked_by_staff(conn, patron_id, blocked)
    return desk_redirect(request, desk, f"{html.patron_path(patron_id)}?done={'blocked' if blocked else 'unblocked'}")


# The actions on one patron: each a form and what its post does.

Fields = tuple[str, list[str]]


@dataclass(frozen=True)
class Action:
    title_key: str
    button_key: str
    fields: Callable[[web.Request, Desk, Patron, FormState], Fields | Awaitable[Fields]]
    """The form's intro and fields; may read the database first (awaitable)."""
    run: Callable[[web.Request, Desk, Patron], Awaitable[web.Response]]
    presence_pin: str = "pin"
    """The field a refusal of the patron's PIN (proof of presence) is shown at."""


def _contact_fields(request: web.Request, desk: Desk, patron: Patron, state: FormState) -> Fields:
    current = {"name": patron.name, "email": patron.email, "phone": patron.phone,
               "preferred_contact": patron.preferred_contact}  # fmt: skip
    if patron.kind != "national":
        current["postal_address"] = patron.postal_address
    return html.contact_fields(desk.ctx, patron, with_values(state, current))


def _national_correction(form: Mapping[str, str], patron: Patron) -> dict[str, Any]:
    """Only what staff changed: a national correction names the fields it changes (the rest stay as they are)."""
    changes: dict[str, Any] = {}
    name = form.get("name", "").strip()
    if name != patron.name:
        changes["name"] = name
    email = form.get("email", "").strip() or None
    if email != patron.email:
        changes["email"] = email
    phone = form.get("phone", "").strip() or None
    if phone != patron.phone:
        changes["phone_numbers"] = [phone] if phone else []
    addresses = address_from(form)
    if addresses:
        changes["addresses"] = addresses
    method = form.get("preferred_contact", patron.preferred_contact)
    if method != patron.preferred_contact:
        changes["preferred_contact"] = method
    return changes


async def _correct_contact(request: web.Request, desk: Desk, patron: Patron) -> web.Response:
    form, path = desk.form, html.patron_path(patron.patron_id)
    if patron.kind != "national":
        details = ContactDetails.model_validate(present(form, "email", "phone", "postal_address", "preferred_contact"))
        async with transaction(request) as conn:
            await change_contact(conn, patron.patron_id, details)
        return desk_redirect(request, desk, f"{path}?done=contact")
    changes = _national_correction(form, patron)
    if not changes:
        return desk_redirect(request, desk, f"{path}?done=nothing_changed")
    correction = ContactUpdate.model_validate(changes)
    async with transaction(request) as conn:
        await national.correct_contact(conn, request.app[REGISTRY_LINK].cipher, patron.patron_id, correction)
    return await _after_registry_write(request, desk, patron, "contact")


def _pin_fields(request: web.Request, desk: Desk, patron: Patron, state: FormState) -> Fields:
    return html.pin_fields(desk.ctx, patron, state)


async def _set_pin(request: web.Request, desk: Desk, patron: Patron) -> web.Response:
    pin = _same_pin_twice(desk.form)
    if patron.kind != "national":
        async with transaction(request) as conn:
            await change_pin(conn, request.app[PIN_HASHER], patron.patron_id, pin)
        return desk_redirect(request, desk, f"{html.patron_path(patron.patron_id)}?done=pin")
    change = national.NationalPinChange.model_validate({"pin": pin})
    async with transaction(request) as conn:
        await national.change_national_pin(conn, request.app[REGISTRY_LINK].cipher, patron.patron_id, change)
    return await _after_registry_write(request, desk, patron, "pin")


def _lost_fields(request: web.Request, desk: Desk, patron: Patron, state: FormState) -> Fields:
    return html.lost_card_intro(desk.ctx, patron, new_card_fee(request.app[POLICY], had_card_before=True)), []


async def _report_lost(request: web.Request, desk: Desk, patron: Patron) -> web.Response:
    app = request.app
    if patron.kind != "national":
        async with transaction(request) as conn:
            await replace_lost_card(conn, app[POLICY], app[CLOCK], patron.patron_id)
        return desk_redirect(request, desk, f"{html.patron_path(patron.patron_id)}?done=lost")
    async with transaction(request) as conn:
        await national.report_national_lost_card(
            conn, app[REGISTRY_LINK].cipher, app[POLICY], app[CLOCK], patron.patron_id
        )
    return await _after_registry_write(request, desk, patron, "lost")


def _upgrade_fields(request: web.Request, desk: Desk, patron: Patron, state: FormState) -> Fields:
    return html.upgrade_fields(desk.ctx, state)


async def _upgrade(request: web.Request, desk: Desk, patron: Patron) -> web.Response:
    pin = _same_pin_twice(desk.form)
    body = national.NationalUpgrade.model_validate({"national_id": desk.form.get("national_id", ""), "pin": pin})
    async with transaction(request) as conn:
        await national.upgrade_to_national(conn, request.app[REGISTRY_LINK].cipher, patron.patron_id, body)
    return await _after_registry_write(request, desk, patron, "upgrade")


def _opt_out_fields(request: web.Request, desk: Desk, patron: Patron, state: FormState) -> Fields:
    return html.opt_out_fields(desk.ctx, state)


async def _receipt_of_latest(request: web.Request, desk: Desk, patron: Patron, operation: str) -> web.Response:
    """After a request the patron is owed a receipt for: the desk's bounded wait, then that receipt."""
    app = request.app
    outcome = await outcome_after_delivery(app[REGISTRY_LINK], patron.patron_id)
    if outcome.patron is None:
        return desk_redirect(request, desk, PATRONS)
    async with app[POOL].acquire() as conn:
        requests = await registry_requests_of_patron(conn, patron.patron_id)
    latest = next(each for each in requests if each.operation == operation)
    return desk_redirect(request, desk, html.patron_path(patron.patron_id, f"receipts/{latest.outbox_id}"))


async def _opt_out(request: web.Request, desk: Desk, patron: Patron) -> web.Response:
    pin = _same_pin_twice(desk.form)
    body = national.OptOut.model_validate({"pin": pin, "national_pin": desk.form.get("national_pin", "")})
    app = request.app
    await opt_out_present_patron(app[REGISTRY_LINK], app[PIN_HASHER], app[CLOCK], patron.patron_id, body)
    return await _receipt_of_latest(request, desk, patron, "opt_out")


async def _door_agreement_fields(request: web.Request, desk: Desk, patron: Patron, state: FormState) -> Fields:
    async with request.app[POOL].acquire() as conn:
        signed_on = await access_agreement(conn, patron.patron_id)
    return html.door_agreement_fields(desk.ctx, patron, signed_on, state)


async def _record_door_agreement(request: web.Request, desk: Desk, patron: Patron) -> web.Response:
    path = html.patron_path(patron.patron_id)
    if desk.form.get("withdraw") == "yes":
        async with transaction(request) as conn:
            await withdraw_access_agreement(conn, patron.patron_id)
        return desk_redirect(request, desk, f"{path}?done=door_agreement_withdrawn")
    try:
        signed_on = dt.date.fromisoformat(desk.form.get("signed_on", "").strip())
    except ValueError:
        raise DomainError(ErrorKind.INVALID, "agreement_date_invalid", "write the date as YYYY-MM-DD") from None
    async with transaction(request) as conn:
        await record_access_agreement(conn, patron.patron_id, signed_on, desk.staff.username, request.app[CLOCK].now())
    return desk_redirect(request, desk, f"{path}?done=door_agreement")


def _choices_fields(request: web.Request, desk: Desk, patron: Patron, state: FormState) -> Fields:
    return html.choices_fields(desk.ctx, patron, state)


async def _save_choices(request: web.Request, desk: Desk, patron: Patron) -> web.Response:
    form = desk.form
    shown = form.get("pre_due_notice_shown") == "yes"  # an unticked box is not posted; "no" is a choice too
    body = choices.PatronChoices.model_validate(
        {"pre_due_notice": form.get("pre_due_notice") == "yes" if shown else None,
         "preferred_contact": form.get("preferred_contact") or None},
    )  # fmt: skip
    async with transaction(request) as conn:
        await choices.set_choices(conn, request.app[REGISTRY_LINK].cipher, patron.patron_id, body)
    return desk_redirect(request, desk, f"{html.patron_path(patron.patron_id)}?done=choices")


def _erasure(kind: Literal["deletion", "death_notice"]) -> Action:
    def fields(request: web.Request, desk: Desk, patron: Patron, state: FormState) -> Fields:
        return html.erasure_fields(desk.ctx, kind, state)

    async def run(request: web.Request, desk: Desk, patron: Patron) -> web.Response:
        if desk.form.get("confirm") != "yes":
            raise DomainError(ErrorKind.INVALID, "confirmation_required", "tick the box to confirm")
        filing = national.ErasureFiling(kind=kind)
        async with transaction(request) as conn:
            await national.file_erasure(conn, request.app[REGISTRY_LINK].cipher, patron.patron_id, filing)
        return await _receipt_of_latest(request, desk, patron, "deletion_request" if kind == "deletion" else kind)

    if kind == "deletion":
        return Action("action_deletion", "file_deletion", fields, run)
    return Action("action_death", "file_death", fields, run)


ACTIONS: Mapping[str, Action] = {
    "contact": Action("action_contact", "save", _contact_fields, _correct_contact),
    "pin": Action("action_pin", "save", _pin_fields, _set_pin),
    "lost-card": Action("action_lost", "lost_button", _lost_fields, _report_lost),
    "upgrade": Action("action_upgrade", "action_upgrade", _upgrade_fields, _upgrade),
    "opt-out": Action("action_opt_out", "action_opt_out", _opt_out_fields, _opt_out, presence_pin="national_pin"),
    "deletion": _erasure("deletion"),
    "death-notice": _erasure("death_notice"),
    "door-agreement": Action("action_door_agreement", "save", _door_agreement_fields, _record_door_agreement),
    "choices": Action("action_choices", "save", _choices_fields, _save_choices),
}


async def _action_page(request: web.Request, desk: Desk, patron: Patron, name: str, state: FormState, *,
                       status: int = 200) -> web.Response:  # fmt: skip
    action = ACTIONS[name]
    made = action.fields(request, desk, patron, state)
    intro, fields = await made if inspect.isawaitable(made) else made
    body = html.action_body(desk.ctx, patron, name, title_key=action.title_key, intro=intro, state=state,
                            fields=fields, button=text(action.button_key, desk.language))  # fmt: skip
    return _page(request, desk, action.title_key, body, status=status)


async def action_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    name = request.match_info["action"]
    patron = await _patron(request, _patron_id(request))
    if patron is None or name not in ACTIONS:
        return _not_found(request, desk)
    return await _action_page(request, desk, patron, name, FormState())


async def act(request: web.Request) -> web.Response:
    patron_id, name = _patron_id(request), request.match_info["action"]
    desk = await _posted(request, html.patron_path(patron_id or "", name))
    if isinstance(desk, web.Response):
        return desk
    patron = await _patron(request, patron_id)
    if patron is None or name not in ACTIONS:
        return _not_found(request, desk)
    action = ACTIONS[name]
    try:
        return await action.run(request, desk, patron)
    except (ValidationError, DomainError) as error:
        state, status = _refused_state(request, desk, error, presence_pin=action.presence_pin)
        return await _action_page(request, desk, patron, name, state, status=status)


# Receipts.


async def receipt_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    patron = await _patron(request, _patron_id(request))
    raw_id = request.match_info["outbox_id"]
    found = None
    if patron is not None and raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18:
        async with request.app[POOL].acquire() as conn:
            found = await registry_request_of_patron(conn, patron.patron_id, int(raw_id))
    if patron is None or found is None or found.operation not in html.RECEIPT_OPERATIONS:
        return _not_found(request, desk)
    body = html.receipt_body(desk.ctx, patron, found, printed_at=request.app[CLOCK].now())
    return _page(request, desk, "receipt_heading", body)


def add_patron_routes(app: web.Application) -> None:
    app.router.add_get("/staff/patrons", patrons_page)
    app.router.add_get("/staff/patrons/link", link_page)
    app.router.add_post("/staff/patrons/link", link)
    app.router.add_get("/staff/patrons/new/{kind}", registration_page)
    app.router.add_post("/staff/patrons/new/{kind}", register)
    app.router.add_get("/staff/patrons/{patron_id}", patron_page)
    app.router.add_post("/staff/patrons/{patron_id}/block", block)
    app.router.add_get("/staff/patrons/{patron_id}/receipts/{outbox_id}", receipt_page)
    app.router.add_get("/staff/patrons/{patron_id}/{action}", action_page)
    app.router.add_post("/staff/patrons/{patron_id}/{action}", act)
