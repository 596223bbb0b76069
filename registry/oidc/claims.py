"""What a library service may learn about a patron who logs in to it: the claims, declared once.

A service gets only the claims registered for it (``natreg registry services add --claim …``), and by default
only the home library and whether the patron is 18 or older: an e-book or film service needs to know which
library pays for the loan and whether an age limit applies, not who the patron is. Ages are given as flags
(``age_over_18``), never the birth date. Each claim has the words the consent page shows for it, so the patron
sees exactly what is handed over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

from plumbing.web.language import Language
from registry_contract.ages import age_on
from registry_contract.models import PatronRecord

# Ages are counted on the Norwegian calendar: a patron turns 18 at midnight in Oslo, not in UTC.
CALENDAR = ZoneInfo("Europe/Oslo")
AGE_LIMITS = (13, 15, 16, 18)

ClaimValue = str | bool | list[str] | None


@dataclass(frozen=True)
class Claim:
    name: str
    consent_text: Mapping[Language, str]
    value: Callable[[PatronRecord, dt.date], ClaimValue]


def _age_claim(limit: int) -> Claim:
    return Claim(
        f"age_over_{limit}",
        {"nb": f"om du er {limit} år eller eldre (ikke fødselsdatoen)", "en": f"whether you are {limit} or older "
         "(not your date of birth)"},
        lambda record, today: age_on(record.birth_date, today) >= limit,
    )  # fmt: skip


CLAIMS: Mapping[str, Claim] = MappingProxyType(
    {
        claim.name: claim
        for claim in (
            Claim(
                "home_library",
                {"nb": "hjemmebiblioteket ditt", "en": "your home library"},
                lambda record, _: record.home_library,
            ),
            *(_age_claim(limit) for limit in AGE_LIMITS),
            Claim(
                "libraries",
                {"nb": "hvilke bibliotek du er knyttet til", "en": "the libraries you are associated with"},
                lambda record, _: list(record.libraries),
            ),
            Claim("name", {"nb": "navnet ditt", "en": "your name"}, lambda record, _: record.name),
            Claim("email", {"nb": "e-postadressen din", "en": "your e-mail address"}, lambda record, _: record.email),
        )
    }
)
DEFAULT_CLAIMS: tuple[str, ...] = ("home_library", "age_over_18")


def unknown_claims(names: Sequence[str]) -> list[str]:
    return [name for name in names if name not in CLAIMS]


def today_in_norway(now: dt.datetime) -> dt.date:
    return now.astimezone(CALENDAR).date()


def claim_values(record: PatronRecord, names: Sequence[str], now: dt.datetime) -> dict[str, ClaimValue]:
    """The named claims of ``record`` as of ``now``; a claim without a value (no e-mail) is left out."""
    today = today_in_norway(now)
    values = {name: CLAIMS[name].value(record, today) for name in names}
    return {name: value for name, value in values.items() if value is not None}
