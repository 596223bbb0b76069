"""Scanner-first circulation at ``/staff/``: one box takes a card number or an item barcode; the mode
(check out or return) is always visible and switched by keyboard (Alt+U, Alt+I).

A scanned card shows the patron at once (loans, reservations, fees, warnings) and the next scan goes to the
item box. Every action posts back and is redirected (post/redirect/get): the outcome travels in the query as
ids and whitelisted codes only (titles are read from the database, never from the link), and the patron as
their id, never their card number (a URL ends up in logs and browser history). Each action is a call to the
same domain function the staff JSON API makes (``circulation.*``, ``registry_link.desk``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from local_library.app_keys import CLOCK, PATRON_LOGINS, POLICY, POOL, REGISTRY
from local_library.catalogue.queries import find_item_by_barcode
from local_library.circulation.account import PatronAccount, identify_scan, patron_account
from local_library.circulation.fees import FeeStatus, set_fee_status
from local_library.circulation.lending import renew, return_item
from local_library.circulation.queries import loan_by_id, reservation_by_id
from local_library.circulation.reservations import cancel_reservation, reserve
from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_card, patron_by_id
from local_library.policy import LibraryPolicy
from local_library.registry_link.desk import confirm_national_card, lend_at_desk
from local_library.web import path_int, transaction
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry_contract.ages import age_on
from registry_contract.refusals import RETIRED_CARD_CODES

from . import circulation_pages, pages
from .circulation_texts import CIRCULATION_TEXTS
from .site import Desk, desk_page, desk_post, desk_redirect, desk_visit
from .texts import add_texts, text

add_texts(CIRCULATION_TEXTS)

Mode = Literal["out", "in"]

# Refusals the page has words for ("why_<code>"); any other reads as "it did not work".
KNOWN_REFUSALS = frozenset(
    key.removeprefix("why_") for key in CIRCULATION_TEXTS if key.startswith("why_") and key != "why_other"
)
# What a national card's check with the registry can say, as a warning on the patron panel.
CARD_WARNINGS = {
    **{code: f"warn_{code}" for code in RETIRED_CARD_CODES.values()},
    "registry_unavailable": "warn_registry_unavailable",
}
CARD_WARNING_CODES = frozenset({*CARD_WARNINGS, "registry_refused"})
"""What the card scan's redirect may name (anything else in the link is ignored)."""
DONE = frozenset({"checked_out", "returned", "renewed", "reserved", "cancelled", "fee_paid", "fee_waived"})

SETTLED: dict[str, FeeStatus] = {"paid": "paid", "waived": "waived"}
"""How the desk settles an open fee."""

MAX_PIN_LENGTH = 16
_ROW_ID = re.compile(r"[0-9]{1,18}")
_BARCODE = re.compile(r"[A-Za-z0-9-]{1,64}")


def _row_id(value: str | None) -> int | None:
    return int(value) if value is not None and _ROW_ID.fullmatch(value) else None


def _patron_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _mode(value: str | None) -> Mode:
    return "in" if value == "in" else "out"


def _here(patron_id: uuid.UUID | None, mode: Mode, *, warn: str | None = None, **outcome: object) -> str:
    """The circulation page for the patron (if any) in the mode, with the outcome of what was just done and
    the warning the card's scan gave (carried along until the next card is scanned or a loan succeeds)."""
    query = [f"mode={mode}"]
    if patron_id is not None:
        query.append(f"patron={patron_id}")
        if warn is not None:
            query.append(f"warn={warn}")
    query += [f"{key}={value}" for key, value in outcome.items() if value is not None]
    return f"{pages.CIRCULATION}?{'&'.join(query)}"


Warning = tuple[str, dict[str, object]]
"""A text key and its values."""


def patron_warnings(policy: LibraryPolicy, patron: Patron, today: dt.date, card_warning: str | None) -> list[Warning]:
    """What the desk must know before lending to the patron, most pressing first."""
    warnings: list[Warning] = []
    if card_warning is not None:
        warnings.append((CARD_WARNINGS.get(card_warning, "warn_registry_refused"), {}))
    if patron.blocked:
        warnings.append(
            ("warn_blocked_reminders" if patron.blocked_reason == "reminders" else "warn_blocked_staff", {})
        )
    if patron.birth_date is not None and patron.kind != "institution":
        age, cards = age_on(patron.birth_date, today), policy.cards
        if age < cards.guardian_signature_under and not patron.guardian_name:
            warnings.append(("warn_guardian_needed", {"age": cards.guardian_signature_under}))
        elif age < cards.guardian_liable_under and patron.guardian_name:
            values = {"age": cards.guardian_liable_under, "guardian": patron.guardian_name}
            warnings.append(("warn_guardian_liable", values))
    # A national card's PIN is kept by the registry; only a local card's is (or is not) here.
    if policy.desk.pin_required and patron.registry_patron_id is None and not patron.has_pin:
        warnings.append(("warn_no_pin", {}))
    return warnings


# The page.


@dataclass(frozen=True)
class Outcome:
    """What the last action did, in words: a refusal (``message``) or what was done (``notice``)."""

    message: str | None = None
    notice: str | None = None


async def _outcome(conn: DbConnection, query: Mapping[str, str], desk: Desk) -> Outcome:
    language = desk.language
    refused = query.get("refused")
    if refused is not None:
        reason = text(f"why_{refused}" if refused in KNOWN_REFUSALS else "why_other", language)
        barcode = query.get("item")
        item = await find_item_by_barcode(conn, barcode) if barcode and _BARCODE.fullmatch(barcode) else None
        if item is not None:
            return Outcome(message=text("refused_item", language, title=item.title, reason=reason))
        return Outcome(message=text("refused", language, reason=reason))
    done = query.get("done")
    if done not in DONE:
        return Outcome()
    try:
        return Outcome(notice=await _done_text(conn, query, done, desk))
    except DomainError:  # an id that names nothing (a crafted or stale link): say nothing
        return Outcome()


async def _done_text(conn: DbConnection, query: Mapping[str, str], done: str, desk: Desk) -> str | None:
    language = desk.language
    loan_id, reservation_id = _row_id(query.get("loan")), _row_id(query.get("reservation"))
    if done in ("checked_out", "renewed", "returned") and loan_id is not None:
        loan = await loan_by_id(conn, loan_id)
        due = desk.ctx.date(loan.due_on)
        if done != "returned":
            return text(f"done_{done}", language, title=loan.title, due=due)
        held_id = _row_id(query.get("held"))
        said = text("done_returned", language, title=loan.title)
        if held_id is not None:
            held = await reservation_by_id(conn, held_id)
            key = "done_returned_held" if held.reference_number else "done_returned_held_no_reference"
            said = text(key, language, title=loan.title, reference=held.reference_number or "")
        if query.get("refunded") == "1":
            said += " " + text("done_refunded", language)
        return said
    if done == "reserved" and reservation_id is not None:
        return text("done_reserved", language, title=(await reservation_by_id(conn, reservation_id)).title)
    if done in ("cancelled", "fee_paid", "fee_waived"):
        return text(f"done_{done}", language)
    return None


async def circulation_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    app, query = request.app, request.query
    mode = _mode(query.get("mode"))
    patron_id = _patron_id(query.get("patron"))
    account: PatronAccount | None = None
    async with transaction(request) as conn:
        if patron_id is not None:
            try:
                account = await patron_account(conn, patron_id)
            except DomainError as error:
                if error.code != "patron_not_found":
                    raise
        outcome = await _outcome(conn, query, desk)
    today = app[CLOCK].today()
    warn = query.get("warn")
    card_warning = warn if account is not None and warn in CARD_WARNING_CODES else None
    warnings = [] if account is None else patron_warnings(app[POLICY], account.patron, today, card_warning)
    view = circulation_pages.CirculationView(
        mode=mode, account=account, warnings=warnings, card_warning=card_warning, message=outcome.message,
        notice=outcome.notice, pin_required=app[POLICY].desk.pin_required, today=today,
    )  # fmt: skip
    body = circulation_pages.circulation_body(desk.ctx, view)
    title = text("circulation_heading", desk.language)
    return desk_page(request, desk, title, body, section="circulation")


# The actions.


def _warn(desk: Desk) -> str | None:
    """The card warning a form carries back (whitelisted: a crafted form cannot make the page say more)."""
    warn = desk.form.get("warn")
    return warn if warn in CARD_WARNING_CODES else None


async def _posted(request: web.Request) -> tuple[Desk, Mode, uuid.UUID | None] | web.Response:
    desk = await desk_post(request, pages.CIRCULATION)
    if isinstance(desk, web.Response):
        return desk
    return desk, _mode(desk.form.get("mode")), _patron_id(desk.form.get("patron"))


def _refused(request: web.Request, desk: Desk, patron_id: uuid.UUID | None, mode: Mode, error: DomainError, *,
             item: str | None = None) -> web.Response:  # fmt: skip
    code = error.code if error.code in KNOWN_REFUSALS else "other"
    barcode = item if item and _BARCODE.fullmatch(item) else None
    return desk_redirect(request, desk, _here(patron_id, mode, warn=_warn(desk), refused=code, item=barcode))


async def scan(request: web.Request) -> web.Response:
    """The one box: a card shows its patron; an item is lent to the patron shown, or returned."""
    posted = await _posted(request)
    if isinstance(posted, web.Response):
        return posted
    desk, mode, patron_id = posted
    code = desk.form.get("code", "").strip()
    if not code:
        return desk_redirect(request, desk, _here(patron_id, mode, warn=_warn(desk)))
    if code[0] == "l":  # a local card typed by hand with a small "l"
        code = code.upper()
    try:
        return await _scanned(request, desk, mode, patron_id, code)
    except DomainError as error:
        retired_card = error.code in RETIRED_CARD_CODES.values()
        return _refused(request, desk, patron_id, mode, error, item=None if retired_card else code)


async def _scanned(
    request: web.Request, desk: Desk, mode: Mode, patron_id: uuid.UUID | None, code: str
) -> web.Response:
    async with transaction(request) as conn:
        kind = await identify_scan(conn, code)
        patron = await patron_by_card(conn, code) if kind == "card" else None
    if patron is not None:
        return await _show_card(request, desk, mode, patron, code)
    if kind == "unknown":
        raise DomainError(ErrorKind.NOT_FOUND, "item_not_found", "no item or card has this code")
    if mode == "in":
        return await _return(request, desk, patron_id, code)
    return await _lend(request, desk, patron_id, code)


async def _show_card(request: web.Request, desk: Desk, mode: Mode, patron: Patron, card_number: str) -> web.Response:
    """A national card is checked with the registry at once, so a card lost elsewhere shows as such now."""
    app, warning = request.app, None
    if patron.registry_patron_id is not None:
        try:
            await confirm_national_card(
                app[POOL], app[REGISTRY], card_number,
                offline_lending_minutes=app[POLICY].desk.offline_national_lending_minutes,
            )  # fmt: skip
        except DomainError as error:
            warning = error.code if error.code in CARD_WARNINGS else "registry_refused"
    return desk_redirect(request, desk, _here(patron.patron_id, mode, warn=warning))


async def _lend(request: web.Request, desk: Desk, patron_id: uuid.UUID | None, barcode: str) -> web.Response:
    app = request.app
    card_number = await _card_of(request, patron_id)
    pin = desk.form.get("pin") or None
    if pin is not None and len(pin) > MAX_PIN_LENGTH:  # no PIN is that long: no hashing work for it
        raise DomainError(ErrorKind.FORBIDDEN, "pin_invalid", "wrong PIN")
    loan = await lend_at_desk(app[PATRON_LOGINS], app[POLICY], card_number, barcode, pin=pin)
    return desk_redirect(request, desk, _here(patron_id, "out", done="checked_out", loan=loan.loan_id))


async def _card_of(request: web.Request, patron_id: uuid.UUID | None) -> str:
    """The card number of the patron shown (the page carries the patron's id, never the number)."""
    if patron_id is None:
        raise DomainError(ErrorKind.INVALID, "scan_card_first", "scan the library card first")
    async with transaction(request) as conn:
        patron = await patron_by_id(conn, patron_id)
    if patron.card_number is None:
        raise DomainError(ErrorKind.NOT_FOUND, "patron_not_found", "the patron has no card")
    return patron.card_number


async def _return(request: web.Request, desk: Desk, patron_id: uuid.UUID | None, barcode: str) -> web.Response:
    app = request.app
    async with transaction(request) as conn:
        result = await return_item(conn, app[POLICY], app[CLOCK], barcode)
    held = result.held_for.reservation_id if result.held_for is not None else None
    refunded = "1" if result.replacement_refunded else None
    where = _here(
        patron_id, "in", warn=_warn(desk), done="returned", loan=result.loan.loan_id, held=held, refunded=refunded
    )
    return desk_redirect(request, desk, where)


async def renew_loan(request: web.Request) -> web.Response:
    posted = await _posted(request)
    if isinstance(posted, web.Response):
        return posted
    desk, mode, patron_id = posted
    app, loan_id = request.app, path_int(request, "loan_id")
    try:
        async with transaction(request) as conn:
            loan = await renew(conn, app[POLICY], app[CLOCK], loan_id, patron_id=patron_id)
    except DomainError as error:
        return _refused(request, desk, patron_id, mode, error)
    return desk_redirect(request, desk, _here(patron_id, mode, warn=_warn(desk), done="renewed", loan=loan.loan_id))


async def place_reservation(request: web.Request) -> web.Response:
    posted = await _posted(request)
    if isinstance(posted, web.Response):
        return posted
    desk, mode, patron_id = posted
    app, barcode = request.app, desk.form.get("barcode", "").strip()
    try:
        card_number = await _card_of(request, patron_id)
        async with transaction(request) as conn:
            reservation = await reserve(conn, app[POLICY], app[CLOCK], card_number, barcode)
    except DomainError as error:
        return _refused(request, desk, patron_id, mode, error, item=barcode)
    where = _here(patron_id, mode, warn=_warn(desk), done="reserved", reservation=reservation.reservation_id)
    return desk_redirect(request, desk, where)


async def withdraw_reservation(request: web.Request) -> web.Response:
    posted = await _posted(request)
    if isinstance(posted, web.Response):
        return posted
    desk, mode, patron_id = posted
    app, reservation_id = request.app, path_int(request, "reservation_id")
    try:
        async with transaction(request) as conn:
            await cancel_reservation(conn, app[POLICY], app[CLOCK], reservation_id, patron_id=patron_id)
    except DomainError as error:
        return _refused(request, desk, patron_id, mode, error)
    return desk_redirect(request, desk, _here(patron_id, mode, warn=_warn(desk), done="cancelled"))


async def settle_fee(request: web.Request) -> web.Response:
    posted = await _posted(request)
    if isinstance(posted, web.Response):
        return posted
    desk, mode, patron_id = posted
    status: FeeStatus | None = SETTLED.get(desk.form.get("status", ""))
    if status is None:
        return desk_redirect(request, desk, _here(patron_id, mode, warn=_warn(desk), refused="other"))
    async with transaction(request) as conn:
        fee = await set_fee_status(conn, path_int(request, "fee_id"), status, today=request.app[CLOCK].today())
    if fee is None:
        return desk_redirect(request, desk, _here(patron_id, mode, warn=_warn(desk), refused="fee_not_found"))
    return desk_redirect(request, desk, _here(patron_id, mode, warn=_warn(desk), done=f"fee_{status}"))


def add_circulation_routes(app: web.Application) -> None:
    app.router.add_get("/staff/", circulation_page)
    app.router.add_post("/staff/scan", scan)
    # Row ids are bounded, so an absurd number is a 404 rather than an overflow in the database driver.
    app.router.add_post("/staff/loans/{loan_id:[0-9]{1,18}}/renew", renew_loan)
    app.router.add_post("/staff/reservations", place_reservation)
    app.router.add_post("/staff/reservations/{reservation_id:[0-9]{1,18}}/cancel", withdraw_reservation)
    app.router.add_post("/staff/fees/{fee_id:[0-9]{1,18}}/settle", settle_fee)
