"""Min side's interlibrary page: search every library that lends to others, order a copy to pick up here,
and follow, cancel or renew one's requests. Plain HTML forms, no JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from local_library.interlibrary.models import BorrowedRequest
from local_library.interlibrary.search import LibraryResult
from local_library.interlibrary.words import word

from .pages import BASE, PageContext, alert_message, alert_notice, layout, table

INTERLIBRARY = f"{BASE}/interlibrary"

TEXTS = {
    "heading": {"nb": "Bestill fra andre bibliotek", "en": "Order from other libraries"},
    "intro": {
        "nb": "Søk i katalogene til bibliotekene som låner ut til andre, og hent det du bestiller hos {library}.",
        "en": "Search the catalogues of the libraries that lend to others, and pick up what you order at {library}.",
    },
    "search_label": {"nb": "Tittel, forfatter, ISBN eller strekkode", "en": "Title, author, ISBN or barcode"},
    "search": {"nb": "Søk", "en": "Search"},
    "results_at": {"nb": "{library}: {status}", "en": "{library}: {status}"},
    "no_hits": {"nb": "Ingen treff.", "en": "No matches."},
    "title": {"nb": "Tittel", "en": "Title"},
    "author": {"nb": "Forfatter", "en": "Author"},
    "availability": {"nb": "Tilgjengelig", "en": "Available"},
    "action": {"nb": "Handling", "en": "Action"},
    "available": {"nb": "Ja", "en": "Yes"},
    "not_available": {"nb": "Nei, utlånt eller reservert", "en": "No, on loan or reserved"},
    "order": {"nb": "Bestill til henting her", "en": "Order for pickup here"},
    "own_library": {"nb": "Finnes her: reserver det", "en": "Here: reserve it"},
    "my_requests": {"nb": "Mine bestillinger", "en": "My requests"},
    "no_requests": {
        "nb": "Du har ingen bestillinger fra andre bibliotek.",
        "en": "You have no requests from other libraries.",
    },
    "from_library": {"nb": "Fra", "en": "From"},
    "status": {"nb": "Status", "en": "Status"},
    "details": {"nb": "Detaljer", "en": "Details"},
    "pickup": {
        "nb": "Hentenummer {reference}, hentes innen {deadline}",
        "en": "Reference {reference}, pick up by {deadline}",
    },
    "due": {"nb": "Leveres innen {due}", "en": "Due {due}"},
    "cancel": {"nb": "Avbestill", "en": "Cancel"},
    "renew": {"nb": "Forny", "en": "Renew"},
    "ordered": {
        "nb": "Bestilt: {title}. Du får beskjed når den kan hentes.",
        "en": "Ordered: {title}. You will be told when it is ready.",
    },
    "cancelled": {"nb": "Bestillingen er avbestilt.", "en": "The request is cancelled."},
    "renewed": {"nb": "Fornyet til {due}.", "en": "Renewed until {due}."},
    "back": {"nb": "Tilbake til oversikten", "en": "Back to the overview"},
    "search_too_short": {"nb": "Skriv minst to tegn.", "en": "Type at least two characters."},
}


def t(ctx: PageContext, key: str, **values: object) -> str:
    return escape(TEXTS[key][ctx.language].format(**values))


def _search_form(ctx: PageContext, text: str) -> str:
    return f"""<form method="get" action="{INTERLIBRARY}" role="search">
<input type="hidden" name="lang" value="{ctx.language}">
<label for="q">{t(ctx, "search_label")}</label>
<input id="q" name="q" type="search" value="{escape(text)}" minlength="2" maxlength="200" required>
<button type="submit">{t(ctx, "search")}</button>
</form>"""


def _order_form(ctx: PageContext, library_id: str, barcode: str, title: str, author: str | None) -> str:
    return f"""<form class="inline" method="post" action="{INTERLIBRARY}/order">{ctx.hidden_fields()}
<input type="hidden" name="owner_library" value="{escape(library_id)}">
<input type="hidden" name="barcode" value="{escape(barcode)}">
<input type="hidden" name="title" value="{escape(title)}">
<input type="hidden" name="author" value="{escape(author or "")}">
<button type="submit">{t(ctx, "order")}</button></form>"""


def _results(ctx: PageContext, results: list[LibraryResult], own_library: str, name: Callable[[str], str]) -> str:
    sections = []
    for result in results:
        status = escape(word(f"status_{result.status}", ctx.language))
        heading = f"<h3>{t(ctx, 'results_at', library=name(result.library_id), status='')}{status}</h3>"
        if result.status != "answered":
            sections.append(heading)
            continue
        if not result.hits:
            sections.append(heading + f"<p>{t(ctx, 'no_hits')}</p>")
            continue
        rows = []
        for hit in result.hits:
            if result.library_id == own_library:
                action = t(ctx, "own_library")
            elif hit.available:
                action = _order_form(ctx, result.library_id, hit.barcode, hit.title, hit.author)
            else:
                action = ""
            rows.append(
                f"<tr><td>{escape(hit.title)}</td><td>{escape(hit.author or '')}</td>"
                f"<td>{t(ctx, 'available' if hit.available else 'not_available')}</td><td>{action}</td></tr>"
            )
        headings = [t(ctx, "title"), t(ctx, "author"), t(ctx, "availability"), t(ctx, "action")]
        sections.append(heading + table(escape(name(result.library_id)), headings, rows))
    return "\n".join(sections)


def _details(ctx: PageContext, request: BorrowedRequest) -> str:
    if request.state == "received" and request.pickup_deadline is not None:
        return t(ctx, "pickup", reference=request.reference_number or "", deadline=ctx.date(request.pickup_deadline))
    if request.state == "lent" and request.owner_due_on is not None:
        return t(ctx, "due", due=ctx.date(request.owner_due_on))
    if request.state == "cancelled" and request.cancelled_by is not None:
        return escape(word(f"cancelled_by_{request.cancelled_by}", ctx.language))
    return ""


def _action(ctx: PageContext, request: BorrowedRequest) -> str:
    verb = {"requested": "cancel", "lent": "renew"}.get(request.state)
    if verb is None:
        return ""
    return (
        f'<form class="inline" method="post" action="{INTERLIBRARY}/{request.request_id}/{verb}">{ctx.hidden_fields()}'
        f'<button type="submit">{t(ctx, verb)}</button></form>'
    )


def _requests(ctx: PageContext, requests: list[BorrowedRequest], name: Callable[[str], str]) -> str:
    if not requests:
        return f"<p>{t(ctx, 'no_requests')}</p>"
    rows = (
        f"<tr><td>{escape(request.title)}</td><td>{escape(name(request.owner_library))}</td>"
        f"<td>{escape(word(f'state_{request.state}', ctx.language))}</td><td>{_details(ctx, request)}</td>"
        f"<td>{_action(ctx, request)}</td></tr>"
        for request in requests
    )
    headings = [t(ctx, "title"), t(ctx, "from_library"), t(ctx, "status"), t(ctx, "details"), t(ctx, "action")]
    return table(t(ctx, "my_requests"), headings, rows)


def interlibrary_page(
    ctx: PageContext,
    *,
    own_library: str,
    requests: list[BorrowedRequest],
    search_text: str,
    results: list[LibraryResult] | None,
    name: Callable[[str], str],
    message: str | None = None,
    notice: str | None = None,
) -> str:
    found = "" if results is None else _results(ctx, results, own_library, name)
    body = f"""<h1>{t(ctx, "heading")}</h1>
{alert_message(message)}{alert_notice(notice)}
<p>{t(ctx, "intro", library=ctx.library_name)}</p>
<p><a href="{BASE}/me?lang={ctx.language}">{t(ctx, "back")}</a></p>
{_search_form(ctx, search_text)}
{found}
<h2>{t(ctx, "my_requests")}</h2>
{_requests(ctx, requests, name)}"""
    return layout(ctx, TEXTS["heading"][ctx.language], body, logged_in=True)
