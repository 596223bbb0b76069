"""Properties every lending policy must have, checked on the shipped policies and on generated ones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from local_library.policy import (
    Audience,
    LibraryPolicy,
    builtin_policy_ids,
    card_blocked,
    claim,
    due_date,
    load_builtin_policy,
    pickup_deadline,
    reminder_fee_total,
    reminders_due,
    renewal_decision,
)

SHIPPED = [load_builtin_policy(library_id) for library_id in builtin_policy_ids()]

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
counts = st.integers(min_value=0, max_value=50)


@st.composite
def generated_policies(draw: st.DrawFn) -> LibraryPolicy:
    """Any policy the loader accepts: the properties must hold for every library, not just two."""
    material_ids = draw(
        st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True), min_size=1, max_size=5, unique=True)
    )
    materials = {
        material_id: {
            "name": {"nb": material_id, "en": material_id},
            "loan_days": draw(st.integers(min_value=1, max_value=365)),
            "reservable": draw(st.booleans()),
            "renewable": draw(st.booleans()),
        }
        for material_id in material_ids
    }
    reminder_days = draw(st.lists(st.integers(min_value=1, max_value=365), min_size=1, max_size=10, unique=True))
    steps = [
        {"days_after_due": days, "fee_ore": draw(st.integers(min_value=0, max_value=100_000))}
        for days in sorted(reminder_days)
    ]
    reminders: dict[str, Any] = {"channels": ["letter"], "steps": steps}
    block_after = draw(st.none() | st.integers(min_value=1, max_value=len(steps)))
    if block_after is not None:
        reminders["block_card_after_reminder"] = block_after
    guardian_under = draw(st.integers(min_value=0, max_value=18))
    document: dict[str, Any] = {
        "library_id": "generated",
        "name": {"nb": "Generert", "en": "Generated"},
        "loan_limit": draw(st.just("unlimited") | st.integers(min_value=1, max_value=100)),
        "cards": {
            "eligibility": {"nb": "Alle", "en": "Anyone"},
            "requires_address_in_norway": draw(st.booleans()),
            "card_fee_ore": draw(st.integers(min_value=0, max_value=10_000)),
            "replacement_card_fee_ore": draw(st.integers(min_value=0, max_value=10_000)),
            "guardian_signature_under": guardian_under,
            "id_required_from": draw(st.integers(min_value=0, max_value=guardian_under)),
            "guardian_liable_under": draw(st.integers(min_value=guardian_under, max_value=18)),
        },
        "materials": materials,
        "renewals": {
            "max_renewals": draw(st.just("unlimited") | st.integers(min_value=1, max_value=10)),
            "refuse_when_someone_waiting": draw(st.booleans()),
            "refuse_when_item_reserved": draw(st.booleans()),
        },
        "reminders": reminders,
        "claims": {
            "after_reminders": draw(st.integers(min_value=1, max_value=len(steps))),
            "basis": "purchase_price",
            "add_accrued_fees": draw(st.booleans()),
            "refund_if_found": draw(st.booleans()),
        },
        "reservations": {
            "pickup_deadline_days": draw(st.integers(min_value=1, max_value=60)),
            "pickup_notice_channels": ["sms"],
            "pickup_reference_number": draw(st.booleans()),
        },
    }
    return LibraryPolicy.model_validate(document)


policies = st.sampled_from(SHIPPED) | generated_policies()


@st.composite
def policy_and_material(draw: st.DrawFn) -> tuple[LibraryPolicy, str]:
    policy = draw(policies)
    return policy, draw(st.sampled_from(sorted(policy.materials)))


@given(policy_and_material(), dates)
def test_due_date_is_always_after_checkout(chosen: tuple[LibraryPolicy, str], checkout: date) -> None:
    policy, material = chosen
    assert due_date(policy, material, checkout) > checkout


@given(policies, dates)
def test_pickup_deadline_is_always_after_ready_date(policy: LibraryPolicy, ready: date) -> None:
    assert pickup_deadline(policy, ready) > ready


@given(policy_and_material(), st.booleans(), st.booleans())
def test_renewals_never_exceed_the_limit(
    chosen: tuple[LibraryPolicy, str], someone_waiting: bool, item_reserved: bool
) -> None:
    policy, material = chosen
    limit = policy.renewals.max_renewals
    renewals = 0
    # Renew until refused; an unlimited policy is cut off at a count no real loan reaches.
    while renewals <= 100 and renewal_decision(policy, material, renewals, someone_waiting, item_reserved).allowed:
        renewals += 1
    if limit is not None:
        assert renewals <= limit
    decision = renewal_decision(policy, material, renewals, someone_waiting, item_reserved)
    assert decision.allowed == (decision.reason is None)


@given(policy_and_material(), counts, st.booleans(), st.booleans())
def test_a_refusal_always_has_a_reason(
    chosen: tuple[LibraryPolicy, str], renewals: int, someone_waiting: bool, item_reserved: bool
) -> None:
    policy, material = chosen
    decision = renewal_decision(policy, material, renewals, someone_waiting, item_reserved)
    assert decision.allowed == (decision.reason is None)


@given(policies, dates, counts, dates, dates)
def test_reminders_due_is_monotone_in_today(
    policy: LibraryPolicy, due: date, sent: int, first: date, second: date
) -> None:
    earlier, later = sorted((first, second))
    assert reminders_due(policy, due, sent, earlier) <= reminders_due(policy, due, sent, later)


@given(policies, dates, counts, dates)
def test_reminders_due_never_undoes_sent_nor_invents_extra(
    policy: LibraryPolicy, due: date, sent: int, today: date
) -> None:
    due_now = reminders_due(policy, due, sent, today)
    assert due_now >= sent
    assert due_now <= max(sent, policy.reminders.count)
    if today <= due:
        assert due_now == sent


@given(policies, dates)
def test_all_reminders_are_due_after_the_last_step(policy: LibraryPolicy, due: date) -> None:
    last_step = policy.reminders.steps[-1].days_after_due
    assert reminders_due(policy, due, 0, due + timedelta(days=last_step)) == policy.reminders.count


@given(policies, counts, counts)
def test_fee_total_is_monotone(policy: LibraryPolicy, first: int, second: int) -> None:
    fewer, more = sorted((first, second))
    assert 0 <= reminder_fee_total(policy, fewer) <= reminder_fee_total(policy, more)


@given(policies, counts, counts)
def test_a_blocked_card_stays_blocked(policy: LibraryPolicy, first: int, second: int) -> None:
    fewer, more = sorted((first, second))
    assert not card_blocked(policy, fewer) or card_blocked(policy, more)


@given(policy_and_material(), st.sampled_from(["adult", "child"]), st.integers(min_value=0, max_value=10**6), counts)
def test_claim_starts_at_the_threshold_and_never_charges_less_than_the_item(
    chosen: tuple[LibraryPolicy, str], audience: Audience, purchase_price: int, sent: int
) -> None:
    policy, material = chosen
    result = claim(policy, material, audience, purchase_price, sent)
    assert (result is None) == (sent < policy.claims.after_reminders)
    if result is not None:
        assert result.total_ore >= result.replacement_ore
        assert result.fees_ore <= reminder_fee_total(policy, sent)
