"""The HTML of the desk's patron pages: search, the patron, registration and action forms, and receipts.

Page functions take data and a :class:`~local_library.desk.pages.DeskContext` and return the page's body;
every value is escaped here. National records mark the fields the registry owns, and nothing here ever
shows a national ID: the registration form's box is empty whenever the form is shown.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote

from local_library.card_image import barcode_svg
from local_library.patrons.models import Patron
from local_library.registry_link.queries import PatronOutboxState, RegistryRequest
from plumbing.web.times import format_datetime

from .pages import CIRCULATION, PATRONS, DeskContext, post_button, table
from .patron_forms import (
    FormState,
    checkbox,
    contact_select,
    errors_summary,
    form,
    gender_select,
    pin_input,
    refusal_text,
    text_input,
)
from .texts import text

# Input attributes: staff type into these for someone else, so the browser must not offer its own memories.
FREE_TEXT = 'autocomplete="off" maxlength="200"'
LONG_TEXT = 'autocomplete="off" maxlength="500"'
LINE = 'autocomplete="off" maxlength="100"'
NATIONAL_ID = 'inputmode="numeric" autocomplete="off" maxlength="12" spellcheck="false" required autofocus'

RECEIPT_OPERATIONS = frozenset({"opt_out", "deletion_request", "death_notice"})
"""Registry requests the patron is owed a receipt for (the others show up in the patron's data)."""


def patron_path(patron_id: object, action: str = "") -> str:
    return f"{PATRONS}/{patron_id}" + (f"/{action}" if action else "")


def circulation_path(patron_id: object) -> str:
    """The circulation page with this patron shown (its ``patron`` query takes the patron's id, never the card
    number, so no card number ends up in a URL or a log)."""
    return f"{CIRCULATION}?patron={quote(str(patron_id))}"


# Finding patrons.


def search_body(ctx: DeskContext, query: str, found: list[Patron] | None, *, limit: int) -> str:
    results = ""
    if found is not None:
        rows = [
            f'<tr><td><a href="{escape(ctx.with_lang(patron_path(p.patron_id)))}">{escape(p.card_number or "")}'
            f"{'' if p.card_number else ctx.t('card_pending')}</a></td><td>{escape(p.name)}</td>"
            f"<td>{ctx.t(f'kind_{p.kind}')}</td><td>{ctx.date(p.birth_date)}</td>"
            f"<td>{ctx.t('blocked_staff') if p.blocked else ''}</td></tr>"
            for p in found
        ]
        results = table(
            ctx.t("find_results", query=query),
            [ctx.t("card_number"), ctx.t("name"), ctx.t("kind"), ctx.t("birth_date"), ctx.t("blocks_heading")],
            rows, empty=ctx.t("find_none", query=query),
        )  # fmt: skip
        if len(found) >= limit:
            results += f"<p>{ctx.t('find_more', count=limit)}</p>"
    links = "".join(
        f'<li><a href="{escape(ctx.with_lang(path))}">{ctx.t(key)}</a></li>'
        for path, key in (
            (f"{PATRONS}/new/local", "new_local"), (f"{PATRONS}/new/national", "new_national"),
            (f"{PATRONS}/new/institution", "new_institution"), (f"{PATRONS}/link", "new_link"),
        )
    )  # fmt: skip
    return f"""<h1>{ctx.t("patrons_heading")}</h1>
<form method="get" action="{PATRONS}" role="search"><input type="hidden" name="lang" value="{ctx.language}">
<label for="q">{ctx.t("find_label")}</label>
<input id="q" name="q" type="search" value="{escape(query)}" autofocus autocomplete="off" maxlength="200">
<button type="submit">{ctx.t("find_button")}</button></form>
{results}
<h2>{ctx.t("new_heading")}</h2><ul>{links}</ul>"""


# The patron.


def _kept_nationally(ctx: DeskContext, patron: Patron, value: str) -> str:
    if patron.kind != "national":
        return value
    return f'{value} <span class="registry-owned">({ctx.t("kept_nationally")})</span>'


def _warnings(ctx: DeskContext, patron: Patron, outbox: PatronOutboxState, *, needs_guardian: bool) -> list[str]:
    found = []
    if patron.blocked:
        found.append(ctx.t("blocked_reminders" if patron.blocked_reason == "reminders" else "blocked_staff"))
    if needs_guardian and patron.guardian_name is None:
        found.append(ctx.t("warn_guardian", age=ctx.policy.cards.guardian_signature_under))
    if not patron.has_pin and patron.kind != "national":
        found.append(ctx.t("warn_pin_missing"))
    if outbox.pending:
        found.append(ctx.t("warn_queued", count=outbox.pending))
    waiting = outbox.waiting_for_staff
    if waiting:
        code = str(waiting.get("code") or "")
        reason = refusal_text(code or "?", ctx.language)
        operation = text(f"op_{waiting['operation']}", ctx.language)
        extra = ""
        if code == "national_id_already_registered":
            extra = f' <a href="{escape(ctx.with_lang(f"{PATRONS}/link"))}">{ctx.t("new_link")}</a>'
        found.append(f"{ctx.t('warn_refused', operation=operation, reason=reason)} {ctx.t('warn_refused_hint')}{extra}")
    return found


def _card_barcode(ctx: DeskContext, patron: Patron) -> str:
    """The card as the machines read it, for a patron who came without the card (the library's symbology)."""
    if not patron.card_number:
        return ""
    label = text("card_barcode", ctx.language, number=patron.card_number)
    return f'<figure class="card">{barcode_svg(patron.card_number, ctx.policy.cards.barcode, label=label)}</figure>'


def patron_body(
    ctx: DeskContext, patron: Patron, outbox: PatronOutboxState, requests: list[RegistryRequest], *,
    needs_guardian: bool, done: str | None, door_agreement: bool = False,
) -> str:  # fmt: skip
    none = ctx.t("none")
    card = escape(patron.card_number) if patron.card_number else ctx.t("card_pending")
    rows = [
        (ctx.t("card_number"), _kept_nationally(ctx, patron, card)),
        (ctx.t("kind"), ctx.t(f"kind_{patron.kind}")),
        (ctx.t("name"), _kept_nationally(ctx, patron, escape(patron.name))),
    ]
    if patron.kind == "institution":
        rows.append((ctx.t("responsible_person"), escape(patron.responsible_person or "") or none))
    else:
        rows.append((ctx.t("birth_date"), _kept_nationally(ctx, patron, ctx.date(patron.birth_date) or none)))
    rows += [
        (ctx.t("email"), _kept_nationally(ctx, patron, escape(patron.email or "") or none)),
        (ctx.t("phone"), _kept_nationally(ctx, patron, escape(patron.phone or "") or none)),
        (ctx.t("postal_address"), _kept_nationally(ctx, patron, escape(patron.postal_address or "") or none)),
        (ctx.t("preferred_contact"), _kept_nationally(ctx, patron, ctx.t(f"contact_{patron.preferred_contact}"))),
    ]
    if ctx.policy.pre_due_notice is not None:  # the library's own notice, kept here for every patron
        rows.append(
            (ctx.t("pre_due_notice"), ctx.t("pre_due_notice_yes" if patron.pre_due_notice else "pre_due_notice_no"))
        )
    if patron.guardian_name:
        guardian = f"{escape(patron.guardian_name)}, {escape(patron.guardian_contact or '')}"
        rows.append((ctx.t("guardian"), guardian))
    if patron.kind != "national":
        rows.append((ctx.t("pin_state"), ctx.t("pin_set" if patron.has_pin else "pin_missing")))
    details = "".join(f'<tr><th scope="row">{name}</th><td>{value}</td></tr>' for name, value in rows)
    note = f"<p>{ctx.t('kept_nationally_note')}</p>" if patron.kind == "national" else ""
    warnings = _warnings(ctx, patron, outbox, needs_guardian=needs_guardian)
    warning_list = (
        '<ul class="warnings">' + "".join(f'<li class="warning">{each}</li>' for each in warnings) + "</ul>"
        if warnings
        else f"<p>{ctx.t('no_blocks')}</p>"
    )
    circulation = ""
    if patron.card_number:
        href = escape(ctx.with_lang(circulation_path(patron.patron_id)))
        circulation = f'<p><a href="{href}">{ctx.t("circulation_link")}</a></p>'
    return f"""<h1>{escape(patron.name)}</h1>
{_done_notice(ctx, done, outbox)}
{circulation}
<table><caption>{ctx.t("patron_details")}</caption><tbody>{details}</tbody></table>
{note}
{_card_barcode(ctx, patron)}
<h2>{ctx.t("blocks_heading")}</h2>
{warning_list}
<h2>{ctx.t("actions_heading")}</h2>
{_actions(ctx, patron, door_agreement=door_agreement)}
{_requests(ctx, patron, requests)}
<p><a href="{escape(ctx.with_lang(PATRONS))}">{ctx.t("patrons_heading")}</a></p>"""


DONE_KEYS = frozenset({
    "registered", "linked", "already_registered", "contact", "pin", "lost", "upgrade", "blocked", "unblocked",
    "nothing_changed", "door_agreement", "door_agreement_withdrawn", "choices",
})  # fmt: skip
# Outcomes that queued a write to the registry: the page says whether it has arrived there.
REGISTRY_OUTCOMES = frozenset({"registered", "contact", "pin", "lost", "upgrade"})


def _done_notice(ctx: DeskContext, done: str | None, outbox: PatronOutboxState) -> str:
    if done not in DONE_KEYS:
        return ""
    words = ctx.t(f"done_{done}")
    if done in REGISTRY_OUTCOMES and outbox.waiting_for_staff is None:
        # Read now, not carried in the link: the page tells what is true when it is shown.
        words += " " + ctx.t("registry_queued" if outbox.pending else "registry_sent")
    return f'<p class="notice" role="status">{words}</p>'


def _actions(ctx: DeskContext, patron: Patron, *, door_agreement: bool = False) -> str:
    links: list[tuple[str, str]] = [("contact", "action_contact")]
    if patron.kind == "national":
        if patron.registry_patron_id is not None:
            links += [("pin", "action_pin"), ("lost-card", "action_lost"), ("opt-out", "action_opt_out"),
                      ("deletion", "action_deletion"), ("death-notice", "action_death")]  # fmt: skip
    else:
        links += [("pin", "action_pin"), ("lost-card", "action_lost")]
        if patron.kind == "local":
            links.append(("upgrade", "action_upgrade"))
    if patron.kind == "national" and patron.registry_patron_id is None:
        links = []  # still being registered: nothing can be changed until the registry has the record
    if links:
        links.append(("choices", "action_choices"))
    if door_agreement and patron.kind != "institution":
        links.append(("door-agreement", "action_door_agreement"))  # a library with unstaffed hours
    items = "".join(
        f'<li><a href="{escape(ctx.with_lang(patron_path(patron.patron_id, action)))}">{ctx.t(key)}</a></li>'
        for action, key in links
    )
    block = post_button(
        ctx, patron_path(patron.patron_id, "block"),
        ctx.t("action_unblock" if patron.blocked_reason == "staff" else "action_block"),
        fields={"blocked": "no" if patron.blocked_reason == "staff" else "yes"},
    )  # fmt: skip
    return f"<ul>{items}</ul><p>{block}</p>"


def _requests(ctx: DeskContext, patron: Patron, requests: list[RegistryRequest]) -> str:
    if not requests:
        return ""
    rows = []
    for request in requests:
        receipt = ""
        if request.operation in RECEIPT_OPERATIONS:
            path = patron_path(patron.patron_id, f"receipts/{request.outbox_id}")
            receipt = f'<a href="{escape(ctx.with_lang(path))}">{ctx.t("show_receipt")}</a>'
        rows.append(
            f"<tr><td>{ctx.datetime(request.created_at)}</td><td>{ctx.t(f'op_{request.operation}')}</td>"
            f"<td>{_state(ctx, request)}</td><td>{receipt}</td></tr>"
        )
    return table(
        ctx.t("requests_heading"),
        [ctx.t("requests_when"), ctx.t("requests_what"), ctx.t("requests_state"), ctx.t("requests_receipt")], rows,
    )  # fmt: skip


def _state(ctx: DeskContext, request: RegistryRequest) -> str:
    words = ctx.t(f"state_{request.status}")
    if request.status == "needs_staff" and request.last_error:
        words += ": " + escape(refusal_text(request.last_error, ctx.language))
    return words


# Registration.


def _guardian_fields(ctx: DeskContext, state: FormState) -> str:
    age = ctx.policy.cards.guardian_signature_under
    return (
        f"<fieldset><legend>{ctx.t('guardian')}</legend>"
        + text_input(ctx, state, "guardian_name", "guardian_name", hint=ctx.t("guardian_hint", age=age),
                     attributes=FREE_TEXT)
        + text_input(ctx, state, "guardian_contact", "guardian_contact", attributes=LONG_TEXT)
        + "</fieldset>"
    )  # fmt: skip


def _contact_fields(ctx: DeskContext, state: FormState, *, structured_address: bool, address_now: str | None = None,
                    current_contact: str | None = None) -> list[str]:  # fmt: skip
    fields = [
        text_input(ctx, state, "email", "email", kind="email", attributes='autocomplete="off" maxlength="254"'),
        text_input(ctx, state, "phone", "phone", kind="tel", attributes='autocomplete="off" maxlength="20"'),
    ]
    if structured_address:
        hint = ctx.t("address_now", address=address_now) if address_now else None
        fields += [
            text_input(ctx, state, "address_line", "address_line", hint=hint, attributes=LINE),
            text_input(ctx, state, "postal_code", "postal_code", attributes='autocomplete="off" maxlength="10"'),
            text_input(ctx, state, "city", "city", attributes=LINE),
        ]  # fmt: skip
    else:
        fields.append(text_input(ctx, state, "postal_address", "postal_address", attributes=LONG_TEXT))
    fields.append(contact_select(ctx, state, current_contact))
    return fields


def registration_body(ctx: DeskContext, kind: str, state: FormState) -> str:
    action = f"{PATRONS}/new/{kind}"
    fields: list[str] = []
    if kind == "institution":
        fields += [
            text_input(ctx, state, "institution_name", "institution_name",
                       attributes=f"{FREE_TEXT} required autofocus"),
            text_input(ctx, state, "responsible_person", "responsible_person", attributes=f"{FREE_TEXT} required"),
        ]  # fmt: skip
    else:
        if kind == "national":
            # Typed once: never filled in again (not even after a refused post), never remembered by the browser.
            fields.append(text_input(
                ctx, state, "national_id", "national_id", value="", hint=ctx.t("national_id_hint"),
                attributes=NATIONAL_ID,
            ))  # fmt: skip
        fields.append(text_input(ctx, state, "name", "name", attributes=f"{FREE_TEXT} required"))
        if kind == "national":
            # Numbers from 2032 encode neither birth date nor gender: then staff give them, from the ID shown.
            fields.append(text_input(ctx, state, "birth_date", "birth_date", kind="date",
                                     hint=ctx.t("birth_date_2032_hint")))  # fmt: skip
            fields.append(gender_select(ctx, state))
        if kind == "local":
            fields.append(text_input(ctx, state, "birth_date", "birth_date", kind="date", hint=ctx.t("birth_date_hint"),
                                     attributes="required"))  # fmt: skip
    fields += _contact_fields(ctx, state, structured_address=kind == "national")
    if kind != "institution":
        fields.append(_guardian_fields(ctx, state))
    optional = kind != "national"
    pin_hint = "pin_optional_hint" if optional else "pin_hint"
    fields += [
        pin_input(ctx, state, "pin", "pin", hint=ctx.t(pin_hint), required=not optional),
        pin_input(ctx, state, "pin_again", "pin_again", required=not optional),
    ]  # fmt: skip
    return f"""<h1>{ctx.t(f"new_{kind}")}</h1>
<p>{ctx.t(f"{kind}_intro")}</p>
{errors_summary(ctx, state)}
{form(ctx, action, fields, ctx.t("register"))}
{_back(ctx, PATRONS, "patrons_heading")}"""


def link_body(ctx: DeskContext, state: FormState) -> str:
    fields = [
        text_input(ctx, state, "card_number", "link_card",
                   attributes='inputmode="numeric" autocomplete="off" maxlength="12" required autofocus'),
        pin_input(ctx, state, "pin", "link_pin", hint=ctx.t("national_pin_hint")),
    ]  # fmt: skip
    return f"""<h1>{ctx.t("new_link")}</h1>
<p>{ctx.t("link_intro")}</p>
{errors_summary(ctx, state)}
{form(ctx, f"{PATRONS}/link", fields, ctx.t("link_button"))}
{_back(ctx, PATRONS, "patrons_heading")}"""


def _back(ctx: DeskContext, path: str, key: str) -> str:
    return f'<p><a href="{escape(ctx.with_lang(path))}">{ctx.t(key)}</a></p>'


# Actions on one patron.


def action_body(ctx: DeskContext, patron: Patron, action: str, *, title_key: str, intro: str, state: FormState,
                fields: list[str], button: str) -> str:  # fmt: skip
    card = escape(patron.card_number or "")
    return f"""<h1>{ctx.t(title_key)}</h1>
<p><strong>{escape(patron.name)}</strong> {card}</p>
{intro}
{errors_summary(ctx, state)}
{form(ctx, patron_path(patron.patron_id, action), fields, button)}
{_back(ctx, patron_path(patron.patron_id), "back_to_patron")}"""


def contact_fields(ctx: DeskContext, patron: Patron, state: FormState) -> tuple[str, list[str]]:
    if patron.kind == "national":
        intro = f"<p>{ctx.t('contact_intro_national')}</p><p>{ctx.t('registry_owns')}</p>"
        fields = [text_input(ctx, state, "name", "name", attributes=f"{FREE_TEXT} required")]
        fields += _contact_fields(ctx, state, structured_address=True, address_now=patron.postal_address,
                                  current_contact=patron.preferred_contact)  # fmt: skip
        return intro, fields
    return "", _contact_fields(ctx, state, structured_address=False, current_contact=patron.preferred_contact)


def pin_fields(ctx: DeskContext, patron: Patron, state: FormState) -> tuple[str, list[str]]:
    intro = f"<p>{ctx.t('pin_intro_national')}</p>" if patron.kind == "national" else ""
    return intro, [
        pin_input(ctx, state, "pin", "pin", hint=ctx.t("pin_hint")),
        pin_input(ctx, state, "pin_again", "pin_again"),
    ]


def lost_card_intro(ctx: DeskContext, patron: Patron, fee_ore: int) -> str:
    intro = ctx.t("lost_intro_national" if patron.kind == "national" else "lost_intro_local")
    fee = f" {ctx.t('lost_fee', fee=ctx.money(fee_ore))}" if fee_ore else ""
    return f"<p>{intro}{fee}</p>"


def upgrade_fields(ctx: DeskContext, state: FormState) -> tuple[str, list[str]]:
    fields = [
        text_input(ctx, state, "national_id", "national_id", value="", hint=ctx.t("national_id_hint"),
                   attributes=NATIONAL_ID),
        pin_input(ctx, state, "pin", "pin", hint=ctx.t("pin_hint")),
        pin_input(ctx, state, "pin_again", "pin_again"),
    ]  # fmt: skip
    return f"<p>{ctx.t('upgrade_intro')}</p>", fields


def opt_out_fields(ctx: DeskContext, state: FormState) -> tuple[str, list[str]]:
    fields = [
        pin_input(ctx, state, "national_pin", "national_pin", hint=ctx.t("national_pin_hint")),
        pin_input(ctx, state, "pin", "local_pin", hint=ctx.t("pin_hint")),
        pin_input(ctx, state, "pin_again", "pin_again"),
    ]
    return f"<p>{ctx.t('opt_out_intro')}</p>", fields


def door_agreement_fields(
    ctx: DeskContext, patron: Patron, signed_on: dt.date | None, state: FormState
) -> tuple[str, list[str]]:
    current = ctx.date(signed_on) if signed_on is not None else ctx.t("door_agreement_none")
    intro = f"<p>{ctx.t('door_agreement_intro', current=escape(current))}</p>"
    if signed_on is not None:
        path = patron_path(patron.patron_id, "door-agreement")
        intro += f"<p>{post_button(ctx, path, ctx.t('withdraw_agreement'), fields={'withdraw': 'yes'})}</p>"
    field = text_input(ctx, state, "signed_on", "signed_on", kind="date", hint=ctx.t("signed_on_hint"),
                       attributes='autocomplete="off" required')  # fmt: skip
    return intro, [field]


def choices_fields(ctx: DeskContext, patron: Patron, state: FormState) -> tuple[str, list[str]]:
    """The patron's own choices, asked for at the desk: the notice before the due date (where the library
    offers one) and the preferred contact method."""
    fields = []
    notice = ctx.policy.pre_due_notice
    if notice is not None:
        checked = " checked" if patron.pre_due_notice else ""
        fields.append(
            f'<p><input type="checkbox" id="pre_due_notice" name="pre_due_notice" value="yes"{checked}> '
            f'<label class="inline" for="pre_due_notice">{ctx.t("choose_pre_due_notice", days=notice.days_before)}'
            '</label></p><input type="hidden" name="pre_due_notice_shown" value="yes">'
        )
    fields.append(contact_select(ctx, state, patron.preferred_contact))
    return f"<p>{ctx.t('choices_intro')}</p>", fields


def erasure_fields(ctx: DeskContext, kind: str, state: FormState) -> tuple[str, list[str]]:
    if kind == "deletion":
        return f"<p>{ctx.t('erasure_deletion_intro')}</p>", [checkbox(ctx, state, "confirm", "confirm_deletion")]
    return f"<p>{ctx.t('erasure_death_intro')}</p>", [checkbox(ctx, state, "confirm", "confirm_death")]


# The receipt.


def receipt_body(ctx: DeskContext, patron: Patron, request: RegistryRequest, *, printed_at: dt.datetime) -> str:
    library = ctx.library_name
    what_key = f"receipt_{request.operation}"
    what = (
        ctx.t(what_key, library=library)
        if request.operation in RECEIPT_OPERATIONS
        else ctx.t("receipt_generic", library=library)
    )
    rows = [
        (ctx.t("receipt_library"), escape(library)),
        (ctx.t("receipt_for"), escape(patron.name)),
        (ctx.t("requests_what"), ctx.t(f"op_{request.operation}")),
        (ctx.t("receipt_when"), ctx.datetime(request.created_at)),
        (ctx.t("receipt_state"), _state(ctx, request)),
    ]
    if request.operation == "opt_out" and patron.card_number:
        rows.append((ctx.t("receipt_new_card"), escape(patron.card_number)))
    details = "".join(f'<tr><th scope="row">{name}</th><td>{value}</td></tr>' for name, value in rows)
    return f"""<h1>{ctx.t("receipt_heading")}: {ctx.t(f"op_{request.operation}")}</h1>
<p class="no-print">{ctx.t("receipt_print")}</p>
<table><caption>{ctx.t("receipt_heading")}</caption><tbody>{details}</tbody></table>
<p>{what}</p>
<p>{ctx.t("receipt_controller")}</p>
<p><small>{ctx.t("receipt_printed", when=format_datetime(printed_at, ctx.language, ctx.zone))}</small></p>
<div class="no-print">{_back(ctx, patron_path(patron.patron_id), "back_to_patron")}</div>"""
