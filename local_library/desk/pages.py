"""The staff desk's page frame: the context every page gets, the layout with its navigation bar, the login
page, a message page, and small HTML helpers the desk's pages share. No JavaScript anywhere.

Every value from the database or the request is escaped here or in the shared page skeleton
(``plumbing.web.pages``). Styles come from ``/staff/style.css`` so the content security policy can forbid
inline styles and scripts altogether.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from local_library.page_context import LibraryPageContext
from local_library.staff.models import StaffMember
from plumbing.web.language import other_language
from plumbing.web.pages import (
    LoginField,
    alert,
    html_document,
    language_link,
    linked_stylesheet,
    login_body,
    logout_form,
)

from .texts import Language, text

BASE = "/staff"
CIRCULATION = f"{BASE}/"
PATRONS = f"{BASE}/patrons"
REGISTRY = f"{BASE}/registry"
INTERLIBRARY = f"{BASE}/interlibrary"
LOGIN = f"{BASE}/login"
LOGOUT = f"{BASE}/logout"

# Contrast: every text colour on white is at least 7:1 (AAA); the focus ring is thick and dark.
STYLESHEET = """
body{font-family:system-ui,sans-serif;margin:0;line-height:1.45;color:#1b1b1b;background:#fff}
header{background:#0b3d6e;color:#fff;padding:.5rem 1rem}header a,header span{color:#fff}
header nav{display:flex;gap:1.2rem;flex-wrap:wrap;align-items:center}
header nav a[aria-current=page]{font-weight:bold;text-decoration:underline 3px}
header .who{margin-left:auto}
main{max-width:72rem;margin:1rem auto;padding:0 1rem}
a{color:#0b4f9c}table{border-collapse:collapse;width:100%;margin:.8rem 0}
th,td{border:1px solid #888;padding:.35rem;text-align:left;vertical-align:top}caption{text-align:left;font-weight:bold}
.message{border:3px solid #a40000;padding:.6rem;background:#fff0f0}
.notice{border:3px solid #1a5e20;padding:.6rem;background:#f0fff0}
.warning{border:3px solid #7a4a00;padding:.6rem;background:#fff8e6}
figure.card{margin:.8rem 0}.card-barcode{display:block;width:100%;max-width:24rem;height:auto}
form.inline{display:inline;margin:0}label{display:block;margin-top:.6rem}
.field-error{color:#a40000;font-weight:bold;margin:.2rem 0}.hint{margin:.2rem 0;color:#333}
label.inline{display:inline}.registry-owned{font-style:italic;color:#333}fieldset{margin:.8rem 0}
@media print{header,.no-print,.skip{display:none}body{font-size:12pt}}
input,select{font-size:1.15rem;padding:.35rem}button{font-size:1rem;padding:.35rem .9rem}
input:focus,button:focus,a:focus,select:focus{outline:3px solid #c25e00;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#0b4f9c}
.scan{border:2px solid #0b3d6e;padding:.2rem .8rem .8rem;margin:0 0 .8rem}.scan p{margin:.4rem 0}
.scan input[type=text]{font-size:1.5rem;width:22rem}
.mode{display:flex;gap:.5rem;margin:.8rem 0 0}.mode a{border:2px solid #0b3d6e;padding:.4rem .9rem;font-size:1.1rem}
.mode a.current{background:#0b3d6e;color:#fff;font-weight:bold}
.mode-now{font-size:1.3rem;font-weight:bold}
.patron{border:1px solid #888;padding:.6rem;margin:.8rem 0}
ul.warnings{list-style:none;padding:0}ul.warnings li{margin:.3rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:bold}dd{margin:0}
caption{font-size:1.17rem;margin:.4rem 0}
"""


@dataclass(frozen=True)
class DeskContext(LibraryPageContext):
    """What every desk page needs besides its data: the node's page context with the desk's words."""

    staff: StaffMember | None = None
    """Who is logged in (None on the login page)."""

    def t(self, key: str, **values: object) -> str:
        return escape(text(key, self.language, **values))

    def with_lang(self, path: str, language: Language | None = None) -> str:
        separator = "&" if "?" in path else "?"
        return f"{path}{separator}lang={language or self.language}"


def message(value: str | None) -> str:
    return alert(value)


def notice(value: str | None) -> str:
    return alert(value, css_class="notice", role="status")


def table(caption: str, headings: Iterable[str], rows: Iterable[str], *, empty: str = "", level: int = 2) -> str:
    """A table with a caption and column headings (already escaped); if there are no rows and ``empty`` (escaped)
    is given, a heading of ``level`` with the caption's words and ``empty`` below it."""
    body = "".join(rows)
    if not body and empty:
        return f"<h{level}>{caption}</h{level}><p>{empty}</p>"
    head = "".join(f'<th scope="col">{heading}</th>' for heading in headings)
    return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def post_button(ctx: DeskContext, action: str, label: str, *, fields: dict[str, str] | None = None) -> str:
    """A one-button form posting to ``action`` with the CSRF token and any hidden ``fields`` (values escaped)."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in (fields or {}).items()
    )
    return (
        f'<form class="inline" method="post" action="{escape(action)}">{ctx.hidden_fields()}{hidden}'
        f'<button type="submit">{escape(label)}</button></form>'
    )


_SECTIONS = (("circulation", CIRCULATION, "nav_circulation"), ("patrons", PATRONS, "nav_patrons"),
             ("interlibrary", INTERLIBRARY, "nav_interlibrary"), ("registry", REGISTRY, "nav_registry"))  # fmt: skip


def _navigation(ctx: DeskContext, section: str | None) -> str:
    other = other_language(ctx.language)
    switch = language_link(ctx.with_lang(_without_lang(ctx.here), other), other, text("language", ctx.language))
    if ctx.staff is None:
        return f'<nav aria-label="{ctx.t("nav")}"><span>{escape(ctx.library_name)}</span>{switch}</nav>'
    links = []
    for name, path, key in _SECTIONS:
        current = ' aria-current="page"' if name == section else ""
        links.append(f'<a href="{escape(ctx.with_lang(path))}"{current}>{ctx.t(key)}</a>')
    role = text(f"role_{ctx.staff.role}", ctx.language)
    logout = logout_form(LOGOUT, ctx.csrf, ctx.language, text("log_out", ctx.language), inline=True)
    return f"""<nav aria-label="{ctx.t("nav")}">
<span>{escape(ctx.library_name)}</span>
{"".join(links)}
<span class="who">{ctx.t("logged_in_as", username=ctx.staff.username, role=role)}</span>
{logout}
{switch}</nav>"""


def _without_lang(path: str) -> str:
    base, _, query = path.partition("?")
    kept = "&".join(part for part in query.split("&") if part and not part.startswith("lang="))
    return f"{base}?{kept}" if kept else base


def layout(ctx: DeskContext, title: str, body: str, *, section: str | None = None) -> str:
    """A whole desk page: the navigation bar (``section`` marks the current one) and ``body`` (HTML)."""
    return html_document(
        ctx.language, [title, text("site_title", ctx.language), ctx.library_name],
        style=linked_stylesheet(f"{BASE}/style.css"), skip_link=f'<a class="skip" href="#main">{ctx.t("skip")}</a>\n',
        header=_navigation(ctx, section), main=body, main_id="main",
    )  # fmt: skip


def login_page(ctx: DeskContext, *, message_text: str | None = None, notice_text: str | None = None) -> str:
    language = ctx.language
    body = login_body(
        heading=text("login_heading", language), messages=message(message_text) + notice(notice_text),
        intro=text("login_intro", language, library=ctx.library_name), action=LOGIN, csrf=ctx.csrf,
        language=language,
        fields=[
            LoginField("username", text("username", language),
                       'autocomplete="username" required maxlength="64" autocapitalize="none" spellcheck="false"'
                       " autofocus"),
            LoginField("password", text("password", language),
                       'type="password" autocomplete="current-password" required maxlength="256"'),
        ],
        button=text("log_in", language),
    )  # fmt: skip
    return layout(ctx, text("log_in", language), body)


def message_page(ctx: DeskContext, message_text: str, *, back: str = CIRCULATION) -> str:
    """A refusal with nothing else to show (an expired form, a page for admins only), and the way back."""
    body = f"""<h1>{ctx.t("site_title")}</h1>
{message(message_text)}
<p><a href="{escape(ctx.with_lang(back))}">{ctx.t("back")}</a></p>"""
    return layout(ctx, text("site_title", ctx.language), body)
