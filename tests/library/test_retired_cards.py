"""A retired card keeps why it was retired (lost, upgraded, erased, opted out, unlinked), and every surface says so."""

from __future__ import annotations

from typing import get_args

import pytest

from local_library.clock import FixedClock
from local_library.desk.circulation import CARD_WARNINGS, KNOWN_REFUSALS
from local_library.desk.patron_forms import CODE_FIELDS
from local_library.desk.patron_texts import PATRON_TEXTS
from local_library.meraapent.access import _LOGIN_REASONS as DOOR_REASONS
from local_library.minside.texts import TEXTS as MINSIDE_TEXTS
from local_library.patrons.queries import patron_by_card, retire_card
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry_contract.online_login import CARD_AND_PIN_REFUSALS
from registry_contract.pins import ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN, PinHasher
from registry_contract.refusals import RETIRED_CARD_CODES, RetiredCardReason
from tests.library.conftest import add_patron

REASONS = get_args(RetiredCardReason)


def test_the_reasons_are_those_of_the_sources_and_lost_keeps_its_code() -> None:
    assert set(REASONS) >= {"lost", "upgraded", "erased", "opted_out"}
    assert RETIRED_CARD_CODES["lost"] == "card_replaced"
    assert len(set(RETIRED_CARD_CODES.values())) == len(REASONS)  # one code per reason


@pytest.mark.parametrize("reason", REASONS)
async def test_a_retired_card_answers_with_its_reasons_code(
    conn: DbConnection, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher, reason: RetiredCardReason
) -> None:
    patron = await add_patron(conn, asker_policy, clock, hasher)
    assert patron.card_number is not None
    await conn.execute("UPDATE patrons SET card_number = 'L999' || right($1, 5) WHERE patron_id = $2",
                       patron.card_number, patron.patron_id)  # fmt: skip
    await retire_card(conn, patron.patron_id, patron.card_number, clock.now(), reason)
    with pytest.raises(DomainError) as refused:
        await patron_by_card(conn, patron.card_number)
    assert refused.value.code == RETIRED_CARD_CODES[reason]
    assert refused.value.kind is ErrorKind.GONE  # 410


@pytest.mark.parametrize("code", RETIRED_CARD_CODES.values())
def test_each_retired_card_code_is_worded_at_the_desk_on_min_side_and_at_the_doors(code: str) -> None:
    assert code in CARD_WARNINGS
    assert code in KNOWN_REFUSALS
    assert f"code_{code}" in PATRON_TEXTS
    assert CODE_FIELDS[code] == "card_number"
    assert set(MINSIDE_TEXTS[code]) == {"nb", "en"}
    assert set(MINSIDE_TEXTS[f"retired_{code}"]) == {"nb", "en"}
    assert CARD_AND_PIN_REFUSALS[code] == (code, 410)
    assert code in ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN
    assert DOOR_REASONS[code] == "unknown_card"
