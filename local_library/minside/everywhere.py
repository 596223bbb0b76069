"""Min side's "All my loans": the patron's loans, holds and fees at every library they are linked to.

This library's part is read from its own database; every other library is asked at the moment the page is shown,
on the patron's authority (``local_library.federation.elsewhere``), each with its own status. A library that is
down or slow never fails the page or holds it beyond the deadline. A loan elsewhere is renewed by that library,
under its rules; the outcome travels in the redirect's query as ids and whitelisted codes only.
"""

from __future__ import annotations

import re
from html import escape

from aiohttp import web

from local_library.app_keys import CLOCK, PEER_CLIENT, PEER_DIRECTORY, REGISTRY, SETTINGS
from local_library.app_keys import MINSIDE_SITE as SITE
from local_library.federation.account import PeerAccount, PeerHold, PeerLoan
from local_library.federation.elsewhere import (
    AccountElsewhere,
    Elsewhere,
    PatronAuthority,
    accounts_elsewhere,
    renew_elsewhere,
)
from local_library.federation.peer_client import PeerRefusedError, PeerUnavailableError
from local_library.patrons.queries import patron_by_id
from local_library.web import transaction
from plumbing.errors import DomainError
from plumbing.web.sessions import Session
from plumbing.web.times import format_date

from . import pages, service
from .texts import Language, text
from .views import RENEWAL_REFUSALS, _context, _row_id

PATH = f"{pages.BASE}/everywhere"
_LIBRARY_ID = re.compile(r"[a-z][a-z0-9-]{1,31}")


async def _library_names(request: web.Request, language: Language) -> dict[str, str]:
    try:
        entries = await request.app[PEER_DIRECTORY].entries()
    except DomainError:  # no copy of the directory yet and the registry away: ids it is
        return {}
    return {
        library_id: entry.display_name if language == "nb" else entry.display_name_en
        for library_id, entry in entries.items()
    }


async def _authority(request: web.Request, session: Session) -> PatronAuthority | None:
    """The patron's registry id if they hold a national card (only those are linked to other libraries)."""
    async with transaction(request) as conn:
        patron = await patron_by_id(conn, session.patron_id)
    if patron.registry_patron_id is None:
        return None
    return PatronAuthority(request.app[SETTINGS].library_id, patron.registry_patron_id, "minside")


def _loan_row(ctx: pages.PageContext, library_id: str, loan: PeerLoan) -> str:
    form = (
        f'<form class="inline" method="post" action="{PATH}/{library_id}/loans/{loan.loan_id}/renew">'
        f'{ctx.hidden_fields()}<button type="submit">{ctx.t("renew", title=loan.title)}</button></form>'
    )
    material = loan.material.nb if ctx.language == "nb" else loan.material.en
    return (
        f'<tr><th scope="row">{escape(loan.title)}</th><td>{escape(material)}</td><td>{ctx.date(loan.due_on)}</td>'
        f"<td>{loan.renewals}</td><td>{form}</td></tr>"
    )


def _hold_row(ctx: pages.PageContext, hold: PeerHold) -> str:
    return (
        f'<tr><th scope="row">{escape(hold.title)}</th><td>{ctx.t("reservation_" + hold.status)}</td>'
        f"<td>{escape(hold.reference_number or '')}</td><td>{ctx.date(hold.pickup_deadline)}</td></tr>"
    )


def _account_tables(ctx: pages.PageContext, name: str, library_id: str, account: PeerAccount) -> str:
    t = ctx.t
    loans = (
        pages.table(
            f"{t('loans')}: {escape(name)}",
            [t("title"), t("material"), t("due_on"), t("renewals"), t("action")],
            (_loan_row(ctx, library_id, loan) for loan in account.loans),
        )
        if account.loans
        else f"<p>{t('no_loans')}</p>"
    )
    holds = (
        pages.table(
            f"{t('reservations')}: {escape(name)}",
            [t("title"), t("status"), t("reference_number"), t("pickup_deadline")],
            (_hold_row(ctx, hold) for hold in account.holds),
        )
        if account.holds
        else f"<p>{t('no_reservations')}</p>"
    )
    fees = (
        pages.table(
            f"{t('fees')}: {escape(name)}",
            [t("fee_kind"), t("charged_on"), t("amount")],
            (
                f'<tr><th scope="row">{t("fee_" + fee.kind, number=fee.reminder_number or "")}</th>'
                f"<td>{ctx.date(fee.charged_on)}</td><td>{ctx.money(fee.amount_ore)}</td></tr>"
                for fee in account.fees
            ),
        )
        if account.fees
        else f"<p>{t('no_fees')}</p>"
    )
    return loans + holds + fees


def _elsewhere_section(ctx: pages.PageContext, names: dict[str, str], answer: AccountElsewhere) -> str:
    name = names.get(answer.library_id, answer.library_id)
    status = f'<p class="status" data-library="{escape(answer.library_id)}">{ctx.t("library_" + answer.status)}</p>'
    tables = _account_tables(ctx, name, answer.library_id, answer.account) if answer.account is not None else ""
    return f"<section><h2>{escape(name)}</h2>\n{status}\n{tables}</section>"


def _outcome(
    request: web.Request, language: Language, names: dict[str, str], elsewhere: Elsewhere
) -> tuple[str | None, str | None]:
    """(message, notice) after a renewal elsewhere, from the redirect's query."""
    query = request.query
    library_id = query.get("at", "")
    if not _LIBRARY_ID.fullmatch(library_id):
        return None, None
    name = names.get(library_id, library_id)
    if "unreachable" in query:
        return text("renewal_not_possible_now", language, library=name), None
    refused = query.get("refused")
    if refused is not None:
        reason = text(refused if refused in RENEWAL_REFUSALS else "loan_not_found", language)
        return text("renewal_refused_at", language, library=name, reason=reason), None
    renewed_id = _row_id(query.get("renewed"))
    for answer in elsewhere.libraries:
        if answer.library_id == library_id and answer.account is not None:
            for loan in answer.account.loans:
                if loan.loan_id == renewed_id:
                    due = format_date(loan.due_on, language)
                    return None, text("renewed_at", language, title=loan.title, library=name, due=due)
    return None, None


async def everywhere(request: web.Request) -> web.Response:
    site = request.app[SITE]
    visit = await site.visit(request)
    if isinstance(visit, web.Response):
        return visit
    language = visit.language
    ctx = _context(request, language, site.form_token(visit.session), PATH)
    try:
        async with transaction(request) as conn:
            here = await service.overview(conn, visit.session.patron_id)
    except DomainError as error:
        if error.code == "patron_not_found":  # removed (opted out, erased) while logged in
            return site.expired(language)
        raise
    names = await _library_names(request, language)
    own_id = request.app[SETTINGS].library_id
    own_section = (
        f"<section><h2>{ctx.t('this_library', library=names.get(own_id, ctx.library_name))}</h2>"
        f"{pages.overview_tables(ctx, here, request.app[CLOCK].today())}</section>"
    )
    authority = None
    if here.patron.registry_patron_id is not None:
        authority = PatronAuthority(own_id, here.patron.registry_patron_id, "minside")
    if authority is None:
        others = f"<p>{ctx.t('everywhere_local_card')}</p>"
        message = notice = None
    else:
        elsewhere = await accounts_elsewhere(
            request.app[REGISTRY], request.app[PEER_CLIENT], authority,
            deadline_seconds=request.app[SETTINGS].peer_overview_deadline_seconds,
        )  # fmt: skip
        message, notice = _outcome(request, language, names, elsewhere)
        if not elsewhere.registry_reachable:
            others = pages.alert_message(text("everywhere_registry_away", language))
        else:
            ordered = sorted(elsewhere.libraries, key=lambda answer: names.get(answer.library_id, answer.library_id))
            others = "\n".join(_elsewhere_section(ctx, names, answer) for answer in ordered)
    body = f"""<h1>{ctx.t("everywhere")}</h1>
{pages.alert_message(message)}{pages.alert_notice(notice)}
<p>{ctx.t("everywhere_intro")}</p>
<p><a href="{pages.BASE}/me?lang={language}">{ctx.t("back")}</a></p>
{own_section}
{others}"""
    return site.page(pages.layout(ctx, text("everywhere", language), body, logged_in=True), language)


async def renew_at_other_library(request: web.Request) -> web.Response:
    site = request.app[SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    library_id = request.match_info["library_id"]
    loan_id = int(request.match_info["loan_id"])
    back = f"{PATH}?lang={post.language}&at={library_id}"
    authority = await _authority(request, post.session)
    if authority is None or library_id == authority.library_id:
        return site.redirect(f"{back}&refused=loan_not_found")
    try:
        loan = await renew_elsewhere(
            request.app[REGISTRY], request.app[PEER_CLIENT], authority, library_id, loan_id,
            deadline_seconds=request.app[SETTINGS].peer_overview_deadline_seconds,
        )  # fmt: skip
    except PeerRefusedError as refused:
        code = refused.code if refused.code in RENEWAL_REFUSALS else "loan_not_found"
        return site.redirect(f"{back}&refused={code}")
    except (PeerUnavailableError, DomainError):
        return site.redirect(f"{back}&unreachable=1")
    return site.redirect(f"{back}&renewed={loan.loan_id}")
