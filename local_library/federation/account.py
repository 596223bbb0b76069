"""A patron's account at this library as another library may show it on the patron's authority: open loans,
holds and open fees, with only what the patron needs to read them (no barcodes, no internal ids but the loan's,
which the patron renews by). The wire models are what nodes agree on; the caller shows them and keeps nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from local_library.circulation.fees import fees_of_patron
from local_library.circulation.lending import renew
from local_library.circulation.models import Loan
from local_library.circulation.queries import open_loans_of_patron, reservations_of_patron
from local_library.clock import Clock
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection


class _PeerModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MaterialName(_PeerModel):
    nb: str
    en: str


class PeerLoan(_PeerModel):
    loan_id: int
    title: str
    material: MaterialName
    checked_out_on: dt.date
    due_on: dt.date
    renewals: int


class PeerHold(_PeerModel):
    title: str
    status: Literal["waiting", "ready"]
    pickup_deadline: dt.date | None
    reference_number: str | None


class PeerFee(_PeerModel):
    kind: str
    reminder_number: int | None
    amount_ore: int
    charged_on: dt.date


class PeerAccount(_PeerModel):
    """The patron's open loans, holds and open fees at the answering library."""

    library_id: str
    loans: list[PeerLoan]
    holds: list[PeerHold]
    fees: list[PeerFee]


def _peer_loan(policy: LibraryPolicy, loan: Loan) -> PeerLoan:
    name = policy.material(loan.material).name
    return PeerLoan(
        loan_id=loan.loan_id, title=loan.title, material=MaterialName(nb=name.nb, en=name.en),
        checked_out_on=loan.checked_out_on, due_on=loan.due_on, renewals=loan.renewals,
    )  # fmt: skip


async def account_for_peer(connection: DbConnection, policy: LibraryPolicy, patron_id: uuid.UUID) -> PeerAccount:
    loans = await open_loans_of_patron(connection, patron_id)
    holds = await reservations_of_patron(connection, patron_id)
    fees = [fee for fee in await fees_of_patron(connection, patron_id) if fee.status == "open"]
    return PeerAccount(
        library_id=policy.library_id,
        loans=[_peer_loan(policy, loan) for loan in loans],
        holds=[
            PeerHold(
                title=hold.title,
                status="ready" if hold.status == "ready" else "waiting",
                pickup_deadline=hold.pickup_deadline,
                reference_number=hold.reference_number,
            )
            for hold in holds
        ],
        fees=[
            PeerFee(
                kind=fee.kind, reminder_number=fee.reminder_number, amount_ore=fee.amount_ore, charged_on=fee.charged_on
            )
            for fee in fees
        ],
    )


async def renew_for_peer(
    connection: DbConnection, policy: LibraryPolicy, clock: Clock, patron_id: uuid.UUID, loan_id: int
) -> PeerLoan:
    """Renew under this library's rules, only a loan of the patron the statement names."""
    return _peer_loan(policy, await renew(connection, policy, clock, loan_id, patron_id=patron_id))
