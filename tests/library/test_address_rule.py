"""Sandnes: "Alle med fast adresse i Norge kan få lånekort." Asker has no such rule.

A local or institution card's address is one typed box, so "in Norway" means it carries a Norwegian postal code
(four digits); a national card's addresses are structured, so one of them must be in Norway (``NO``).
"""

from __future__ import annotations

import pytest

from local_library.clock import FixedClock
from local_library.desk.patron_forms import CODE_FIELDS
from local_library.desk.patron_texts import PATRON_TEXTS
from local_library.patrons.cards import register_institution, register_person
from local_library.patrons.models import InstitutionRegistration, PersonRegistration
from local_library.policy import LibraryPolicy, address_in_norway, refuse_without_address_in_norway
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from registry_contract.models import PostalAddress
from registry_contract.pins import PinHasher

SWEDISH = "Storgatan 1\n211 20 Malmö\nSverige"
NORWEGIAN = "Langgata 1\n4306 Sandnes"


def _person(postal_address: str | None) -> PersonRegistration:
    return PersonRegistration(
        name="Sara Svensk", birth_date="1980-05-17", email="sara@example.org", preferred_contact="email",
        postal_address=postal_address,
    )  # fmt: skip


@pytest.mark.parametrize("postal_address", [None, SWEDISH])
async def test_sandnes_refuses_a_local_card_without_an_address_in_norway(
    conn: DbConnection, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher, postal_address: str | None
) -> None:
    with pytest.raises(DomainError) as refused:
        await register_person(conn, sandnes_policy, clock, hasher, _person(postal_address))
    assert refused.value.code == "address_in_norway_required"
    assert await conn.fetchval("SELECT count(*) FROM patrons") == 0


async def test_sandnes_issues_a_card_to_an_address_in_norway_and_asker_to_anyone(
    conn: DbConnection, sandnes_policy: LibraryPolicy, asker_policy: LibraryPolicy, clock: FixedClock,
    hasher: PinHasher,
) -> None:  # fmt: skip
    assert (await register_person(conn, sandnes_policy, clock, hasher, _person(NORWEGIAN))).kind == "local"
    assert (await register_person(conn, asker_policy, clock, hasher, _person(None))).kind == "local"
    assert (await register_person(conn, asker_policy, clock, hasher, _person(SWEDISH))).kind == "local"


async def test_an_institution_follows_the_rule_by_its_own_address(
    conn: DbConnection, sandnes_policy: LibraryPolicy, hasher: PinHasher
) -> None:
    def institution(address: str) -> InstitutionRegistration:
        return InstitutionRegistration(
            institution_name="Förskolan Solrosen", responsible_person="Olle", postal_address=address,
            preferred_contact="letter",
        )  # fmt: skip

    with pytest.raises(DomainError) as refused:
        await register_institution(conn, sandnes_policy, hasher, institution(SWEDISH))
    assert refused.value.code == "address_in_norway_required"
    assert (await register_institution(conn, sandnes_policy, hasher, institution(NORWEGIAN))).kind == "institution"


def test_a_national_card_needs_one_of_its_addresses_in_norway_at_sandnes(sandnes_policy: LibraryPolicy) -> None:
    swedish = PostalAddress(lines=["Storgatan 1"], postal_code="211 20", city="Malmö", country="SE")
    norwegian = PostalAddress(lines=["Langgata 1"], postal_code="4306", city="Sandnes")
    assert not address_in_norway([swedish])
    assert address_in_norway([swedish, norwegian])
    with pytest.raises(DomainError) as refused:
        refuse_without_address_in_norway(sandnes_policy, address_in_norway([swedish]))
    assert refused.value.code == "address_in_norway_required"
    refuse_without_address_in_norway(sandnes_policy, address_in_norway([norwegian]))


def test_the_desk_words_the_refusal_at_the_address_field() -> None:
    assert CODE_FIELDS["address_in_norway_required"] == "postal_address"
    assert set(PATRON_TEXTS["code_address_in_norway_required"]) == {"nb", "en"}
