"""The circulation page's HTML: the scan form with its mode, and the patron panel (warnings, loans,
reservations, fees, reserve). Values are escaped here; the words are the desk's (``circulation_texts``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from local_library.circulation.account import PatronAccount
from local_library.circulation.fees import Fee
from local_library.circulation.models import Loan, Reservation
from local_library.invoices.pages import invoices_table
from registry_contract.ages import age_on

from .pages import DeskContext, message, notice, post_button, table
from .texts import text

Mode = Literal["out", "in"]


@dataclass(frozen=True)
class CirculationView:
    mode: Mode
    account: PatronAccount | None
    warnings: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    message: str | None = None
    notice: str | None = None
    pin_required: bool = False
    today: dt.date = dt.date.min
    card_warning: str | None = None
    """The code of the card scan's warning, carried by every form of the page."""


def _state(ctx: DeskContext, view: CirculationView, **extra: str) -> dict[str, str]:
    """The hidden fields every form of the page carries: the patron shown and the mode."""
    fields: dict[str, str] = {"mode": view.mode}
    if view.account is not None:
        fields["patron"] = str(view.account.patron.patron_id)
        if view.card_warning is not None:
            fields["warn"] = view.card_warning
    return {**fields, **extra}


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def _mode_switch(ctx: DeskContext, view: CirculationView) -> str:
    """The two modes as links with access keys (Alt+U, Alt+I): following one reloads the page in that mode
    with the focus back in the box, so switching takes one keystroke and no script."""
    links = []
    for mode, key in (("out", "u"), ("in", "i")):
        query = f"/staff/?mode={mode}" + (f"&patron={view.account.patron.patron_id}" if view.account else "")
        current = ' aria-current="true" class="current"' if mode == view.mode else ""
        links.append(
            f'<a href="{escape(ctx.with_lang(query))}" accesskey="{key}"{current}>{ctx.t(f"mode_{mode}_key")}</a>'
        )
    return f'<nav class="mode" aria-label="{ctx.t("mode")}">{" ".join(links)}</nav>'


def _scan_form(ctx: DeskContext, view: CirculationView) -> str:
    patron_shown = view.account is not None
    label = ctx.t("scan_label_item" if patron_shown else "scan_label_start")
    state = {key: value for key, value in _state(ctx, view).items() if key != "mode"}
    pin = ""
    if view.pin_required and patron_shown:
        pin = (
            f'<div><label for="pin">{ctx.t("patron_pin")}</label>'
            f'<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="16"'
            f' aria-describedby="pin_hint"><p id="pin_hint">{ctx.t("patron_pin_hint")}</p></div>'
        )
    mode_name = text(f"mode_{view.mode}", ctx.language)
    return f"""{_mode_switch(ctx, view)}
<form class="scan" method="post" action="/staff/scan">{ctx.hidden_fields()}{_hidden({**state, "mode": view.mode})}
<p class="mode-now" id="mode_now">{ctx.t("mode_now", mode=mode_name)}</p>
<div><label for="code">{label}</label>
<input id="code" name="code" type="text" autofocus autocomplete="off" spellcheck="false" maxlength="64" required
 aria-describedby="scan_hint mode_now"></div>
{pin}
<div><button type="submit">{ctx.t("scan_button")}</button></div>
<p id="scan_hint">{ctx.t("scan_hint")}</p>
</form>"""


def _patron_facts(ctx: DeskContext, view: CirculationView, account: PatronAccount) -> str:
    patron = account.patron
    facts = [
        (ctx.t("card_number"), escape(patron.card_number or "")),
        (ctx.t("kind"), ctx.t(f"kind_{patron.kind}")),
    ]
    if patron.birth_date is not None:
        age = ctx.t("age", age=age_on(patron.birth_date, view.today))
        facts.append((ctx.t("born"), f"{ctx.date(patron.birth_date)} ({age})"))
    if patron.guardian_name:
        facts.append((ctx.t("guardian"), escape(patron.guardian_name)))
    if patron.responsible_person:
        facts.append((ctx.t("responsible_person"), escape(patron.responsible_person)))
    rows = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    return f"<dl>{rows}</dl>"


def _warnings(ctx: DeskContext, view: CirculationView, account: PatronAccount) -> str:
    items = [f'<li class="warning">{ctx.t(key, **values)}</li>' for key, values in view.warnings]
    ready = sum(1 for reservation in account.reservations if reservation.status == "ready")
    if ready:
        items.append(f'<li class="notice">{ctx.t("warn_ready", count=ready)}</li>')
    if not items:
        return f"<h3>{ctx.t('warnings')}</h3><p>{ctx.t('no_warnings')}</p>"
    # The alert role on a wrapper: on the list itself it would replace the list's role and orphan its items.
    return f'<h3>{ctx.t("warnings")}</h3><div role="alert"><ul class="warnings">{"".join(items)}</ul></div>'


def _loan_row(ctx: DeskContext, view: CirculationView, loan: Loan) -> str:
    notes = []
    if loan.claimed_on is not None:
        notes.append(ctx.t("claimed"))
    elif loan.due_on < view.today:
        notes.append(ctx.t("overdue"))
    state = f" ({', '.join(notes)})" if notes else ""
    renew = post_button(
        ctx,
        f"/staff/loans/{loan.loan_id}/renew",
        text("renew_title", ctx.language, title=loan.title),
        fields=_state(ctx, view),
    )
    return (
        f'<tr><th scope="row">{escape(loan.title)}</th><td>{escape(loan.barcode)}</td>'
        f"<td>{ctx.material(loan.material)}</td><td>{ctx.date(loan.due_on)}{state}</td><td>{loan.renewals}</td>"
        f"<td>{loan.reminders_sent}</td><td>{renew}</td></tr>"
    )


def _reservation_row(ctx: DeskContext, view: CirculationView, reservation: Reservation) -> str:
    status = ctx.t(f"reservation_{reservation.status}") if reservation.status in ("waiting", "ready") else ""
    label = text("cancel_title", ctx.language, title=reservation.title)
    action = f"/staff/reservations/{reservation.reservation_id}/cancel"
    cancel = post_button(ctx, action, label, fields=_state(ctx, view))
    deadline = ctx.date(reservation.pickup_deadline) if reservation.pickup_deadline else ""
    return (
        f'<tr><th scope="row">{escape(reservation.title)}</th><td>{escape(reservation.barcode)}</td><td>{status}</td>'
        f"<td>{escape(reservation.reference_number or '')}</td><td>{deadline}</td><td>{cancel}</td></tr>"
    )


def _fee_row(ctx: DeskContext, view: CirculationView, fee: Fee) -> str:
    actions = ""
    if fee.status == "open":
        action = f"/staff/fees/{fee.fee_id}/settle"
        actions = (
            post_button(ctx, action, text("mark_paid", ctx.language), fields=_state(ctx, view, status="paid"))
            + " "
            + post_button(ctx, action, text("waive", ctx.language), fields=_state(ctx, view, status="waived"))
        )
    kind = ctx.t(f"fee_{fee.kind}", number=fee.reminder_number or "")
    if fee.kid:
        kind += f" (KID {escape(fee.kid)})"
    return (
        f'<tr><th scope="row">{kind}</th><td>{ctx.date(fee.charged_on)}</td><td>{ctx.money(fee.amount_ore)}</td>'
        f"<td>{ctx.t(f'fee_{fee.status}')}</td><td>{actions}</td></tr>"
    )


def _reserve_form(ctx: DeskContext, view: CirculationView) -> str:
    return f"""<form method="post" action="/staff/reservations">{ctx.hidden_fields()}{_hidden(_state(ctx, view))}
<h3>{ctx.t("reserve_heading")}</h3>
<label for="reserve_barcode">{ctx.t("reserve_label")}</label>
<input id="reserve_barcode" name="barcode" type="text" autocomplete="off" maxlength="64" required>
<button type="submit">{ctx.t("reserve_button")}</button>
</form>"""


def _patron_panel(ctx: DeskContext, view: CirculationView, account: PatronAccount) -> str:
    patron = account.patron
    loans = table(
        ctx.t("loans"),
        [ctx.t(key) for key in ("title", "barcode", "material", "due_on", "renewals", "reminders", "action")],
        [_loan_row(ctx, view, loan) for loan in account.loans],
        empty=ctx.t("no_loans"),
        level=3,
    )
    open_reservations = [r for r in account.reservations if r.status in ("waiting", "ready")]
    reservations = table(
        ctx.t("reservations"),
        [ctx.t(key) for key in ("title", "barcode", "status", "reference", "pickup_deadline", "action")],
        [_reservation_row(ctx, view, reservation) for reservation in open_reservations],
        empty=ctx.t("no_reservations"),
        level=3,
    )
    shown_fees = [fee for fee in account.fees if fee.status == "open"] or []
    open_total = sum(fee.amount_ore for fee in shown_fees)
    fees = table(
        ctx.t("fees"),
        [ctx.t(key) for key in ("fee_kind", "charged_on", "amount", "status", "action")],
        [_fee_row(ctx, view, fee) for fee in shown_fees],
        empty=ctx.t("no_fees"),
        level=3,
    )
    total = f"<p>{ctx.t('fees_open_total', amount=ctx.money(open_total))}</p>" if shown_fees else ""
    total += invoices_table(ctx, account.invoices, level=3)
    clear = f'<p><a href="{escape(ctx.with_lang(f"/staff/?mode={view.mode}"))}">{ctx.t("clear_patron")}</a></p>'
    if patron.registry_patron_id is not None:  # a national card: linked libraries may be asked, with the card
        clear = (
            f'<p><a href="{escape(ctx.with_lang("/staff/everywhere"))}">{ctx.t("everywhere_heading")}</a></p>' + clear
        )
    return f"""<section class="patron" aria-labelledby="patron_heading">
<h2 id="patron_heading">{ctx.t("patron_heading", name=patron.name)}</h2>
{_patron_facts(ctx, view, account)}
{_warnings(ctx, view, account)}
{loans}
{reservations}
{fees}{total}
{_reserve_form(ctx, view)}
{clear}
</section>"""


def circulation_body(ctx: DeskContext, view: CirculationView) -> str:
    panel = "" if view.account is None else _patron_panel(ctx, view, view.account)
    return f"""<h1>{ctx.t("circulation_heading")}</h1>
{message(view.message)}{notice(view.notice)}
{_scan_form(ctx, view)}
{panel}"""
