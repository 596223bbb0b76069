"""Server-rendered HTML of the administrators' desk: plain, accessible, no JavaScript.

Every value is escaped here; page functions take data and return whole documents (the skeleton is
``plumbing.web.pages``). Times are shown in the registry's time zone (the ``timezone`` setting, Norwegian time by
default) and dates in the page's language's format (``plumbing.web.times``), as the administrators read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape

from plumbing.web.language import Language, other_language
from plumbing.web.pages import alert, hidden_form_fields, html_document, inline_style, language_link
from plumbing.web.times import format_date, format_datetime
from registry.admin_desk.status import ChainState, KeyStatus, LibraryState
from registry.admin_desk.texts import text
from registry.audit.log import ChainVerdict
from registry.erasure.admin import MAX_NOTE_LENGTH, RequestDetails, RequestSummary

LibraryNames = Callable[[str, Language], str]
"""A library's display name in a language (its id if it has none)."""

STYLE = """
body{font-family:system-ui,sans-serif;max-width:64rem;margin:1rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
a{color:#0b4f8a}a:focus,button:focus,input:focus,textarea:focus{outline:3px solid #f0a000;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.4rem}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
nav a[aria-current=page]{font-weight:bold}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #888;padding:.4rem;text-align:left}
caption{text-align:left;font-weight:bold}
.message{border:2px solid #a40000;padding:.6rem;background:#fff0f0}
.notice{border:2px solid #1a5e20;padding:.6rem;background:#f0fff0}
label{display:block;margin-top:.6rem;font-weight:bold}textarea{width:100%;font-size:1rem}
button{font-size:1rem;padding:.4rem .9rem;margin:.5rem .5rem .5rem 0}
button.danger{background:#a40000;color:#fff;border:1px solid #700}
.pending{font-weight:bold}
"""
NAVIGATION = (("/requests", "nav_requests"), ("/libraries", "nav_libraries"), ("/audit", "nav_audit"),
              ("/keys", "nav_keys"))  # fmt: skip


def when(moment: dt.datetime | None, language: Language, zone: dt.tzinfo) -> str:
    return format_datetime(moment, language, zone)


def duration(span: dt.timedelta, language: Language) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return text("days_hours", language, days=days, hours=hours)
    return text("hours_minutes", language, hours=hours, minutes=minutes)


def layout(language: Language, path: str, title: str, body: str, *, admin: str | None) -> str:
    """The desk's frame: skip link, menu (the current page marked), language switch, who is signed in."""
    other = other_language(language)
    links = "".join(
        f'<li><a href="{href}?lang={language}"{" aria-current=page" if path.startswith(href) else ""}>'
        f"{escape(text(key, language))}</a></li>"
        for href, key in NAVIGATION
    )
    # A refused visitor (``admin`` None) gets no menu: none of its pages would open for them.
    signed_in = (
        f"<p>{escape(text('signed_in_as', language, name=admin))}</p>"
        f'<nav aria-label="{escape(text("navigation", language))}"><ul>{links}</ul></nav>'
        if admin
        else ""
    )
    header = (
        f"<p><strong>{escape(text('site_title', language))}</strong> · "
        f"{language_link(f'{path}?lang={other}', other, text('language', language))}</p>{signed_in}"
    )
    skip = f'<a class="skip" href="#main">{escape(text("skip", language))}</a>\n'
    return html_document(
        language, [title, text("site_title", language)], style=inline_style(STYLE), header=header, main=body,
        skip_link=skip, main_id="main",
    )  # fmt: skip


def _kind(kind: str, language: Language) -> str:
    return escape(text(kind, language))


def _filed_by(summary_library: str | None, filed_via: str, language: Language, names: LibraryNames) -> str:
    if summary_library:
        return escape(names(summary_library, language))
    return escape(text(filed_via, language) if filed_via in ("insight_page", "population_register") else filed_via)


def requests_page(
    language: Language, admin: str, summaries: Sequence[RequestSummary], names: LibraryNames, now: dt.datetime,
    *, showing_all: bool, zone: dt.tzinfo,
) -> str:  # fmt: skip
    def t(key: str) -> str:
        return escape(text(key, language))

    rows = []
    for summary in summaries:
        request = summary.request
        card = escape(summary.card_number) if summary.card_number else t("erased")
        css = ' class="pending"' if request.status == "pending" else ""
        rows.append(
            f'<tr{css}><td><a href="/requests/{request.request_id}?lang={language}">{card}</a></td>'
            f"<td>{_kind(request.kind, language)}</td>"
            f"<td>{_filed_by(request.filed_by_library, request.filed_via, language, names)}</td>"
            f"<td>{escape(when(request.filed_at, language, zone))}</td>"
            f"<td>{escape(duration(summary.waited(now), language))}</td>"
            f"<td>{t(request.status)}</td></tr>"
        )
    switch = (
        f'<a href="/requests?lang={language}">{t("show_pending")}</a>'
        if showing_all
        else f'<a href="/requests?status=all&amp;lang={language}">{t("show_all")}</a>'
    )
    table = (
        f"""<table><caption>{t("requests_heading")}</caption>
<thead><tr><th scope="col">{t("card_number")}</th><th scope="col">{t("kind")}</th><th scope="col">{t("filed_by")}</th>
<th scope="col">{t("filed_at")}</th><th scope="col">{t("waited")}</th><th scope="col">{t("status")}</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>"""
        if rows
        else f"<p>{t('no_requests')}</p>"
    )
    body = f"""<h1>{t("requests_heading")}</h1>
<p>{t("requests_intro")}</p>
<p>{switch}</p>
{table}"""
    return layout(language, "/requests", text("requests_heading", language), body, admin=admin)


def _heading(details: RequestDetails, language: Language) -> str:
    kind = text(details.request.kind, language)
    if details.card_number is None:
        return text("request_heading_erased", language, kind=kind)
    return text("request_heading", language, kind=kind, card=details.card_number)


def _row(label: str, value: str) -> str:
    return f'<tr><th scope="row">{escape(label)}</th><td>{value}</td></tr>'


def request_page(
    language: Language, admin: str, details: RequestDetails, *, names: LibraryNames, csrf: str, now: dt.datetime,
    zone: dt.tzinfo, message: str | None = None, notice: str | None = None, reason: str = "",
) -> str:  # fmt: skip
    request = details.request

    def t(key: str) -> str:
        return escape(text(key, language))

    rows = [
        _row(text("kind", language), _kind(request.kind, language)),
        _row(text("status", language), t(request.status)),
        _row(text("filed_by", language), _filed_by(request.filed_by_library, request.filed_via, language, names)),
        _row(text("filed_at", language), escape(when(request.filed_at, language, zone))),
        _row(text("waited", language), escape(duration((request.decided_at or now) - request.filed_at, language))),
    ]
    if details.record_present:
        rows += [
            _row(text("card_number", language), escape(details.card_number or "")),
            _row(text("name", language), escape(details.name or "")),
            _row(text("birth_date", language), escape(format_date(details.birth_date, language))),
            _row(text("home_library", language), escape(names(details.home_library or "", language))),
        ]  # fmt: skip
    if request.decided_at is not None:
        decided = text(
            "decided", language, status=text(request.status, language), at=when(request.decided_at, language, zone),
            by=(request.decided_by or "").removeprefix("admin:"),
        )  # fmt: skip
        rows.append(_row(text("decision", language), escape(decided) + f"<br>{escape(request.decision_note or '')}"))
    libraries = "".join(f"<li>{escape(names(library, language))}</li>" for library in details.libraries)
    decision_form = ""
    # A request whose record is already gone (erased by another way) is still decided here, to close it.
    if request.status == "pending":
        decision_form = f"""<h2>{t("decision")}</h2>
<form method="post" action="/requests/{request.request_id}/decide">{hidden_form_fields(csrf, language)}
<label for="reason">{t("reason")}</label>
<textarea id="reason" name="reason" rows="3" maxlength="{MAX_NOTE_LENGTH}" required
 aria-describedby="reason_hint">{escape(reason)}</textarea>
<p id="reason_hint">{t("reason_hint")}</p>
<button type="submit" name="decision" value="approve">{t("approve")}</button>
<button type="submit" name="decision" value="reject">{t("reject")}</button>
</form>"""
    told = (
        f"""<h2>{t("will_be_told")}</h2><ul>{libraries}</ul>
<h2>{t("what_is_erased")}</h2><p>{t("erasure_explained")}</p>"""
        if details.record_present and request.status == "pending"
        else ""
    )
    body = f"""<h1>{escape(_heading(details, language))}</h1>
{alert(message)}{alert(notice, css_class="notice", role="status")}
<table><caption>{escape(_heading(details, language))}</caption><tbody>{"".join(rows)}</tbody></table>
{told}
{decision_form}
<p><a href="/requests?lang={language}">{t("back_to_list")}</a></p>"""
    return layout(language, f"/requests/{request.request_id}", _heading(details, language), body, admin=admin)


def confirm_page(
    language: Language, admin: str, details: RequestDetails, names: LibraryNames, csrf: str, *, decision: str,
    reason: str,
) -> str:  # fmt: skip
    """The second step: the decision spelled out, confirmed by one more explicit press (or cancelled)."""
    request = details.request

    def t(key: str) -> str:
        return escape(text(key, language))

    card = details.card_number or text("erased", language)
    libraries = "".join(f"<li>{escape(names(library, language))}</li>" for library in details.libraries)
    told = f"<h2>{t('will_be_told')}</h2><ul>{libraries}</ul>" if decision == "approve" else ""
    heading = text(f"confirm_heading_{decision}", language)
    body = f"""<h1>{escape(heading)}</h1>
<p class="message" role="alert">{escape(text(f"confirm_{decision}", language, card=card))}</p>
<p><strong>{t("reason").split(" (")[0]}:</strong> {escape(reason)}</p>
{told}
<form method="post" action="/requests/{request.request_id}/decide">{hidden_form_fields(csrf, language)}
<input type="hidden" name="decision" value="{escape(decision)}">
<input type="hidden" name="reason" value="{escape(reason)}">
<input type="hidden" name="confirmed" value="yes">
<button type="submit" class="danger">{t(f"confirm_{decision}_button")}</button>
<a href="/requests/{request.request_id}?lang={language}">{t("cancel")}</a>
</form>"""
    return layout(language, f"/requests/{request.request_id}", heading, body, admin=admin)


def libraries_page(language: Language, admin: str, states: Sequence[LibraryState], *, zone: dt.tzinfo) -> str:
    def t(key: str) -> str:
        return escape(text(key, language))

    rows = "".join(
        f"<tr><td>{escape(state.entry.library_id)}</td><td>{escape(state.entry.display_name(language))}</td>"
        f"<td>{t(state.state)}</td><td>{escape(when(state.last_seen_at, language, zone)) or t('never')}</td>"
        f"<td>{escape(when(state.entry.certificate_not_after, language, zone))}</td></tr>"
        for state in states
    )
    table = (
        f"""<table><caption>{t("libraries_heading")}</caption>
<thead><tr><th scope="col">{t("library_id")}</th><th scope="col">{t("library_name")}</th>
<th scope="col">{t("state")}</th><th scope="col">{t("last_seen")}</th><th scope="col">{t("certificate_until")}</th>
</tr></thead><tbody>{rows}</tbody></table>"""
        if states
        else f"<p>{t('no_libraries')}</p>"
    )
    body = f"""<h1>{t("libraries_heading")}</h1>
{table}
<p>{t("libraries_hint")}</p>"""
    return layout(language, "/libraries", text("libraries_heading", language), body, admin=admin)


def audit_page(
    language: Language, admin: str, state: ChainState, csrf: str, *, zone: dt.tzinfo,
    verdict: ChainVerdict | None = None,
) -> str:  # fmt: skip
    def t(key: str) -> str:
        return escape(text(key, language))

    last = (
        text("entry_at", language, number=state.last_sequence_number, at=when(state.last_sealed_at, language, zone))
        if state.last_sequence_number is not None
        else text("chain_empty", language)
    )
    unsealed = text(
        "unsealed_value", language, count=state.lag.unsealed, seconds=round(state.lag.oldest_unsealed_seconds)
    )
    result = ""
    if verdict is not None:
        result = (
            alert(text("chain_intact", language, count=verdict.entries_checked), css_class="notice", role="status")
            if verdict.intact
            else alert(
                text("chain_broken", language, number=verdict.first_broken_sequence_number, problem=verdict.problem)
            )
        )
    body = f"""<h1>{t("audit_heading")}</h1>
{result}
<table><caption>{t("audit_heading")}</caption><tbody>
{_row(text("last_sealed", language), escape(last))}{_row(text("unsealed", language), escape(unsealed))}
</tbody></table>
<form method="post" action="/audit/verify">{hidden_form_fields(csrf, language)}
<p id="verify_hint">{t("verify_hint")}</p>
<button type="submit" aria-describedby="verify_hint">{t("verify")}</button></form>"""
    return layout(language, "/audit", text("audit_heading", language), body, admin=admin)


def keys_page(language: Language, admin: str, status: KeyStatus, *, zone: dt.tzinfo) -> str:
    def t(key: str) -> str:
        return escape(text(key, language))

    keks = "".join(
        f"<tr><td>{version}</td><td>{status.patrons_by_kek_version.get(version, 0)}</td>"
        f"<td>{t('yes') if version == status.active_kek_version else t('no')}</td></tr>"
        for version in status.kek_versions
    )
    rotation = (
        text("rotation_left", language, count=status.patrons_to_rotate)
        if status.patrons_to_rotate
        else text("rotation_done", language)
    )
    crl = (
        text("crl_next_update", language, at=when(status.crl_next_update, language, zone))
        if status.crl_next_update
        else text("crl_missing", language)
    )
    expiries = "".join(
        f"<tr><td>{escape(expiry.what)}</td><td>{escape(when(expiry.not_after, language, zone))}</td></tr>"
        for expiry in status.expiries
    )
    warnings = "".join(f"<li>{escape(warning)}</li>" for warning in status.warnings)
    warning_list = f'<h2>{t("warnings")}</h2><ul role="status">{warnings}</ul>' if warnings else ""
    body = f"""<h1>{t("keys_heading")}</h1>
{warning_list}
<h2>{t("kek_heading")}</h2>
<table><caption>{t("kek_heading")}</caption>
<thead><tr><th scope="col">{t("kek_version")}</th><th scope="col">{t("kek_patrons")}</th>
<th scope="col">{t("kek_in_use")}</th></tr></thead><tbody>{keks}</tbody></table>
<p>{escape(rotation)}</p>
<h2>{t("crl_heading")}</h2><p>{escape(crl)}</p>
<h2>{t("certificates_heading")}</h2>
<table><caption>{t("certificates_heading")}</caption>
<thead><tr><th scope="col">{t("certificate")}</th><th scope="col">{t("expires")}</th></tr></thead>
<tbody>{expiries}</tbody></table>"""
    return layout(language, "/keys", text("keys_heading", language), body, admin=admin)


def message_page(language: Language, admin: str | None, heading: str, message: str, *, back: bool = True) -> str:
    """A refusal or error in words, with the way back."""
    link = f'<p><a href="/requests?lang={language}">{escape(text("back_to_list", language))}</a></p>' if back else ""
    body = f"<h1>{escape(heading)}</h1>\n{alert(message)}\n{link}"
    return layout(language, "/", heading, body, admin=admin)
