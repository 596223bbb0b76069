"""Server-rendered HTML of the insight site: plain, accessible, no JavaScript.

Every value is escaped here, in one place; page functions take data and return whole documents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape

from plumbing.web.language import other_language
from plumbing.web.pages import (
    LoginField,
    alert,
    hidden_form_fields,
    html_document,
    inline_style,
    language_link,
    login_body,
    logout_form,
)
from registry.audit.log import AuditEntry
from registry.federation.statements import STATEMENT_OPERATION_PREFIX
from registry.insight.service import InsightData
from registry.insight.texts import Language, authenticated_by, operation, text
from registry.oidc.claims import CALENDAR, CLAIMS
from registry.oidc.clients import ServiceUse
from registry.oidc.texts import text as service_text
from registry_contract.models import PostalAddress

STYLE = """
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #999;padding:.4rem;text-align:left}
.message{border:2px solid #a40000;padding:.6rem;background:#fff0f0}.notice{border:2px solid #1a5e20;padding:.6rem}
form.inline{display:inline}label{display:block;margin-top:.6rem}input{font-size:1.1rem;padding:.3rem}
button{font-size:1rem;padding:.4rem .9rem;margin:.5rem .5rem .5rem 0}
"""


def layout(language: Language, title: str, body: str, *, controller: str) -> str:
    other = other_language(language)
    header = (
        f"<p>{language_link(f'?lang={other}', other, text('language', language))}\n"
        f' · <a href="/privacy?lang={language}">{escape(text("privacy", language))}</a></p>'
    )
    footer = f"<footer><p>{escape(text('controller', language))}: {escape(controller)}</p></footer>\n"
    return html_document(
        language, [title, text("site_title", language)], style=inline_style(STYLE), header=header, main=body,
        footer=footer,
    )  # fmt: skip


def _messages(message: str | None, notice: str | None) -> str:
    # Both are announced at once (role "alert"): the patron's next step depends on them.
    return alert(message) + alert(notice, css_class="notice")


def login_page(
    language: Language, csrf: str, *, controller: str, message: str | None = None, notice: str | None = None
) -> str:
    body = login_body(
        heading=text("login_heading", language), messages=_messages(message, notice),
        intro=text("login_intro", language), action="/login", csrf=csrf, language=language,
        fields=[
            LoginField("card_number", text("card_number", language),
                       'inputmode="numeric" autocomplete="username" required maxlength="10"'),
            LoginField("pin", text("pin", language),
                       'type="password" inputmode="numeric" autocomplete="current-password" required maxlength="4"'),
        ],
        button=text("log_in", language),
    )  # fmt: skip
    return layout(language, text("log_in", language), body, controller=controller)


def _local_time(moment: dt.datetime) -> str:
    """A moment as a patron in Norway reads it: on the wall clock in Oslo."""
    return moment.astimezone(CALENDAR).strftime("%Y-%m-%d %H:%M")


def _address(address: PostalAddress) -> str:
    return escape(", ".join([*address.lines, f"{address.postal_code} {address.city}", address.country]))


def _row(label: str, value: str) -> str:
    return f'<tr><th scope="row">{escape(label)}</th><td>{value}</td></tr>'


def insight_page(
    language: Language, data: InsightData, csrf: str, *, controller: str, notice: str | None = None,
    message: str | None = None, library_names: Callable[[str, str], str] = lambda library, _: library,
) -> str:  # fmt: skip
    """``library_names`` gives each library's display name in the page's language (ids are for machines)."""
    record = data.record
    none = escape(text("none", language))

    def library(library_id: str) -> str:
        return library_names(library_id, language)

    service_names = {use.client_id: use.names[language] for use in data.services}

    def who(entry: AuditEntry) -> str:
        # A library by its name; the registry's own people by their role, not their account name.
        if entry.library_id:
            return library(entry.library_id)
        if entry.actor.startswith("admin:"):
            return text("registry_administrator", language)
        if entry.actor.startswith("service:"):
            return service_names.get(entry.actor.removeprefix("service:"), entry.actor.removeprefix("service:"))
        return text("you", language) if entry.actor == "patron" else entry.actor

    def t(key: str) -> str:
        return escape(text(key, language))

    rows = [
        _row(text("name", language), escape(record.name)),
        _row(text("national_id", language), escape(data.national_id_shown)),
        _row(text("card_number", language).split(" (")[0], escape(record.card_number)),
        _row(text("birth_date", language), escape(record.birth_date.isoformat())),
        _row(text("gender", language), t(record.gender)),
        _row(text("addresses", language), "<br>".join(_address(a) for a in record.addresses) or none),
        _row(text("phone_numbers", language), escape(", ".join(record.phone_numbers)) or none),
        _row(text("email", language), escape(record.email or "") or none),
        _row(text("preferred_contact", language), t(record.preferred_contact)),
        _row(text("home_library", language), escape(library(record.home_library or "")) or none),
        _row(text("libraries", language), escape(", ".join(library(each) for each in record.libraries)) or none),
        _row(text("pin_set", language), t("pin_stored" if record.pin_set else "pin_missing")),
    ]

    def what_and_why(entry: AuditEntry) -> tuple[str, str]:
        if entry.operation.startswith(STATEMENT_OPERATION_PREFIX):
            # A signed statement: the purpose holds the library asked and how the asking library knew it was you.
            audience, _, method = entry.purpose.partition(" ")
            return operation(entry.operation, language, library=library(audience)), authenticated_by(method, language)
        return operation(entry.operation, language), entry.purpose

    accesses = "".join(
        f"<tr><td>{escape(_local_time(entry.occurred_at))}</td>"
        f"<td>{escape(who(entry))}</td><td>{escape(what_and_why(entry)[0])}</td>"
        f"<td>{escape(what_and_why(entry)[1])}</td></tr>"
        for entry in reversed(data.accesses)
    )
    pending = "".join(
        f"<li>{t(request.kind)} – {t('pending')} ({escape(request.filed_at.strftime('%Y-%m-%d'))})</li>"
        for request in data.pending_requests
    )
    hidden = hidden_form_fields(csrf, language)
    body = f"""<h1>{t("your_data")}</h1>
{_messages(message, notice)}
<table><caption>{t("your_data")}</caption>
<thead><tr><th scope="col">{t("field")}</th><th scope="col">{t("value")}</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<form class="inline" method="post" action="/me/reveal">{hidden}
<label for="reveal-pin">{t("reveal_pin")}</label>
<input id="reveal-pin" name="pin" type="password" inputmode="numeric" autocomplete="current-password" required
 maxlength="4"><button type="submit">{t("reveal")}</button></form>
<p><a href="/me/export.json" download>{t("download")}</a></p>
<p>{t("corrections")}</p>
<h2>{t("requests")}</h2>
{f"<ul>{pending}</ul>" if pending else f"<p>{t('no_requests')}</p>"}
<form method="post" action="/me/deletion-request">{hidden}
<p>{t("deletion_explained")}</p><button type="submit">{t("request_deletion")}</button></form>
{services_section(language, data.services, hidden)}
<h2>{t("access_log")}</h2>
<table><caption>{t("access_log")}</caption>
<thead><tr><th scope="col">{t("when")}</th><th scope="col">{t("who")}</th><th scope="col">{t("what")}</th>
<th scope="col">{t("why")}</th></tr></thead><tbody>{accesses}</tbody></table>
{logout_form("/logout", csrf, language, text("log_out", language))}"""
    return layout(language, text("your_data", language), body, controller=controller)


def privacy_page(language: Language, *, controller: str) -> str:
    body = f"""<h1>{escape(text("privacy", language))}</h1>
<p>{escape(text("controller", language))}: <strong>{escape(controller)}</strong></p>
<p>{escape(text("privacy_text", language))}</p>
<p><a href="/?lang={language}">{escape(text("back", language))}</a></p>"""
    return layout(language, text("privacy", language), body, controller=controller)


def services_section(language: Language, services: Sequence[ServiceUse], hidden: str) -> str:
    """The insight page's table of services, times on the Norwegian wall clock; each can be withdrawn (``hidden``:
    the form's token and language fields)."""

    heading = escape(service_text("services_heading", language))
    if not services:
        return f"<h2>{heading}</h2>\n<p>{escape(service_text('services_none', language))}</p>"

    def claims_of(use: ServiceUse) -> str:
        given = [CLAIMS[name].consent_text[language] for name in use.claims if name in CLAIMS]
        return "; ".join([service_text("consent_pseudonym", language), *given])

    def withdraw_form(use: ServiceUse) -> str:
        label = service_text("withdraw_for", language, service=use.names[language])
        return (
            f'<form method="post" action="/me/services/withdraw">{hidden}'
            f'<input type="hidden" name="service" value="{escape(use.client_id)}">'
            f'<button type="submit" aria-label="{escape(label)}">{escape(service_text("withdraw", language))}'
            "</button></form>"
        )

    never = service_text("never", language)
    rows = "".join(
        f"<tr><td>{escape(use.names[language])}</td><td>{escape(claims_of(use))}</td>"
        f"<td>{escape(_local_time(use.agreed_at))}</td>"
        f"<td>{escape(_local_time(use.last_login_at) if use.last_login_at else never)}</td>"
        f"<td>{use.logins}</td><td>{withdraw_form(use)}</td></tr>"
        for use in services
    )
    columns = "".join(
        f'<th scope="col">{escape(service_text(key, language))}</th>'
        for key in ("service", "service_given", "service_agreed", "service_last_login", "service_logins", "withdraw")
    )
    return f"""<h2>{heading}</h2>
<table><caption>{heading}</caption>
<thead><tr>{columns}</tr></thead><tbody>{rows}</tbody></table>"""
