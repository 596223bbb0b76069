"""The patron's replacement invoices as a table on the node's pages (Min side's overview, the desk's patron).

Each invoice with its KID, what it charged, what was paid with the KID, what is left to pay and any credit
(paid for an item that turned up and was refunded). Words in bokmål and English, every value escaped here.
"""

from __future__ import annotations

from html import escape

from local_library.page_context import LibraryPageContext
from plumbing.web.language import Language

from .invoices import InvoiceStatement

INVOICE_TEXTS: dict[str, dict[Language, str]] = {
    "invoices": {"nb": "Erstatningsfakturaer", "en": "Replacement invoices"},
    "invoices_intro": {
        "nb": "Betal i nettbanken med KID-nummeret.",
        "en": "Pay in your online bank with the KID number.",
    },
    "invoices_refund": {
        "nb": "Leverer du noe av det som er krevd erstattet, betaler du bare for resten, med samme KID.",
        "en": "If you return some of what was claimed, pay only for the rest, with the same KID.",
    },
    "invoice_issued": {"nb": "Fakturadato", "en": "Invoice date"},
    "kid": {"nb": "KID", "en": "KID"},
    "invoice_charged": {"nb": "Krav", "en": "Charged"},
    "invoice_paid": {"nb": "Betalt", "en": "Paid"},
    "invoice_outstanding": {"nb": "Å betale", "en": "To pay"},
    "invoice_credit": {"nb": "Til gode", "en": "Credit"},
    "payments": {"nb": "Innbetalinger med KID", "en": "Payments with a KID"},
    "payment_reference": {"nb": "Referanse", "en": "Reference"},
    "paid_on": {"nb": "Betalt dato", "en": "Paid on"},
    "amount": {"nb": "Beløp", "en": "Amount"},
}


def invoice_text(key: str, language: Language) -> str:
    return INVOICE_TEXTS[key][language]


def invoices_table(ctx: LibraryPageContext, statements: list[InvoiceStatement], *, level: int = 2) -> str:
    """The invoices as a captioned table with a heading of ``level`` (nothing when there are none)."""
    if not statements:
        return ""

    def t(key: str) -> str:
        return escape(invoice_text(key, ctx.language))

    # Only where the library's rules refund a returned item does returning it lower what the invoice asks.
    refund = " " + t("invoices_refund") if ctx.policy.claims.refund_if_found else ""
    keys = ("kid", "invoice_issued", "invoice_charged", "invoice_paid", "invoice_outstanding", "invoice_credit")
    head = "".join(f'<th scope="col">{t(key)}</th>' for key in keys)
    rows = "".join(
        f'<tr><th scope="row" class="kid">{escape(s.invoice.kid)}</th><td>{ctx.date(s.invoice.issued_on)}</td>'
        f"<td>{ctx.money(s.charged_ore)}</td><td>{ctx.money(s.paid_ore)}</td>"
        f"<td>{ctx.money(s.outstanding_ore)}</td><td>{ctx.money(s.credit_ore)}</td></tr>"
        for s in statements
    )
    return (
        f"<h{level}>{t('invoices')}</h{level}><p>{t('invoices_intro')}{refund}</p>"
        f"<table><caption>{t('invoices')}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def payments_table(ctx: LibraryPageContext, statements: list[InvoiceStatement], *, level: int = 2) -> str:
    """Every payment recorded against the invoices, with the bank's reference (nothing when there are none)."""
    rows = "".join(
        f'<tr><th scope="row" class="kid">{escape(s.invoice.kid)}</th><td>{escape(p.payment_reference)}</td>'
        f"<td>{ctx.date(p.paid_on)}</td><td>{ctx.money(p.amount_ore)}</td></tr>"
        for s in statements
        for p in s.payments
    )
    if not rows:
        return ""

    def t(key: str) -> str:
        return escape(invoice_text(key, ctx.language))

    head = "".join(f'<th scope="col">{t(key)}</th>' for key in ("kid", "payment_reference", "paid_on", "amount"))
    return (
        f"<h{level}>{t('payments')}</h{level}>"
        f"<table><caption>{t('payments')}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )
