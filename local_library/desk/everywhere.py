"""The desk's view of a present patron's loans, holds and fees at every library they are linked to.

Staff scan the patron's card (the patron is at the desk with it: ``authenticated_by="desk_card"``); this node
then asks each other library on a fresh signed statement, as Min side does
(``local_library.federation.elsewhere``), and shows what came back with each library's status. The answer is
the page: nothing is stored, and a reload asks again only after another scan (it is a POST).
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from local_library.app_keys import PEER_CLIENT, PEER_DIRECTORY, POOL, REGISTRY, SETTINGS
from local_library.federation.elsewhere import Elsewhere, PatronAuthority, accounts_elsewhere
from local_library.patrons.queries import patron_by_card
from plumbing.errors import DomainError

from . import pages
from .site import Desk, desk_page, desk_post, desk_visit
from .texts import add_texts, text

PATH = "/staff/everywhere"

add_texts({
    "everywhere_heading": {"nb": "Lån hos alle bibliotekene", "en": "Loans at all libraries"},
    "everywhere_desk_intro": {
        "nb": "Skann kortet til låneren som står i skranken. De andre bibliotekene spørres nå, på lånerens vegne; "
              "ingenting lagres.",
        "en": "Scan the card of the patron at the desk. The other libraries are asked now, on the patron's behalf; "
              "nothing is stored.",
    },
    "everywhere_card": {"nb": "Lånerens kort", "en": "The patron's card"},
    "everywhere_ask": {"nb": "Spør bibliotekene", "en": "Ask the libraries"},
    "everywhere_unknown_card": {"nb": "Ingen låner her har dette kortet.", "en": "No patron here holds this card."},
    "everywhere_local_only": {
        "nb": "Lokalt lånekort: låneren har lån bare her.", "en": "Local card: the patron has loans here only.",
    },
    "everywhere_no_registry": {
        "nb": "Registeret svarer ikke: de andre bibliotekene kan ikke spørres nå.",
        "en": "The registry is not answering: the other libraries cannot be asked now.",
    },
    "everywhere_library": {"nb": "Bibliotek", "en": "Library"},
    "everywhere_answer": {"nb": "Svar", "en": "Answer"},
    "everywhere_answers": {"nb": "Svar fra bibliotekene", "en": "Answers from the libraries"},
    "everywhere_loans": {"nb": "Lån andre steder", "en": "Loans elsewhere"},
    "everywhere_holds": {"nb": "Reservasjoner andre steder", "en": "Reservations elsewhere"},
    "everywhere_fees": {"nb": "Ubetalte gebyrer andre steder", "en": "Unpaid fees elsewhere"},
    "everywhere_none": {"nb": "Ingen.", "en": "None."},
    "status_answered": {"nb": "svarte", "en": "answered"},
    "status_not_reachable": {"nb": "kan ikke nås", "en": "not reachable"},
    "status_timed_out": {"nb": "svarte ikke i tide", "en": "timed out"},
    "status_failed": {"nb": "svarte med feil", "en": "answered with an error"},
})  # fmt: skip


def _form(desk: Desk) -> str:
    ctx = desk.ctx
    return f"""<form method="post" action="{PATH}">{ctx.hidden_fields()}
<label for="card_number">{ctx.t("everywhere_card")}</label>
<input id="card_number" name="card_number" autocomplete="off" autofocus required maxlength="16">
<button type="submit">{ctx.t("everywhere_ask")}</button></form>"""


def _page(request: web.Request, desk: Desk, result: str) -> web.Response:
    ctx = desk.ctx
    body = f"""<h1>{ctx.t("everywhere_heading")}</h1>
<p>{ctx.t("everywhere_desk_intro")}</p>
{_form(desk)}
{result}"""
    return desk_page(request, desk, text("everywhere_heading", desk.language), body, section="circulation")


async def everywhere_page(request: web.Request) -> web.Response:
    desk = await desk_visit(request)
    if isinstance(desk, web.Response):
        return desk
    return _page(request, desk, "")


def _answers(desk: Desk, names: dict[str, str], elsewhere: Elsewhere) -> str:
    ctx = desk.ctx
    t = ctx.t
    if not elsewhere.registry_reachable:
        return pages.message(text("everywhere_no_registry", desk.language))

    def name(library_id: str) -> str:
        return escape(names.get(library_id, library_id))

    answered = [answer for answer in elsewhere.libraries if answer.account is not None]
    statuses = pages.table(
        t("everywhere_answers"), [t("everywhere_library"), t("everywhere_answer")],
        (f'<tr><th scope="row">{name(a.library_id)}</th><td>{t("status_" + a.status)}</td></tr>'
         for a in elsewhere.libraries),
        empty=t("everywhere_none"),
    )  # fmt: skip
    loans = pages.table(
        t("everywhere_loans"), [t("everywhere_library"), t("title"), t("material"), t("due_on")],
        (f'<tr><td>{name(a.library_id)}</td><th scope="row">{escape(loan.title)}</th>'
         f"<td>{escape(loan.material.nb if desk.language == 'nb' else loan.material.en)}</td>"
         f"<td>{ctx.date(loan.due_on)}</td></tr>"
         for a in answered if a.account for loan in a.account.loans),
        empty=t("everywhere_none"),
    )  # fmt: skip
    holds = pages.table(
        t("everywhere_holds"), [t("everywhere_library"), t("title"), t("status")],
        (f'<tr><td>{name(a.library_id)}</td><th scope="row">{escape(hold.title)}</th>'
         f'<td>{t("reservation_" + hold.status)}</td></tr>'
         for a in answered if a.account for hold in a.account.holds),
        empty=t("everywhere_none"),
    )  # fmt: skip
    fees = pages.table(
        t("everywhere_fees"), [t("everywhere_library"), t("fee_kind"), t("amount")],
        (f'<tr><td>{name(a.library_id)}</td><th scope="row">{t("fee_" + fee.kind, number=fee.reminder_number or "")}'
         f"</th><td>{ctx.money(fee.amount_ore)}</td></tr>"
         for a in answered if a.account for fee in a.account.fees),
        empty=t("everywhere_none"),
    )  # fmt: skip
    return statuses + loans + holds + fees


async def ask_everywhere(request: web.Request) -> web.Response:
    desk = await desk_post(request, PATH)
    if isinstance(desk, web.Response):
        return desk
    card_number = desk.form.get("card_number", "").strip().upper()
    try:
        async with request.app[POOL].acquire() as conn:
            patron = await patron_by_card(conn, card_number)
    except DomainError:
        return _page(request, desk, pages.message(text("everywhere_unknown_card", desk.language)))
    if patron.registry_patron_id is None:
        return _page(request, desk, pages.notice(text("everywhere_local_only", desk.language)))
    settings = request.app[SETTINGS]
    authority = PatronAuthority(settings.library_id, patron.registry_patron_id, "desk_card")
    elsewhere = await accounts_elsewhere(
        request.app[REGISTRY], request.app[PEER_CLIENT], authority,
        deadline_seconds=settings.peer_overview_deadline_seconds,
    )  # fmt: skip
    try:
        entries = await request.app[PEER_DIRECTORY].entries()
    except DomainError:
        entries = {}
    names = {
        library_id: entry.display_name if desk.language == "nb" else entry.display_name_en
        for library_id, entry in entries.items()
    }
    heading = f"<h2>{escape(patron.name)}</h2>"
    return _page(request, desk, heading + _answers(desk, names, elsewhere))


def add_everywhere_routes(app: web.Application) -> None:
    app.router.add_get(PATH, everywhere_page)
    app.router.add_post(PATH, ask_everywhere)
