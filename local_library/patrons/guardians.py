"""A guardian's name and contact are kept only while the library's policy needs them.

A guardian signs for a child under ``cards.guardian_signature_under`` and answers for the child's loans until
``cards.guardian_liable_under`` (never below the former, the policy checks). From the day the child reaches
that age, the guardian's name and contact have no purpose at the library and are removed (the daily run).
"""

from __future__ import annotations

import datetime as dt

from local_library.clock import Clock
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection


def born_on_or_before_for_age(today: dt.date, years: int) -> dt.date:
    """The latest birth date of someone who has turned ``years`` by ``today`` (29 February counts from 1 March)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February and that year has none
        return today.replace(year=today.year - years, day=28)


async def remove_outgrown_guardians(conn: DbConnection, policy: LibraryPolicy, clock: Clock) -> int:
    """Clear the guardian of every patron who has reached the age limit; returns how many were cleared."""
    cutoff = born_on_or_before_for_age(clock.today(), policy.cards.guardian_liable_under)
    cleared = await conn.fetch(
        """
        UPDATE patrons SET guardian_name = NULL, guardian_contact = NULL, updated_at = now()
        WHERE (guardian_name IS NOT NULL OR guardian_contact IS NOT NULL) AND birth_date <= $1
        RETURNING patron_id
        """,
        cutoff,
    )
    return len(cleared)
