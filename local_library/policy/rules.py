"""Lending decisions derived from a library's policy: due dates, renewals, reminders, claims, card sign-up.

Every function is pure: it reads the policy and its arguments and nothing else. Time comes in as plain
``date`` values (the caller passes ``today``), so circulation code and tests control the clock, and the
same answer comes back for the same question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from plumbing.errors import DomainError, ErrorKind
from registry_contract.models import PostalAddress

from .model import Audience, ClaimBasis, LibraryPolicy

__all__ = [
    "Claim",
    "PurchasePriceRequiredError",
    "RenewalDecision",
    "RenewalRefusal",
    "address_in_norway",
    "can_reserve",
    "card_blocked",
    "claim",
    "due_date",
    "guardian_liable",
    "loan_limit_reached",
    "needs_guardian",
    "needs_id",
    "new_card_fee",
    "pickup_deadline",
    "pre_due_notice_date",
    "refuse_without_address_in_norway",
    "reminder_fee_total",
    "reminders_due",
    "renewal_decision",
    "renewed_due_date",
    "replacement_price",
]

RenewalRefusal = Literal[
    "not_renewable", "renewal_limit_reached", "reserved_by_another", "someone_waiting", "renewal_changes_nothing"
]
"""Stable reason codes for a refused renewal; shown to clients, so never renamed."""


@dataclass(frozen=True, slots=True)
class RenewalDecision:
    allowed: bool
    reason: RenewalRefusal | None = None
    """Set exactly when the renewal is refused."""


_ALLOWED = RenewalDecision(allowed=True)


@dataclass(frozen=True, slots=True)
class Claim:
    """What the patron is invoiced for an item that did not come back."""

    basis: ClaimBasis
    replacement_ore: int
    fees_ore: int
    refund_if_found: bool

    @property
    def total_ore(self) -> int:
        return self.replacement_ore + self.fees_ore


class PurchasePriceRequiredError(DomainError):
    """A claim must charge the item's purchase price, but none was given."""

    def __init__(self, library_id: str, material: str) -> None:
        super().__init__(
            ErrorKind.INVALID,
            "purchase_price_required",
            f"library {library_id!r} claims the purchase price for {material!r}, and none was given",
            extra={"material": material},
        )


def _require_non_negative(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def due_date(policy: LibraryPolicy, material: str, checkout_date: date) -> date:
    return checkout_date + timedelta(days=policy.material(material).loan_days)


def can_reserve(policy: LibraryPolicy, material: str) -> bool:
    return policy.material(material).reservable


def loan_limit_reached(policy: LibraryPolicy, active_loans: int) -> bool:
    """Whether a patron with ``active_loans`` items out may not borrow one more."""
    _require_non_negative("active_loans", active_loans)
    return policy.loan_limit is not None and active_loans >= policy.loan_limit


def renewal_decision(
    policy: LibraryPolicy,
    material: str,
    renewals_so_far: int,
    someone_waiting: bool,
    item_reserved: bool,
) -> RenewalDecision:
    """Whether the loan may be renewed once more.

    When several reasons apply, the permanent ones are reported first (the material, then the limit), so the
    patron is not told to wait for a queue that would not help them anyway.
    """
    _require_non_negative("renewals_so_far", renewals_so_far)
    rules = policy.renewals
    if not policy.material(material).renewable:
        return RenewalDecision(allowed=False, reason="not_renewable")
    if rules.max_renewals is not None and renewals_so_far >= rules.max_renewals:
        return RenewalDecision(allowed=False, reason="renewal_limit_reached")
    if item_reserved and rules.refuse_when_item_reserved:
        return RenewalDecision(allowed=False, reason="reserved_by_another")
    if someone_waiting and rules.refuse_when_someone_waiting:
        return RenewalDecision(allowed=False, reason="someone_waiting")
    return _ALLOWED


def renewed_due_date(policy: LibraryPolicy, material: str, current_due: date, today: date) -> date | None:
    """The due date a renewal today gives: the material's loan period from today.

    ``None`` when that does not move the due date (renewing on the day of the loan, say): such a renewal would
    answer "renewed" with the same date and use up one of the library's renewals for nothing.
    """
    renewed = due_date(policy, material, today)
    return renewed if renewed > current_due else None


def reminders_due(policy: LibraryPolicy, due: date, reminders_sent: int, today: date) -> int:
    """How many reminders should have gone out for a loan due on ``due`` by the end of ``today``.

    Never less than ``reminders_sent``: a reminder cannot be unsent (say the due date moved after one went
    out), so ``reminders_due(...) - reminders_sent`` is always the number to send now.
    """
    _require_non_negative("reminders_sent", reminders_sent)
    scheduled = sum(1 for step in policy.reminders.steps if today >= due + timedelta(days=step.days_after_due))
    return max(reminders_sent, scheduled)


def reminder_fee_total(policy: LibraryPolicy, reminders_sent: int) -> int:
    """Fees (øre) accrued by the reminders sent so far; reminders beyond the schedule cost nothing."""
    _require_non_negative("reminders_sent", reminders_sent)
    return sum(step.fee_ore for step in policy.reminders.steps[:reminders_sent])


def card_blocked(policy: LibraryPolicy, reminders_sent: int) -> bool:
    """Whether the card is blocked for further loans (Sandnes: "Etter 3. gangs purring sperres kortet")."""
    _require_non_negative("reminders_sent", reminders_sent)
    block_after = policy.reminders.block_card_after_reminder
    return block_after is not None and reminders_sent >= block_after


def replacement_price(policy: LibraryPolicy, material: str, audience: Audience) -> int | None:
    """The library's fixed price (øre) for a lost item, or ``None`` when its table has none for it.

    A price for the exact audience wins over one that applies to every audience of the material.
    """
    policy.material(material)
    for wanted in (audience, None):
        for entry in policy.claims.replacement_prices:
            if entry.material == material and entry.audience == wanted:
                return entry.price_ore
    return None


def claim(
    policy: LibraryPolicy,
    material: str,
    audience: Audience,
    purchase_price_ore: int | None,
    reminders_sent: int,
) -> Claim | None:
    """The claim for an unreturned item, or ``None`` while it is too early to claim.

    With a replacement-price table (Asker), items the table does not list are charged their purchase price:
    Asker assesses those separately ("vurderes spesielt", "egne regler"), and the purchase price is the
    figure the library has for that assessment.
    """
    _require_non_negative("reminders_sent", reminders_sent)
    if purchase_price_ore is not None:
        _require_non_negative("purchase_price_ore", purchase_price_ore)
    policy.material(material)  # an unknown material is a caller's error even before a claim is due
    rules = policy.claims
    if reminders_sent < rules.after_reminders:
        return None
    price = replacement_price(policy, material, audience) if rules.basis == "replacement_price" else None
    basis: ClaimBasis = "replacement_price"
    if price is None:
        if purchase_price_ore is None:
            raise PurchasePriceRequiredError(policy.library_id, material)
        basis, price = "purchase_price", purchase_price_ore
    fees = reminder_fee_total(policy, reminders_sent) if rules.add_accrued_fees else 0
    return Claim(basis=basis, replacement_ore=price, fees_ore=fees, refund_if_found=rules.refund_if_found)


def needs_guardian(policy: LibraryPolicy, age_years: int) -> bool:
    """Whether a guardian must sign the card application (Asker: under 18; Sandnes: under 15)."""
    _require_non_negative("age_years", age_years)
    return age_years < policy.cards.guardian_signature_under


def needs_id(policy: LibraryPolicy, age_years: int) -> bool:
    """Whether the applicant must show ID themselves (Sandnes: from 15; Asker: adults)."""
    _require_non_negative("age_years", age_years)
    return age_years >= policy.cards.id_required_from


def guardian_liable(policy: LibraryPolicy, age_years: int) -> bool:
    """Whether the patron's guardian answers for what they borrow (both sources: under 18)."""
    _require_non_negative("age_years", age_years)
    return age_years < policy.cards.guardian_liable_under


def new_card_fee(policy: LibraryPolicy, had_card_before: bool) -> int:
    """The fee (øre) for issuing a card (Sandnes: 40 kr when the patron had one here before)."""
    cards = policy.cards
    return cards.replacement_card_fee_ore if had_card_before else cards.card_fee_ore


def pickup_deadline(policy: LibraryPolicy, ready_date: date) -> date:
    """The last day a reserved item ready on ``ready_date`` may be picked up (Asker: "Hentefrist er 5 dager")."""
    return ready_date + timedelta(days=policy.reservations.pickup_deadline_days)


def pre_due_notice_date(policy: LibraryPolicy, due: date, *, checked_out: date | None = None) -> date | None:
    """When to send the notice before the due date, or ``None`` if the library sends none.

    Given ``checked_out``, a notice that would fall on or before the checkout day is dropped: Asker's 3-day
    notice would otherwise precede its own 2-day quick loan of a film.
    """
    notice = policy.pre_due_notice
    if notice is None:
        return None
    send_on = due - timedelta(days=notice.days_before)
    if checked_out is not None and send_on <= checked_out:
        return None
    return send_on


# A Norwegian postal code is four digits standing alone ("4306 Sandnes"); Sweden's "211 20" or Denmark's
# "DK-2100" are not, nor is a house number run into a word.
_NORWEGIAN_POSTAL_CODE = re.compile(r"(?<![0-9A-Za-z-])[0-9]{4}(?![0-9])")


def address_in_norway(addresses: Sequence[PostalAddress] | str | None) -> bool:
    """Whether the patron has an address in Norway: a national card's structured addresses (one of them in
    ``NO`` with a four-digit postal code), or a local card's one typed box (a Norwegian postal code in it)."""
    if addresses is None:
        return False
    if isinstance(addresses, str):
        return bool(_NORWEGIAN_POSTAL_CODE.search(addresses))
    return any(address.country == "NO" and re.fullmatch(r"[0-9]{4}", address.postal_code) for address in addresses)


def refuse_without_address_in_norway(policy: LibraryPolicy, has_address_in_norway: bool) -> None:
    """Sandnes: "Alle med fast adresse i Norge kan få lånekort" (``[cards] requires_address_in_norway``).

    Persons and institutions alike, each by its own address; refused before anything is written.
    """
    if policy.cards.requires_address_in_norway and not has_address_in_norway:
        raise DomainError(
            ErrorKind.INVALID,
            "address_in_norway_required",
            f"library {policy.library_id!r} issues cards only to those with a fixed address in Norway",
        )
