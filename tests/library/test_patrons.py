"""Local-only and institution cards: guardians per policy, PINs, lost cards, and no national card for institutions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from local_library.circulation.fees import fees_of_patron
from local_library.clock import FixedClock
from local_library.patrons.cards import (
    change_pin,
    prepare_national_upgrade,
    register_institution,
    replace_lost_card,
)
from local_library.patrons.models import Guardian, InstitutionRegistration, PersonRegistration
from local_library.patrons.pins import authenticate_card
from local_library.patrons.queries import patron_by_card
from local_library.policy import LibraryPolicy, load_builtin_policy
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from registry_contract.ages import age_on
from registry_contract.lockout import LIBRARY_DOOR, Door
from registry_contract.pins import PinHasher
from tests.library.conftest import GOOD_PIN, add_institution, add_patron


def sixteen_years_before(today: date) -> date:
    return today.replace(year=today.year - 16) - timedelta(days=30)


async def test_a_sixteen_year_old_needs_a_guardian_at_asker(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    birth = sixteen_years_before(clock.today())
    with pytest.raises(DomainError) as refused:
        await add_patron(conn, asker_policy, clock, hasher, birth_date=birth)
    assert refused.value.code == "guardian_required"

    guardian = Guardian(name="Ola Nordmann", contact="ola@example.org")
    patron = await add_patron(conn, asker_policy, clock, hasher, birth_date=birth, guardian=guardian)
    assert (patron.guardian_name, patron.kind) == ("Ola Nordmann", "local")


async def test_a_sixteen_year_old_needs_no_guardian_at_sandnes(
    conn: DbConnection, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, sandnes_policy, clock, hasher, birth_date=sixteen_years_before(clock.today()))
    assert patron.guardian_name is None


def test_age_counts_completed_years() -> None:
    assert age_on(date(2009, 3, 4), date(2025, 3, 3)) == 15
    assert age_on(date(2009, 3, 3), date(2025, 3, 3)) == 16


async def test_local_cards_come_from_the_local_series(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    first = await add_patron(conn, asker_policy, clock, hasher)
    second = await add_institution(conn, hasher)
    assert first.card_number is not None
    assert second.card_number is not None
    assert first.card_number.startswith("L")
    assert second.card_number.startswith("L")
    assert first.card_number != second.card_number


async def test_an_institution_cannot_get_a_national_card(conn: DbConnection, hasher: PinHasher) -> None:
    institution = await add_institution(conn, hasher)
    assert (institution.kind, institution.responsible_person) == ("institution", "Ola Nordmann")
    with pytest.raises(DomainError) as refused:
        await prepare_national_upgrade(conn, institution.patron_id)
    assert refused.value.code == "institution_card_is_local"

    asking_for_national = InstitutionRegistration(
        institution_name="Asker skole",
        responsible_person="Rektor",
        postal_address="Skoleveien 1",
        preferred_contact="letter",
        national=True,
    )
    with pytest.raises(DomainError) as refused_at_signup:
        await register_institution(conn, load_builtin_policy("asker"), hasher, asking_for_national)
    assert refused_at_signup.value.code == "institution_card_is_local"


async def test_a_local_person_may_be_upgraded(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    assert (await prepare_national_upgrade(conn, patron.patron_id)).patron_id == patron.patron_id


async def test_trivial_and_malformed_pins_are_refused(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    with pytest.raises(DomainError) as trivial:
        await add_patron(conn, asker_policy, clock, hasher, pin="1234")
    assert trivial.value.code == "pin_too_simple"
    patron = await add_patron(conn, asker_policy, clock, hasher, pin=None)
    with pytest.raises(DomainError) as malformed:
        await change_pin(conn, hasher, patron.patron_id, "12a4")
    assert malformed.value.code == "pin_format"


async def test_pin_change_and_lockout(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    assert patron.card_number is not None
    await change_pin(conn, hasher, patron.patron_id, "5927")
    with pytest.raises(DomainError) as old_pin:
        await authenticate_card(conn, hasher, patron.card_number, GOOD_PIN, clock.now())
    assert old_pin.value.code == "pin_invalid"
    assert (
        await authenticate_card(conn, hasher, patron.card_number, "5927", clock.now())
    ).patron_id == patron.patron_id

    # The shared policy (registry_contract.lockout): three free tries, then a doubling wait, then locked for good.
    # Before, five failures locked for 15 minutes and the count started over: about 480 guesses a day, for ever.
    lock_after = LIBRARY_DOOR.locked_after
    assert lock_after is not None
    for failures in range(1, lock_after + 1):
        with pytest.raises(DomainError) as wrong:
            await authenticate_card(conn, hasher, patron.card_number, "0007", clock.now())
        assert wrong.value.code == "pin_invalid", failures
        wait = LIBRARY_DOOR.delay_after(failures)
        if wait is not None and failures < lock_after:
            with pytest.raises(DomainError) as early:
                await authenticate_card(conn, hasher, patron.card_number, "5927", clock.now())
            assert (early.value.code, early.value.retry_after_seconds) == (
                "pin_attempts_throttled",
                int(wait.total_seconds()),
            )
            clock.advance(seconds=int(wait.total_seconds()))
    clock.advance(days=400)
    with pytest.raises(DomainError) as locked:
        await authenticate_card(conn, hasher, patron.card_number, "5927", clock.now())
    assert locked.value.code == "pin_locked"
    # Min side cannot open what the desk locked.
    with pytest.raises(DomainError) as online:
        await authenticate_card(conn, hasher, patron.card_number, "5927", clock.now(), door="online")
    assert online.value.code == "pin_locked"
    await change_pin(conn, hasher, patron.patron_id, "5928")  # the desk sets a new PIN: unlocked
    await authenticate_card(conn, hasher, patron.card_number, "5928", clock.now())


class CountingHasher(PinHasher):
    """Counts Argon2 verifications: timing is checked by counting the work, not with a stopwatch."""

    verifications = 0

    async def verify_pin(self, pin: str, encoded: str) -> bool:
        self.verifications += 1
        return await super().verify_pin(pin, encoded)


@pytest.mark.parametrize("door", ["library", "online"])
async def test_every_answer_costs_one_argon2_check_and_malformed_pins_count(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, door: Door
) -> None:
    hasher = CountingHasher(b"p" * 32, time_cost=1, memory_cost=1024)
    patron = await add_patron(conn, asker_policy, clock, hasher)
    assert patron.card_number is not None
    hasher.verifications = 0
    for card, pin in [("L99999999", GOOD_PIN), (patron.card_number, "12a4"), (patron.card_number, "123")]:
        with pytest.raises(DomainError) as refused:
            await authenticate_card(conn, hasher, card, pin, clock.now(), door=door)
        # At Min side an unknown card reads exactly like a wrong PIN.
        expected = "patron_not_found" if card == "L99999999" and door == "library" else "pin_invalid"
        assert refused.value.code == expected
    assert hasher.verifications == 3
    counter = "failed_pin_attempts" if door == "library" else "online_failed_pin_attempts"
    assert await conn.fetchval(f"SELECT {counter} FROM patrons WHERE patron_id = $1", patron.patron_id) == 2  # noqa: S608


async def test_a_lost_card_is_replaced_and_stops_working_and_sandnes_charges_40_kr(
    conn: DbConnection, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, sandnes_policy, clock, hasher)
    old_card = patron.card_number
    assert old_card is not None
    replaced, fee = await replace_lost_card(conn, sandnes_policy, clock, patron.patron_id)

    assert replaced.card_number not in (None, old_card)
    with pytest.raises(DomainError) as refused:
        await patron_by_card(conn, old_card)
    assert refused.value.code == "card_replaced"
    assert fee is not None
    assert (fee.kind, fee.amount_ore) == ("new_card", 4000)
    assert [f.amount_ore for f in await fees_of_patron(conn, patron.patron_id)] == [4000]


async def test_asker_replaces_a_lost_card_for_free(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    _, fee = await replace_lost_card(conn, asker_policy, clock, patron.patron_id)
    assert fee is None


def test_preferred_contact_needs_its_address() -> None:
    with pytest.raises(ValueError, match="needs phone"):
        PersonRegistration(name="Kari", birth_date=date(1980, 1, 1), email="kari@example.org", preferred_contact="sms")


async def test_the_node_has_no_column_for_a_national_id(conn: DbConnection) -> None:
    columns = {row["column_name"] for row in await conn.fetch("SELECT column_name FROM information_schema.columns")}
    assert not {name for name in columns if "national_id" in name or "fodselsnummer" in name or "ssn" in name}
