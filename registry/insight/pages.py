"""Server-rendered HTML of the insight site: plain, accessible, no JavaScript.

Every value is escaped here, in one place; page functions take data and return whole documents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
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
from plumbing.web.times import format_date, format_datetime
from registry.audit.log import AuditEntry
from registry.federation.statements import STATEMENT_OPERATION_PREFIX
from registry.insight.audit_words import actor_words, purpose_words
from registry.insight.service import InsightData, PendingRequest
from registry.insight.texts import Language, authenticated_by, operation, text
from registry.oidc.claims import CLAIMS
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


def _address(address: PostalAddress) -> str:
    return escape(", ".join([*address.lines, f"{address.postal_code} {address.city}", address.country]))


def _row(label: str, value: str) -> str:
    return f'<tr><th scope="row">{escape(label)}</th><td>{value}</td></tr>'


def _deletion_section(language: Language, data: InsightData, hidden: str, zone: tzinfo) -> str:
    """The pending requests, or (with none pending) the button that opens the confirmation step."""

    def t(key: str) -> str:
        return escape(text(key, language))

    def filed_on(request: PendingRequest) -> str:
        return text("filed_on", language, date=format_date(request.filed_at.astimezone(zone).date(), language))

    pending = "".join(
        f"<li>{t(request.kind)} – {t('pending')} ({escape(filed_on(request))})</li>"
        for request in data.pending_requests
    )
    if pending:
        return f"<ul>{pending}</ul><p>{t('pending_explained')}</p>"
    return f"""<p>{t("no_requests")}</p>
<form method="post" action="/me/deletion-request">{hidden}
<p>{t("deletion_explained")}</p><button type="submit">{t("request_deletion")}</button></form>"""


def insight_page(
    language: Language, data: InsightData, csrf: str, *, controller: str, zone: tzinfo, notice: str | None = None,
    message: str | None = None, library_names: Callable[[str, Language], str] = lambda library, _: library,
) -> str:  # fmt: skip
    """``library_names`` gives each library's display name in the page's language (ids are for machines);
    times are shown in ``zone``, the registry's time zone setting."""
    record = data.record
    none = escape(text("none", language))

    def library(library_id: str) -> str:
        return library_names(library_id, language)

    service_names = {use.client_id: use.names[language] for use in data.services}

    def who(entry: AuditEntry) -> str:
        if entry.actor.startswith("service:"):
            # A library service the patron logged in to (``registry.oidc``), by its name.
            client_id = entry.actor.removeprefix("service:")
            return service_names.get(client_id, client_id)
        return actor_words(entry.actor, entry.library_id, language, library_names)

    def t(key: str) -> str:
        return escape(text(key, language))

    rows = [
        _row(text("name", language), escape(record.name)),
        _row(text("national_id", language), escape(data.national_id_shown)),
        _row(text("card_number", language).split(" (")[0], escape(record.card_number)),
        _row(text("birth_date", language), escape(format_date(record.birth_date, language))),
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
        return operation(entry.operation, language), purpose_words(entry.purpose, language)

    def access_row(entry: AuditEntry) -> str:
        what, why = what_and_why(entry)
        return (
            f"<tr><td>{escape(format_datetime(entry.occurred_at, language, zone))}</td>"
            f"<td>{escape(who(entry))}</td><td>{escape(what)}</td><td>{escape(why)}</td></tr>"
        )

    accesses = "".join(access_row(entry) for entry in reversed(data.accesses))
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
{_deletion_section(language, data, hidden, zone)}
{services_section(language, data.services, hidden, zone)}
<h2>{t("access_log")}</h2>
<table><caption>{t("access_log")}</caption>
<thead><tr><th scope="col">{t("when")}</th><th scope="col">{t("who")}</th><th scope="col">{t("what")}</th>
<th scope="col">{t("why")}</th></tr></thead><tbody>{accesses}</tbody></table>
{logout_form("/logout", csrf, language, text("log_out", language))}"""
    return layout(language, text("your_data", language), body, controller=controller)


def deletion_confirmation_page(language: Language, csrf: str, *, controller: str) -> str:
    """The second step of a deletion request: what will happen, then one more explicit press (or back)."""

    def t(key: str) -> str:
        return escape(text(key, language))

    body = f"""<h1>{t("confirm_deletion_heading")}</h1>
<p>{t("confirm_deletion_decided")}</p>
<p>{t("confirm_deletion_libraries")}</p>
<p>{t("confirm_deletion_local_card")}</p>
<form method="post" action="/me/deletion-request">{hidden_form_fields(csrf, language)}
<input type="hidden" name="confirmed" value="yes">
<button type="submit">{t("confirm_deletion")}</button></form>
<p><a href="/me?lang={language}">{t("cancel_deletion")}</a></p>"""
    return layout(language, text("confirm_deletion_heading", language), body, controller=controller)


def privacy_page(language: Language, *, controller: str) -> str:
    body = f"""<h1>{escape(text("privacy", language))}</h1>
<p>{escape(text("controller", language))}: <strong>{escape(controller)}</strong></p>
<p>{escape(text("privacy_text", language))}</p>
<p><a href="/?lang={language}">{escape(text("back", language))}</a></p>"""
    return layout(language, text("privacy", language), body, controller=controller)


def services_section(language: Language, services: Sequence[ServiceUse], hidden: str, zone: tzinfo) -> str:
    """The insight page's table of services, times in the registry's time zone; each can be withdrawn
    (``hidden``: the form's token and language fields)."""

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
        f"<td>{escape(format_datetime(use.agreed_at, language, zone))}</td>"
        f"<td>{escape(format_datetime(use.last_login_at, language, zone) if use.last_login_at else never)}</td>"
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
