"""Replacement invoices: one per patron per day of claims, with a KID; payments against it, once each; credits.

What the patron owes on an invoice is its fees that still stand (open or paid: a waived fee, or a replacement
refunded because the item turned up where the library's rules refund it, no longer counts). Payments with the
invoice's KID are subtracted: a patron who returned some items pays only for the rest ("pay only for what you
did not return"), in one or several payments; once nothing is outstanding the invoice's fees are paid. Paid
more than now stands (an item turned up after payment) is a credit the library owes the patron back.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel

from local_library.circulation.fees import Fee, fee_columns
from local_library.policy import InvoiceRules
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .kid import NoCheckDigitError, invoice_number_of, make_kid

PAYMENT_REFERENCE_REUSED = "payment_reference_reused"
INVOICE_NOT_FOUND = "invoice_not_found"


class Invoice(BaseModel):
    invoice_id: int
    invoice_number: int
    kid: str
    patron_id: UUID
    issued_on: date


class Payment(BaseModel):
    payment_reference: str
    amount_ore: int
    paid_on: date


class InvoiceStatement(BaseModel):
    """An invoice as staff and the patron see it: its lines, payments and what is left (or owed back)."""

    invoice: Invoice
    fees: list[Fee]
    payments: list[Payment]
    charged_ore: int
    paid_ore: int
    outstanding_ore: int
    credit_ore: int


class PaymentRecorded(BaseModel):
    recorded: bool
    """False when this payment reference was recorded before (the same payment sent again)."""
    statement: InvoiceStatement


_INVOICE_COLUMNS = "invoice_id, invoice_number, kid, patron_id, issued_on"


async def invoice_for_claims(conn: DbConnection, rules: InvoiceRules, patron_id: UUID, issued_on: date) -> Invoice:
    """The patron's invoice for the claims of ``issued_on``, made with the next usable invoice number if new."""
    existing = await _invoice_of_day(conn, patron_id, issued_on)
    if existing is not None:
        return existing
    while True:
        number = int(await conn.fetchval("SELECT nextval('invoice_numbers')"))
        try:
            kid = make_kid(rules.kid_library_number, number, rules.kid_check)
        except NoCheckDigitError:
            continue  # MOD11 has no check digit for this number: the next one is used, this one never
        break
    row = await conn.fetchrow(
        f"""
        INSERT INTO invoices (invoice_number, kid, patron_id, issued_on) VALUES ($1, $2, $3, $4)
        ON CONFLICT (patron_id, issued_on) DO NOTHING
        RETURNING {_INVOICE_COLUMNS}
        """,  # noqa: S608 - constant columns
        number,
        kid,
        patron_id,
        issued_on,
    )
    if row is not None:
        return Invoice.model_validate(dict(row))
    # Another transaction made the day's invoice meanwhile: the fees go on that one.
    made = await _invoice_of_day(conn, patron_id, issued_on)
    assert made is not None
    return made


async def _invoice_of_day(conn: DbConnection, patron_id: UUID, issued_on: date) -> Invoice | None:
    row = await conn.fetchrow(
        f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE patron_id = $1 AND issued_on = $2",  # noqa: S608 - constant
        patron_id,
        issued_on,
    )
    return None if row is None else Invoice.model_validate(dict(row))


async def put_on_invoice(conn: DbConnection, invoice_id: int, loan_id: int, *, with_reminder_fees: bool) -> None:
    """Put a loan's replacement (and, where the library adds accrued fees, its open reminder fees) on the invoice."""
    await conn.execute(
        """
        UPDATE fees SET invoice_id = $1
        WHERE loan_id = $2 AND invoice_id IS NULL
          AND (kind = 'replacement' OR ($3 AND kind = 'reminder' AND status = 'open'))
        """,
        invoice_id,
        loan_id,
        with_reminder_fees,
    )


async def _invoice_by_kid(conn: DbConnection, rules: InvoiceRules, kid: str, *, for_update: bool) -> Invoice:
    number = invoice_number_of(kid, rules.kid_library_number, rules.kid_check)
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE invoice_number = $1 AND kid = $2{lock}",  # noqa: S608
        number,
        kid,
    )
    if row is None:
        raise DomainError(ErrorKind.NOT_FOUND, INVOICE_NOT_FOUND, "no invoice has this KID")
    return Invoice.model_validate(dict(row))


async def _statement(conn: DbConnection, invoice: Invoice) -> InvoiceStatement:
    fee_rows = await conn.fetch(
        f"SELECT {fee_columns()} FROM fees WHERE invoice_id = $1 ORDER BY fee_id",  # noqa: S608 - constant
        invoice.invoice_id,
    )
    fees = [Fee.model_validate(dict(row)) for row in fee_rows]
    payment_rows = await conn.fetch(
        "SELECT payment_reference, amount_ore, paid_on FROM invoice_payments WHERE invoice_id = $1 ORDER BY payment_id",
        invoice.invoice_id,
    )
    payments = [Payment.model_validate(dict(row)) for row in payment_rows]
    charged = sum(fee.amount_ore for fee in fees if fee.status in ("open", "paid"))
    paid = sum(payment.amount_ore for payment in payments)
    return InvoiceStatement(
        invoice=invoice,
        fees=fees,
        payments=payments,
        charged_ore=charged,
        paid_ore=paid,
        outstanding_ore=max(charged - paid, 0),
        credit_ore=max(paid - charged, 0),
    )


async def statement_by_kid(conn: DbConnection, rules: InvoiceRules, kid: str) -> InvoiceStatement:
    """The invoice a KID names; ``kid_invalid`` (422) for a KID that cannot be one of ours, else 404."""
    return await _statement(conn, await _invoice_by_kid(conn, rules, kid, for_update=False))


async def statements_of_patron(conn: DbConnection, patron_id: UUID) -> list[InvoiceStatement]:
    rows = await conn.fetch(
        f"SELECT {_INVOICE_COLUMNS} FROM invoices WHERE patron_id = $1 ORDER BY invoice_id",  # noqa: S608 - constant
        patron_id,
    )
    return [await _statement(conn, Invoice.model_validate(dict(row))) for row in rows]


async def unsettled_statements_of_patron(conn: DbConnection, patron_id: UUID) -> list[InvoiceStatement]:
    """The patron's invoices with something left to pay or to pay back."""
    return [s for s in await statements_of_patron(conn, patron_id) if s.outstanding_ore or s.credit_ore]


async def record_payment(
    conn: DbConnection, rules: InvoiceRules, kid: str, *, payment_reference: str, amount_ore: int, paid_on: date
) -> PaymentRecorded:
    """Record a payment made with ``kid``, once: the same reference again records nothing and says so.

    The reference sent again with another KID, amount or date is refused (``payment_reference_reused``, 409):
    two different payments cannot share the bank's reference. Any amount is taken, a part or more than asked.
    """
    invoice = await _invoice_by_kid(conn, rules, kid, for_update=True)
    inserted = await conn.fetchval(
        """
        INSERT INTO invoice_payments (invoice_id, payment_reference, amount_ore, paid_on) VALUES ($1, $2, $3, $4)
        ON CONFLICT (payment_reference) DO NOTHING
        RETURNING payment_id
        """,
        invoice.invoice_id,
        payment_reference,
        amount_ore,
        paid_on,
    )
    if inserted is None:
        earlier = await conn.fetchrow(
            "SELECT invoice_id, amount_ore, paid_on FROM invoice_payments WHERE payment_reference = $1",
            payment_reference,
        )
        if earlier is None or (earlier["invoice_id"], earlier["amount_ore"], earlier["paid_on"]) != (
            invoice.invoice_id,
            amount_ore,
            paid_on,
        ):
            raise DomainError(
                ErrorKind.CONFLICT,
                PAYMENT_REFERENCE_REUSED,
                "a different payment was recorded with this payment reference",
            )
    statement = await _statement(conn, invoice)
    if statement.outstanding_ore == 0:
        await conn.execute(
            "UPDATE fees SET status = 'paid' WHERE invoice_id = $1 AND status = 'open'", invoice.invoice_id
        )
        statement = await _statement(conn, invoice)
    return PaymentRecorded(recorded=inserted is not None, statement=statement)
