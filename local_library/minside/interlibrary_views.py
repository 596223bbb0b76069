"""Min side's interlibrary views: the page (search and one's requests), ordering, cancelling and renewing.

As everywhere on Min side, every answer is a page or a redirect back to one (post/redirect/get): refusals
become words in the patron's language, and only ids and known codes travel in the redirect's query.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from local_library.app_keys import CLOCK, INTERLIBRARY, SETTINGS
from local_library.app_keys import MINSIDE_SITE as SITE
from local_library.interlibrary import borrowing
from local_library.interlibrary.models import BorrowedRequest
from local_library.interlibrary.queries import borrowed_of_patron
from local_library.interlibrary.search import CatalogueQuery, LibraryResult
from local_library.interlibrary.service import Interlibrary
from local_library.interlibrary.words import REFUSAL_CODES, refusal
from local_library.patrons.queries import patron_by_id
from local_library.web import transaction
from plumbing.errors import DomainError
from plumbing.web.language import Language
from plumbing.web.times import format_date

from . import interlibrary_pages
from .interlibrary_pages import INTERLIBRARY as PAGE
from .views import _context

_CODE = re.compile(r"[a-z_]{1,64}")
_LIBRARY_ID = re.compile(r"[a-z][a-z0-9-]{1,31}")
_BARCODE = re.compile(r"[A-Za-z0-9-]{1,64}")


async def _names(interlibrary: Interlibrary, language: Language) -> Callable[[str], str]:
    try:
        names = await interlibrary.transport.display_names()
    except Exception:  # noqa: BLE001 - the directory away: ids are still readable names
        names = {}

    def name(library_id: str) -> str:
        known = names.get(library_id)
        return library_id if known is None else (known[0] if language == "nb" else known[1])

    return name


def _outcome(
    request: web.Request, requests: list[BorrowedRequest], language: Language
) -> tuple[str | None, str | None]:
    query = request.query
    refused = query.get("refused")
    if refused is not None:
        return refusal(refused if _CODE.fullmatch(refused) else "interlibrary_request_not_found", language), None
    by_id = {str(item.request_id): item for item in requests}
    ordered = by_id.get(query.get("ordered", ""))
    if ordered is not None and ordered.state == "requested":  # a reload later shows the state, not old news
        return None, interlibrary_pages.TEXTS["ordered"][language].format(title=ordered.title)
    if "cancelled" in query:
        return None, interlibrary_pages.TEXTS["cancelled"][language]
    renewed = by_id.get(query.get("renewed", ""))
    if renewed is not None and renewed.owner_due_on is not None:
        due = format_date(renewed.owner_due_on, language)
        return None, interlibrary_pages.TEXTS["renewed"][language].format(due=due)
    return None, None


async def interlibrary_page(request: web.Request) -> web.Response:
    site = request.app[SITE]
    visit = await site.visit(request)
    if isinstance(visit, web.Response):
        return visit
    interlibrary = request.app[INTERLIBRARY]
    search_text = request.query.get("q", "").strip()
    results: list[LibraryResult] | None = None
    message: str | None = None
    if search_text:
        try:
            query = CatalogueQuery(text=search_text)
        except ValidationError:
            message = interlibrary_pages.TEXTS["search_too_short"][visit.language]
        else:
            results = await interlibrary.search(query)
    async with transaction(request) as conn:
        requests = await borrowed_of_patron(conn, visit.session.patron_id)
    outcome_message, notice = _outcome(request, requests, visit.language)
    ctx = _context(request, visit.language, site.form_token(visit.session), PAGE)
    page = interlibrary_pages.interlibrary_page(
        ctx, own_library=request.app[SETTINGS].library_id, requests=requests, search_text=search_text,
        results=results, name=await _names(interlibrary, visit.language), message=message or outcome_message,
        notice=notice,
    )  # fmt: skip
    return site.page(page, visit.language)


async def order(request: web.Request) -> web.Response:
    site = request.app[SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    form = post.form
    owner, barcode, title = form.get("owner_library", ""), form.get("barcode", ""), form.get("title", "").strip()
    if not (_LIBRARY_ID.fullmatch(owner) and _BARCODE.fullmatch(barcode) and 0 < len(title) <= 500):
        return site.redirect(f"{PAGE}?lang={post.language}&refused=interlibrary_request_not_found")
    author = form.get("author", "").strip()[:300] or None
    try:
        async with transaction(request) as conn:
            patron = await patron_by_id(conn, post.session.patron_id)
            ordered = await borrowing.order_copy(
                conn, request.app[CLOCK], request.app[SETTINGS].library_id, patron, owner_library=owner,
                barcode=barcode, title=title, author=author,
            )  # fmt: skip
    except DomainError as error:
        return site.redirect(f"{PAGE}?lang={post.language}&refused={_known(error.code)}")
    return site.redirect(f"{PAGE}?lang={post.language}&ordered={ordered.request_id}")


def _known(code: str) -> str:
    return code if code in REFUSAL_CODES else "renewal_refused"


Act = Callable[[web.Request, uuid.UUID, uuid.UUID], Awaitable[BorrowedRequest]]


async def _act(request: web.Request, act: Act, done: str) -> web.Response:
    site = request.app[SITE]
    post = await site.session_form(request)
    if isinstance(post, web.Response):
        return post
    try:
        request_id = uuid.UUID(request.match_info["request_id"])
        changed = await act(request, request_id, post.session.patron_id)
    except ValueError:
        return site.redirect(f"{PAGE}?lang={post.language}&refused=interlibrary_request_not_found")
    except DomainError as error:
        code = "interlibrary_request_not_found" if error.code == "loan_not_found" else error.code
        return site.redirect(f"{PAGE}?lang={post.language}&refused={_known(code)}")
    return site.redirect(f"{PAGE}?lang={post.language}&{done}={changed.request_id}")


async def _cancel(request: web.Request, request_id: uuid.UUID, patron_id: uuid.UUID) -> BorrowedRequest:
    async with transaction(request) as conn:
        return await borrowing.cancel_order(conn, request.app[CLOCK], request_id, patron_id=patron_id)


async def _renew(request: web.Request, request_id: uuid.UUID, patron_id: uuid.UUID) -> BorrowedRequest:
    return await request.app[INTERLIBRARY].renew(request_id, patron_id=patron_id)


async def cancel(request: web.Request) -> web.Response:
    return await _act(request, _cancel, "cancelled")


async def renew(request: web.Request) -> web.Response:
    return await _act(request, _renew, "renewed")


def add_interlibrary_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, interlibrary_page)
    app.router.add_post(f"{PAGE}/order", order)
    uuid_pattern = "{request_id:[0-9a-f-]{36}}"
    app.router.add_post(f"{PAGE}/{uuid_pattern}/cancel", cancel)
    app.router.add_post(f"{PAGE}/{uuid_pattern}/renew", renew)
