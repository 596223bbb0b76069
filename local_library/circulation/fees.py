"""Fees a patron owes this library: reminder fees, replacement claims and new-card fees."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from plumbing.db.types import DbConnection

FeeKind = Literal["reminder", "replacement", "new_card"]
FeeStatus = Literal["open", "paid", "waived", "refunded"]


class Fee(BaseModel):
    fee_id: int
    patron_id: UUID
    loan_id: int | None
    kind: FeeKind
    reminder_number: int | None
    amount_ore: int
    status: FeeStatus
    charged_on: date
    kid: str | None = None
    """The KID of the invoice the fee is on (replacement claims, and reminder fees added to them)."""


_FEE_COLUMNS = (
    "fee_id, patron_id, loan_id, kind, reminder_number, amount_ore, status, charged_on,"
    " (SELECT kid FROM invoices WHERE invoices.invoice_id = fees.invoice_id) AS kid"
)


def fee_columns() -> str:
    """The columns of a ``Fee`` read from ``fees`` (in a ``SELECT ... FROM fees`` or its ``RETURNING``)."""
    return _FEE_COLUMNS


async def charge_fee(
    conn: DbConnection,
    *,
    patron_id: UUID,
    kind: FeeKind,
    amount_ore: int,
    charged_on: date,
    loan_id: int | None = None,
    reminder_number: int | None = None,
) -> Fee | None:
    """Record a fee; ``None`` if this loan's fee of this kind (and reminder number) was already charged.

    The unique indexes on ``fees`` make a repeated daily run charge nothing twice.
    """
    row = await conn.fetchrow(
        f"""
        INSERT INTO fees (patron_id, loan_id, kind, reminder_number, amount_ore, charged_on)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT DO NOTHING
        RETURNING {_FEE_COLUMNS}
        """,  # noqa: S608 - constant columns
        patron_id,
        loan_id,
        kind,
        reminder_number,
        amount_ore,
        charged_on,
    )
    return None if row is None else Fee.model_validate(dict(row))


async def fees_of_patron(conn: DbConnection, patron_id: UUID) -> list[Fee]:
    rows = await conn.fetch(f"SELECT {_FEE_COLUMNS} FROM fees WHERE patron_id = $1 ORDER BY fee_id", patron_id)  # noqa: S608 - constant
    return [Fee.model_validate(dict(row)) for row in rows]


async def refund_replacement(conn: DbConnection, loan_id: int) -> None:
    """Cancel an item's replacement charge because the item came back (only where the policy refunds)."""
    await conn.execute(
        """
        UPDATE fees SET status = 'refunded'
        WHERE loan_id = $1 AND kind = 'replacement' AND status IN ('open', 'paid')
        """,
        loan_id,
    )


async def set_fee_status(conn: DbConnection, fee_id: int, status: FeeStatus, *, today: date) -> Fee | None:
    """Mark a fee paid or waived by staff.

    An open fee on a replacement invoice paid at the desk is a payment against the invoice too, recorded once
    under the reference ``desk-fee-<id>`` (``local_library.invoices``): what the invoice still asks for drops
    by it, and the patron is not asked to pay it again with the KID.
    """
    before = await conn.fetchrow("SELECT status, invoice_id, amount_ore FROM fees WHERE fee_id = $1 FOR UPDATE", fee_id)
    if before is not None and before["invoice_id"] is not None and before["status"] == "open" and status == "paid":
        await conn.execute(
            """
            INSERT INTO invoice_payments (invoice_id, payment_reference, amount_ore, paid_on)
            SELECT $1, $2, $3, $4 WHERE $3 > 0
            ON CONFLICT (payment_reference) DO NOTHING
            """,
            before["invoice_id"],
            f"desk-fee-{fee_id}",
            before["amount_ore"],
            today,
        )
    row = await conn.fetchrow(
        f"UPDATE fees SET status = $2 WHERE fee_id = $1 RETURNING {_FEE_COLUMNS}",  # noqa: S608 - constant
        fee_id,
        status,
    )
    return None if row is None else Fee.model_validate(dict(row))
