"""What happens to a loan as its due date nears and passes: pre-due notice, reminders with fees, the card
block after the n-th reminder, and the replacement claim.

Each function handles one loan inside the caller's transaction and may be called any number of times on a
day: reminders are numbered per loan and the fee, the notice and the claim each have a unique key, so a
repeat finds the work done and does nothing.
"""

from __future__ import annotations

from local_library.catalogue.queries import item_by_id
from local_library.clock import Clock
from local_library.invoices.invoices import invoice_for_claims, put_on_invoice
from local_library.notices.outbox import enqueue_notice
from local_library.patrons.queries import patron_by_id, set_block
from local_library.policy import Claim, LibraryPolicy, card_blocked, claim, pre_due_notice_date, reminders_due
from plumbing.db.types import DbConnection

from .fees import Fee, charge_fee
from .models import OverdueResult
from .queries import lock_loan, update_loan


async def queue_pre_due_notice(conn: DbConnection, policy: LibraryPolicy, clock: Clock, loan_id: int) -> bool:
    """Queue the notice before the due date if it is due now; whether one was queued now."""
    notice = policy.pre_due_notice
    loan = await lock_loan(conn, loan_id)
    if notice is None or loan.returned_on is not None:
        return False
    send_on = pre_due_notice_date(policy, loan.due_on, checked_out=loan.checked_out_on)
    today = clock.today()
    # Late rather than never, if a daily run was missed; but never on or after the due date itself.
    if send_on is None or not send_on <= today < loan.due_on:
        return False
    patron = await patron_by_id(conn, loan.patron_id)
    if notice.opt_in and not patron.pre_due_notice:
        return False
    return await enqueue_notice(
        conn,
        clock,
        # Keyed by due date: a renewed loan earns a notice before its new due date too.
        dedupe_key=f"pre_due:{loan.loan_id}:{loan.due_on.isoformat()}",
        patron=patron,
        kind="pre_due",
        allowed_channels=notice.channels,
        content={"title": loan.title, "barcode": loan.barcode, "due_on": loan.due_on, "library": policy.name.en},
    )


async def send_due_reminders(conn: DbConnection, policy: LibraryPolicy, clock: Clock, loan_id: int) -> OverdueResult:
    """Queue every reminder the schedule calls for by today, charge its fee, and block the card if due."""
    loan = await lock_loan(conn, loan_id)
    if loan.returned_on is not None or loan.claimed_on is not None:
        return OverdueResult(reminders_sent_now=0, card_blocked_now=False, fees=[])
    today = clock.today()
    target = reminders_due(policy, loan.due_on, loan.reminders_sent, today)
    if target == loan.reminders_sent:
        return OverdueResult(reminders_sent_now=0, card_blocked_now=False, fees=[])
    patron = await patron_by_id(conn, loan.patron_id, for_update=True)
    fees: list[Fee] = []
    for number in range(loan.reminders_sent + 1, target + 1):
        step = policy.reminders.steps[number - 1]
        if step.fee_ore > 0:
            fee = await charge_fee(
                conn,
                patron_id=patron.patron_id,
                kind="reminder",
                amount_ore=step.fee_ore,
                charged_on=today,
                loan_id=loan.loan_id,
                reminder_number=number,
            )
            if fee is not None:
                fees.append(fee)
        await enqueue_notice(
            conn,
            clock,
            dedupe_key=f"reminder:{loan.loan_id}:{number}",
            patron=patron,
            kind="reminder",
            allowed_channels=policy.reminders.channels,
            content={
                "reminder_number": number,
                "title": loan.title,
                "barcode": loan.barcode,
                "due_on": loan.due_on,
                "fee_ore": step.fee_ore,
                "library": policy.name.en,
            },
        )
    await update_loan(conn, loan.loan_id, reminders_sent=target, last_reminder_on=today)
    blocked_now = card_blocked(policy, target) and not patron.blocked
    if blocked_now:
        await set_block(conn, patron.patron_id, "reminders")
    return OverdueResult(reminders_sent_now=target - loan.reminders_sent, card_blocked_now=blocked_now, fees=fees)


async def raise_claim(conn: DbConnection, policy: LibraryPolicy, clock: Clock, loan_id: int) -> Claim | None:
    """Claim the replacement of an item that did not come back after the policy's reminders; once per loan.

    The replacement is charged as a fee; accrued reminder fees are already fees of their own, so the claim
    notice shows them beside it (Sandnes: "innkjøpspris ... i tillegg til påløpte gebyr") without charging
    them twice. The claim comes on a day after the last reminder, so the patron gets the reminder before the
    invoice. May raise ``purchase_price_required`` when the item has no price to claim.
    """
    loan = await lock_loan(conn, loan_id)
    today = clock.today()
    if loan.returned_on is not None or loan.claimed_on is not None:
        return None
    if loan.last_reminder_on is None or loan.last_reminder_on >= today:
        return None
    item = await item_by_id(conn, loan.item_id)
    decided = claim(policy, item.material, item.audience, item.purchase_price_ore, loan.reminders_sent)
    if decided is None:
        return None
    await charge_fee(
        conn,
        patron_id=loan.patron_id,
        kind="replacement",
        amount_ore=decided.replacement_ore,
        charged_on=today,
        loan_id=loan.loan_id,
    )
    await update_loan(conn, loan.loan_id, claimed_on=today)
    # The claims of one day go on one invoice with one KID (local_library.invoices).
    invoice = await invoice_for_claims(conn, policy.invoices, loan.patron_id, today)
    await put_on_invoice(conn, invoice.invoice_id, loan.loan_id, with_reminder_fees=policy.claims.add_accrued_fees)
    await enqueue_notice(
        conn,
        clock,
        dedupe_key=f"claim:{loan.loan_id}",
        patron=await patron_by_id(conn, loan.patron_id),
        kind="claim",
        # A claim is an invoice: by letter where the patron has an address, else as the reminders went.
        allowed_channels=("letter", *policy.reminders.channels),
        content={
            "title": loan.title,
            "barcode": loan.barcode,
            "basis": decided.basis,
            "replacement_ore": decided.replacement_ore,
            "fees_ore": decided.fees_ore,
            "total_ore": decided.total_ore,
            "refund_if_found": decided.refund_if_found,
            "kid": invoice.kid,
            "library": policy.name.en,
        },
    )
    return decided
