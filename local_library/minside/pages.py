"""Server-rendered HTML of "Min side": plain, accessible, no JavaScript.

Every value from the database or the request is escaped here or in the shared page skeleton
(``plumbing.web.pages``); page functions take data and return whole documents. Styles come from
``/minside/style.css`` so the content security policy can forbid inline styles and scripts altogether.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from local_library.circulation.fees import Fee
from local_library.circulation.models import Loan, Reservation
from local_library.invoices.pages import invoices_table, payments_table
from local_library.meraapent.access import door_message
from local_library.meraapent.entry_log import Entry
from local_library.page_context import LibraryPageContext, format_money
from local_library.patrons.models import Patron
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
from registry_contract.refusals import RETIRED_CARD_CODES

from .card_texts import card_text
from .service import Overview, StoredData
from .texts import text

STYLESHEET = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
a{color:#0b4f9c}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #999;padding:.4rem;text-align:left;vertical-align:top}caption{text-align:left;font-weight:bold}
.message{border:2px solid #a40000;padding:.6rem;background:#fff0f0}.notice{border:2px solid #1a5e20;padding:.6rem}
form.inline{display:inline;margin:0}label{display:block;margin-top:.6rem}input,select{font-size:1.1rem;padding:.3rem}
button{font-size:1rem;padding:.3rem .8rem}.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem}
header nav{display:flex;gap:1rem;flex-wrap:wrap;align-items:center}
figure.card{margin:1rem 0;padding:0}.card-barcode{display:block;width:100%;max-width:32rem;height:auto}
.card-qr{display:block;width:15rem;max-width:100%;height:auto}.card-number-label{display:block}
.card-number{font:bold 1.6rem monospace;letter-spacing:.15em}
"""

BASE = "/minside"


@dataclass(frozen=True)
class PageContext(LibraryPageContext):
    """What every Min side page needs besides its data: the node's page context with Min side's words."""

    def t(self, key: str, **values: object) -> str:
        return escape(text(key, self.language, **values))


def alert_message(message: str | None) -> str:
    return alert(message)


def alert_notice(notice: str | None) -> str:
    return alert(notice, css_class="notice", role="status")


def layout(ctx: PageContext, title: str, body: str, *, logged_in: bool) -> str:
    other = other_language(ctx.language)
    switch = language_link(f"{ctx.here}?lang={other}", other, text("language", ctx.language))
    logout = logout_form(f"{BASE}/logout", ctx.csrf, ctx.language, text("log_out", ctx.language), inline=True)
    header = f"""<nav aria-label="{ctx.t("nav")}">
<span>{escape(ctx.library_name)}</span>
{switch}
{logout if logged_in else ""}</nav>"""
    return html_document(
        ctx.language, [title, text("site_title", ctx.language), ctx.library_name],
        style=linked_stylesheet(f"{BASE}/style.css"), skip_link=f'<a class="skip" href="#main">{ctx.t("skip")}</a>\n',
        header=header, main=body, main_id="main",
    )  # fmt: skip


def table(caption: str, headings: Iterable[str], rows: Iterable[str]) -> str:
    head = "".join(f'<th scope="col">{heading}</th>' for heading in headings)
    return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def login_page(
    ctx: PageContext, *, message: str | None = None, notice: str | None = None, new_card: bool = False
) -> str:
    """The login form; ``new_card``: with a link to self-registration (when the library offers it)."""
    language = ctx.language
    body = login_body(
        heading=text("login_heading", language), messages=alert_message(message) + alert_notice(notice),
        intro=text("login_intro", language, library=ctx.library_name), action=f"{BASE}/login", csrf=ctx.csrf,
        language=language,
        fields=[
            LoginField("card_number", text("card_number", language),
                       'autocomplete="username" required maxlength="16" autocapitalize="characters" spellcheck="false"',
                       hint=text("card_number_hint", language)),
            LoginField("pin", text("pin", language),
                       'type="password" inputmode="numeric" autocomplete="current-password" required maxlength="4"'),
        ],
        button=text("log_in", language),
    )  # fmt: skip
    if new_card:
        body += f'\n<p><a href="{BASE}/new-card?lang={language}">{ctx.t("new_card_link")}</a></p>'
    return layout(ctx, text("log_in", language), body, logged_in=False)


def message_page(ctx: PageContext, message: str, *, logged_in: bool) -> str:
    """A refusal with nothing else to show (an expired form, an unknown item), and the way back."""
    body = f"""<h1>{ctx.t("site_title")}</h1>
{alert_message(message)}
<p><a href="{BASE}/me?lang={ctx.language}">{ctx.t("back")}</a></p>"""
    return layout(ctx, text("site_title", ctx.language), body, logged_in=logged_in)


def _loan_state(ctx: PageContext, loan: Loan, today: Any) -> str:
    notes = []
    if loan.claimed_on is not None:
        notes.append(ctx.t("claimed"))
    elif loan.due_on < today:
        notes.append(ctx.t("overdue"))
    return f" ({', '.join(notes)})" if notes else ""


def _open_loan_row(ctx: PageContext, loan: Loan, today: Any) -> str:
    form = (
        f'<form class="inline" method="post" action="{BASE}/loans/{loan.loan_id}/renew">{ctx.hidden_fields()}'
        f'<button type="submit">{ctx.t("renew", title=loan.title)}</button></form>'
    )
    return (
        f'<tr><th scope="row">{escape(loan.title)}</th><td>{ctx.material(loan.material)}</td>'
        f"<td>{ctx.date(loan.due_on)}{_loan_state(ctx, loan, today)}</td><td>{loan.renewals}</td><td>{form}</td></tr>"
    )


def _reservation_status(ctx: PageContext, reservation: Reservation) -> str:
    return ctx.t("reservation_" + reservation.status)


def _open_reservation_row(ctx: PageContext, reservation: Reservation) -> str:
    form = (
        f'<form class="inline" method="post" action="{BASE}/reservations/{reservation.reservation_id}/cancel">'
        f'{ctx.hidden_fields()}<button type="submit">{ctx.t("cancel", title=reservation.title)}</button></form>'
    )
    return (
        f'<tr><th scope="row">{escape(reservation.title)}</th><td>{_reservation_status(ctx, reservation)}</td>'
        f"<td>{escape(reservation.reference_number or '')}</td><td>{ctx.date(reservation.pickup_deadline)}</td>"
        f"<td>{form}</td></tr>"
    )


def _fee_kind(ctx: PageContext, fee: Fee) -> str:
    kid = f" (KID {escape(fee.kid)})" if fee.kid else ""
    return ctx.t("fee_" + fee.kind, number=fee.reminder_number or "") + kid


def _fee_row(ctx: PageContext, fee: Fee, *, with_status: bool) -> str:
    status = f"<td>{ctx.t(fee.status)}</td>" if with_status else ""
    return (
        f'<tr><th scope="row">{_fee_kind(ctx, fee)}</th><td>{ctx.date(fee.charged_on)}</td>'
        f"<td>{ctx.money(fee.amount_ore)}</td>{status}</tr>"
    )


def _greeting(ctx: PageContext, patron: Patron) -> str:
    greeting = f"<p>{ctx.t('greeting', name=patron.name, card=patron.card_number or '')}</p>"
    if patron.blocked:
        greeting += alert_message(text("card_blocked", ctx.language))
    return greeting


def overview_tables(ctx: PageContext, data: Overview, today: Any) -> str:
    """The patron's loans, reservations and fees at this library (the overview, and "All my loans")."""
    if data.loans:
        loans = table(
            ctx.t("loans"),
            [ctx.t("title"), ctx.t("material"), ctx.t("due_on"), ctx.t("renewals"), ctx.t("action")],
            (_open_loan_row(ctx, loan, today) for loan in data.loans),
        )
    else:
        loans = f"<p>{ctx.t('no_loans')}</p>"
    if data.reservations:
        reservations = table(
            ctx.t("reservations"),
            [ctx.t("title"), ctx.t("status"), ctx.t("reference_number"), ctx.t("pickup_deadline"), ctx.t("action")],
            (_open_reservation_row(ctx, reservation) for reservation in data.reservations),
        )
    else:
        reservations = f"<p>{ctx.t('no_reservations')}</p>"
    if data.open_fees:
        fees = (
            table(
                ctx.t("fees"),
                [ctx.t("fee_kind"), ctx.t("charged_on"), ctx.t("amount")],
                (_fee_row(ctx, fee, with_status=False) for fee in data.open_fees),
            )
            + f"<p>{ctx.t('fees_total', amount=format_money(data.open_fees_total_ore, ctx.language))}</p>"
        )
    else:
        fees = f"<p>{ctx.t('no_fees')}</p>"
    return f"""<h3>{ctx.t("loans")}</h3>
{loans}
<h3>{ctx.t("reservations")}</h3>
{reservations}
<h3>{ctx.t("fees")}</h3>
{fees}"""


def overview_page(
    ctx: PageContext, data: Overview, today: Any, *, message: str | None = None, notice: str | None = None
) -> str:
    everywhere = (
        f'<p><a href="{BASE}/everywhere?lang={ctx.language}">{ctx.t("everywhere_link")}</a></p>'
        if data.patron.registry_patron_id is not None
        else ""
    )
    tables = overview_tables(ctx, data, today).replace("<h3>", "<h2>").replace("</h3>", "</h2>")
    body = f"""<h1>{ctx.t("overview")}</h1>
{alert_message(message)}{alert_notice(notice)}
{_greeting(ctx, data.patron)}
<p><a href="{BASE}/my-data?lang={ctx.language}">{ctx.t("my_data_link")}</a></p>
<p><a href="{BASE}/card?lang={ctx.language}">{escape(card_text("card_page_link", ctx.language))}</a></p>
<p><a href="{BASE}/interlibrary?lang={ctx.language}">{ctx.t("interlibrary_link")}</a></p>
{everywhere}{tables}
{invoices_table(ctx, data.invoices)}"""
    return layout(ctx, text("overview", ctx.language), body, logged_in=True)


def _row(label: str, value: str) -> str:
    return f'<tr><th scope="row">{label}</th><td>{value}</td></tr>'


def _record_rows(ctx: PageContext, data: StoredData) -> list[str]:
    patron, kept = data.patron, data.bookkeeping
    none = ctx.t("none")

    def value(raw: str | None) -> str:
        return escape(raw) if raw else none

    if patron.kind == "national":
        pin = ctx.t("pin_stored_centrally")
    else:
        pin = ctx.t("pin_stored" if patron.has_pin else "pin_missing")
    blocked = ctx.t(f"blocked_{patron.blocked_reason}") if patron.blocked_reason else ctx.t("no")
    rows = [
        _row(ctx.t("kind"), ctx.t("kind_" + patron.kind)),
        _row(ctx.t("card_number"), value(patron.card_number)),
        _row(ctx.t("name"), value(patron.name)),
        _row(ctx.t("birth_date"), ctx.date(patron.birth_date) or none),
    ]
    optional: list[tuple[str, str | None]] = [
        ("responsible_person", patron.responsible_person),
        ("guardian_name", patron.guardian_name),
        ("guardian_contact", patron.guardian_contact),
    ]
    rows += [_row(ctx.t(key), escape(raw)) for key, raw in optional if raw]
    rows += [
        _row(ctx.t("email"), value(patron.email)),
        _row(ctx.t("phone"), value(patron.phone)),
        _row(ctx.t("postal_address"), value(patron.postal_address)),
        _row(ctx.t("preferred_contact"), ctx.t("channel_" + patron.preferred_contact)),
        _row(ctx.t("pre_due_notice"), ctx.t("yes" if patron.pre_due_notice else "no")),
        _row(ctx.t("pin"), pin),
        _row(ctx.t("failed_pin_attempts"), str(kept.failed_pin_attempts)),
        _row(ctx.t("online_failed_pin_attempts"), str(kept.online_failed_pin_attempts)),
    ]
    if kept.pin_last_failed_at is not None:
        rows.append(_row(ctx.t("pin_last_failed_at"), ctx.datetime(kept.pin_last_failed_at)))
    rows.append(_row(ctx.t("blocked"), blocked))
    if patron.registry_patron_id is not None:
        rows.append(_row(ctx.t("registry_patron_id"), escape(str(patron.registry_patron_id))))
    rows += [
        _row(ctx.t("created_at"), ctx.datetime(kept.created_at)),
        _row(ctx.t("updated_at"), ctx.datetime(kept.updated_at)),
    ]
    if data.retired_cards:
        cards = "<br>".join(
            f"{escape(card.card_number)}: {ctx.t('retired_' + RETIRED_CARD_CODES[card.reason])} "
            f"({ctx.datetime(card.retired_at)})"
            for card in data.retired_cards
        )
        rows.append(_row(ctx.t("retired_cards"), cards))
    return rows


def _history_loan_row(ctx: PageContext, loan: Loan) -> str:
    returned = ctx.date(loan.returned_on) if loan.returned_on else ctx.t("not_returned")
    return (
        f'<tr><th scope="row">{escape(loan.title)}</th><td>{ctx.material(loan.material)}</td>'
        f"<td>{escape(loan.barcode)}</td><td>{ctx.date(loan.checked_out_on)}</td><td>{ctx.date(loan.due_on)}</td>"
        f"<td>{loan.renewals}</td><td>{loan.reminders_sent}</td><td>{returned}</td></tr>"
    )


def _history_reservation_row(ctx: PageContext, reservation: Reservation) -> str:
    return (
        f'<tr><th scope="row">{escape(reservation.title)}</th><td>{ctx.datetime(reservation.placed_at)}</td>'
        f"<td>{_reservation_status(ctx, reservation)}</td><td>{escape(reservation.reference_number or '')}</td>"
        f"<td>{ctx.date(reservation.pickup_deadline)}</td></tr>"
    )


# Notice contents as stored in the outbox, named in the patron's language; anything else is shown as stored.
_CONTENT_LABELS = {
    "title": "title",
    "due_on": "due_on",
    "reference_number": "reference_number",
    "pickup_deadline": "pickup_deadline",
    "barcode": "barcode",
    "reminder_number": "reminders",
}


def _notice_value(ctx: PageContext, raw: object) -> str:
    """A notice keeps its dates as ISO text (what was sent); the page writes them as the page's language does."""
    if isinstance(raw, str) and _ISO_DATE.fullmatch(raw):
        return ctx.date(date.fromisoformat(raw))
    return escape(str(raw))


def _notice_content(ctx: PageContext, content: dict[str, Any]) -> str:
    parts = []
    for key, raw in content.items():
        if raw is None or key == "library":  # the library is this one; saying so on every row adds nothing
            continue
        label = ctx.t(_CONTENT_LABELS[key]) if key in _CONTENT_LABELS else escape(key)
        parts.append(f"{label}: {_notice_value(ctx, raw)}")
    return "<br>".join(parts)


def _notice_row(ctx: PageContext, notice: dict[str, Any]) -> str:
    sent = ctx.datetime(notice["sent_at"]) if notice["sent_at"] else ctx.t("not_sent")
    content = notice["payload"] if isinstance(notice["payload"], dict) else {}
    return (
        f'<tr><th scope="row">{ctx.t("notice_" + notice["kind"])}</th>'
        f"<td>{ctx.t('channel_' + notice['channel'])}</td><td>{_notice_content(ctx, content)}</td>"
        f"<td>{ctx.datetime(notice['created_at'])}</td><td>{sent}</td></tr>"
    )


def _section(ctx: PageContext, heading_key: str, headings: list[str], rows: list[str], empty_key: str = "none") -> str:
    heading = ctx.t(heading_key)
    content = table(heading, headings, rows) if rows else f"<p>{ctx.t(empty_key)}</p>"
    return f"<h2>{heading}</h2>\n{content}"


def _door_entries(ctx: PageContext, entries: list[Entry] | None, kept_days: int) -> str:
    if entries is None:  # the library has no unstaffed hours
        return ""
    rows = [
        f"<tr><td>{escape(entry.door)}</td><td>{ctx.datetime(entry.at)}</td>"
        f"<td>{escape(door_message(entry.reason, ctx.language))}</td></tr>"
        for entry in entries
    ]
    headings = [ctx.t("door"), ctx.t("door_time"), ctx.t("door_outcome")]
    return _section(ctx, "door_entries", headings, rows, "no_door_entries") + (
        f"\n<p>{ctx.t('door_entries_kept', days=kept_days)}</p>"
    )


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _choices_form(ctx: PageContext, patron: Patron) -> str:
    """The patron's own choices: the notice before the due date (where the library offers it) and how to be told."""
    notice = ctx.policy.pre_due_notice
    checkbox = ""
    if notice is not None:
        checked = " checked" if patron.pre_due_notice else ""
        checkbox = (
            f'<p><label><input type="checkbox" name="pre_due_notice" value="yes"{checked}> '
            f"{escape(text('choose_pre_due_notice', ctx.language, days=notice.days_before))}</label></p>"
            # An unticked box is not posted: this says the box was on the form, so "no" is a choice too.
            '<input type="hidden" name="pre_due_notice_shown" value="yes">'
        )
    options = "".join(
        f'<option value="{method}"{" selected" if method == patron.preferred_contact else ""}>'
        f"{ctx.t('channel_' + method)}</option>"
        for method in ("letter", "email", "sms")
    )
    return f"""<h2>{ctx.t("choices")}</h2>
<form method="post" action="{BASE}/choices">{ctx.hidden_fields()}
{checkbox}
<label for="preferred_contact">{ctx.t("preferred_contact")}</label>
<select id="preferred_contact" name="preferred_contact">{options}</select>
<p><button type="submit">{ctx.t("save_choices")}</button></p></form>"""


def my_data_page(
    ctx: PageContext, data: StoredData, *, registry_insight_url: str, door_entries: list[Entry] | None = None,
    entry_log_days: int = 0, message: str | None = None, notice: str | None = None,
) -> str:  # fmt: skip
    def rows(render: Callable[[PageContext, Any], str], values: Iterable[Any]) -> list[str]:
        return [render(ctx, value) for value in values]

    if data.patron.kind == "national":
        registry = (
            f"<p>{ctx.t('registry_text')}</p>"
            f'<p><a href="{escape(registry_insight_url)}?lang={ctx.language}">{ctx.t("registry_link")}</a></p>'
        )
    else:
        registry = f"<p>{ctx.t('local_only_text')}</p>"
    heading = text("my_data", ctx.language, library=ctx.library_name)
    body = f"""<h1>{escape(heading)}</h1>
<p>{ctx.t("my_data_intro")}</p>
<p>{ctx.t("national_id_not_here")}</p>
{alert_message(message)}{alert_notice(notice)}
<h2>{ctx.t("record")}</h2>
{table(ctx.t("record"), [ctx.t("field"), ctx.t("value")], _record_rows(ctx, data))}
{_choices_form(ctx, data.patron)}
{_section(ctx, "loan_history", [ctx.t(key) for key in ("title", "material", "barcode", "checked_out_on", "due_on",
    "renewals", "reminders", "returned_on")], rows(_history_loan_row, data.loans), "no_loans")}
{_section(ctx, "all_reservations", [ctx.t(key) for key in ("title", "placed_at", "status", "reference_number",
    "pickup_deadline")], rows(_history_reservation_row, data.reservations), "no_reservations")}
{_section(ctx, "all_fees", [ctx.t(key) for key in ("fee_kind", "charged_on", "amount", "status")],
    [_fee_row(ctx, fee, with_status=True) for fee in data.fees], "no_fees_at_all")}
{invoices_table(ctx, data.invoices)}{payments_table(ctx, data.invoices)}
{_section(ctx, "notices", [ctx.t(key) for key in ("notice_kind", "channel", "content", "created", "sent_at")],
    rows(_notice_row, data.notices), "no_notices")}
{_door_entries(ctx, door_entries, entry_log_days)}
<h2>{ctx.t("registry_heading")}</h2>
{registry}
<p><a href="{BASE}/me?lang={ctx.language}">{ctx.t("back")}</a></p>"""  # fmt: skip
    return layout(ctx, heading, body, logged_in=True)
