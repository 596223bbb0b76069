"""Small pieces every server-rendered page of ours uses: private cookies, form fields, security headers, and the
HTML skeleton (document, messages, hidden form fields, login and logout forms).

The HTML helpers take text already in the page's language and escape every value here; a site keeps only its
words and the content of its own pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from aiohttp import web
from aiohttp.typedefs import Middleware

from plumbing.errors import DomainError, ErrorKind
from plumbing.http.bodies import within_read_timeout
from plumbing.http.problems import Handler
from plumbing.text import CONTROL_CHARACTER, CONTROL_CHARACTER_MESSAGE, has_control_character
from plumbing.web.language import Language

# What every HTML page of ours may do: nothing but its own stylesheet, forms only to itself, no framing.
BASE_SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def security_headers(content_security_policy: str) -> dict[str, str]:
    return {"Content-Security-Policy": content_security_policy, **BASE_SECURITY_HEADERS}


# Pages styled only by their own stylesheet file: no scripts at all, no inline styles (Min side, the staff desk).
OWN_STYLESHEET_HEADERS = security_headers(
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Pages that carry their (static) stylesheet inline (the insight site); still no scripts run anywhere.
INLINE_STYLE_HEADERS = security_headers(
    "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers_middleware(headers: Mapping[str, str]) -> Middleware:
    """Puts ``headers`` on every response of an app that serves nothing but one site (problem+json included).

    A header the handler set itself is kept: a page may need a policy of its own (the library-service login's
    forms redirect to the service, which its ``form-action`` must allow; published keys may be cached).
    """

    @web.middleware
    async def add_security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return add_security_headers


def set_private_cookie(response: web.StreamResponse, name: str, value: str, *, path: str = "/") -> None:
    """A cookie only our own HTTPS pages ever see: Secure, HttpOnly, SameSite=Strict."""
    response.set_cookie(name, value, secure=True, httponly=True, samesite="Strict", path=path)


async def form_fields(request: web.Request) -> dict[str, str]:
    """The text fields of a posted form (file uploads are not something our forms take).

    Our forms have only single-line fields (card number, PIN, tokens), so no field may hold a control character.
    """
    try:
        data = await within_read_timeout(request, request.post())
    except UnicodeDecodeError:  # aiohttp decodes a urlencoded body strictly
        raise DomainError(ErrorKind.INVALID, "form_encoding", "the form must be sent as UTF-8") from None
    fields = {key: value for key, value in data.items() if isinstance(value, str)}
    refused = sorted(key for key, value in fields.items() if has_control_character(key + value))
    if refused:
        errors = [
            {"field": _printable(key), "message": CONTROL_CHARACTER_MESSAGE, "type": CONTROL_CHARACTER}
            for key in refused
        ]
        raise DomainError(ErrorKind.INVALID, CONTROL_CHARACTER, CONTROL_CHARACTER_MESSAGE, extra={"errors": errors})
    return fields


def _printable(name: str) -> str:
    return "(unprintable field name)" if has_control_character(name) else name


def inline_style(css: str) -> str:
    return f"<style>{css}</style>"


def linked_stylesheet(href: str) -> str:
    return f'<link rel="stylesheet" href="{escape(href)}">'


_TITLE_SEPARATOR = " \N{EN DASH} "


def html_document(
    language: Language, title: Sequence[str], *, style: str, header: str, main: str, footer: str = "",
    skip_link: str = "", main_id: str | None = None,
) -> str:  # fmt: skip
    """A whole page: ``title`` is plain text, most specific part first (joined by dashes, escaped here);
    ``style``, ``header``, ``main``, ``footer`` and ``skip_link`` are HTML the site built with these helpers."""
    main_open = f'<main id="{main_id}">' if main_id else "<main>"
    return f"""<!doctype html>
<html lang="{language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(_TITLE_SEPARATOR.join(title))}</title>
{style}</head>
<body>
{skip_link}<header>{header}</header>
{main_open}
{main}
</main>
{footer}</body></html>"""


def language_link(href: str, language: Language, label: str) -> str:
    """The switch to ``language`` (``href`` already carries ``?lang=``); ``label`` is in that language."""
    return f'<a href="{escape(href)}" hreflang="{language}" lang="{language}">{escape(label)}</a>'


def alert(message: str | None, *, css_class: str = "message", role: str = "alert") -> str:
    """A message the patron must see (``role="alert"``) or a quieter status (``role="status"``); empty if none."""
    return f'<p class="{css_class}" role="{role}">{escape(message)}</p>' if message else ""


def hidden_form_fields(csrf: str, language: Language) -> str:
    """Every form posts its CSRF token and the page's language back."""
    return (
        f'<input type="hidden" name="csrf" value="{escape(csrf)}"><input type="hidden" name="lang" value="{language}">'
    )


def logout_form(action: str, csrf: str, language: Language, label: str, *, inline: bool = False) -> str:
    css_class = ' class="inline"' if inline else ""
    return (
        f'<form{css_class} method="post" action="{escape(action)}">{hidden_form_fields(csrf, language)}'
        f'<button type="submit">{escape(label)}</button></form>'
    )


@dataclass(frozen=True)
class LoginField:
    """One field of a login form: its name, its label, the input's further attributes (HTML), a hint below it."""

    name: str
    label: str
    attributes: str
    hint: str | None = None


def login_body(
    *, heading: str, messages: str, intro: str, action: str, csrf: str, language: Language,
    fields: Sequence[LoginField], button: str, carried: str = "", more_buttons: str = "",
) -> str:  # fmt: skip
    """The login page's content: heading, messages (HTML from :func:`alert`), introduction and the form.

    ``carried`` (hidden inputs) and ``more_buttons`` are HTML for a login that is part of something larger (the
    library-service login carries the service's request along and offers to cancel it).
    """
    inputs = []
    for field in fields:
        described = f' aria-describedby="{field.name}_hint"' if field.hint else ""
        inputs.append(
            f'<label for="{field.name}">{escape(field.label)}</label>\n'
            f'<input id="{field.name}" name="{field.name}" {field.attributes}{described}>'
        )
        if field.hint:
            inputs.append(f'<p id="{field.name}_hint">{escape(field.hint)}</p>')
    joined = "\n".join(inputs)
    return f"""<h1>{escape(heading)}</h1>
{messages}
<p>{escape(intro)}</p>
<form method="post" action="{escape(action)}">{hidden_form_fields(csrf, language)}{carried}
{joined}
<p><button type="submit">{escape(button)}</button>{more_buttons}</p>
</form>"""
