"""What the registry does with what the population register says about one of its patrons.

The person document is read as it is now (after the event), so applying it twice changes nothing the second
time, and every kind of event (death, move, name, gender, protection) takes the same path:

* dead: a death notice marked as coming from the register, which waits for an administrator or erases at once
  (``death_action``); linked libraries get the tombstone when the record is erased, as for a library's notice;
* a protected address (fortrolig, strengt fortrolig): every address is removed and the record says only that
  the address is protected;
* otherwise: name, gender and birth date as registered, and the registered address as the first postal
  address (libraries cannot overwrite it; a second, temporary address the patron gave is kept).

A changed record counts a new version and every linked library hears of it through the change feed.
People who are not patrons are never looked up, stored or logged: the caller matches national IDs to
patrons through the blind index before anything else.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import asyncpg
from pydantic import ValidationError

from plumbing.db.types import DbConnection
from registry.crypto.envelope import blind_index
from registry.feed.store import record_change
from registry.patrons import store
from registry.patrons.core import Caller, RegistryCore
from registry.patrons.erasure import erase_patron
from registry.population import store as population_store
from registry.population.settings import DeathAction
from registry.population.wire import RegisterPerson
from registry_contract.field_types import ContactMethod, Gender
from registry_contract.models import AddressSource, PatronRecord, PostalAddress
from registry_contract.national_id import NationalId, NationalIdError

logger = logging.getLogger(__name__)

POPULATION_REGISTER = Caller(actor="population_register")
_GENDERS: dict[str, Gender] = {"kvinne": "female", "mann": "male"}


class PersonLookup(Protocol):
    async def lookup(self, national_ids: Sequence[str]) -> dict[str, RegisterPerson]: ...


@dataclass
class Applied:
    """What one unit of work did; erasures are copied to the ledger file once it has committed."""

    matched: int = 0
    updated: int = 0
    death_notices: int = 0
    erased: list[tuple[uuid.UUID, dt.datetime]] = field(default_factory=list)

    async def remember_erasures(self, core: RegistryCore) -> None:
        for patron_id, erased_at in self.erased:
            await core.remember_erasure(patron_id, "death_notice", erased_at)


async def apply_to_patrons(
    core: RegistryCore, connection: DbConnection, register: PersonLookup, national_ids: Sequence[str], *,
    death_action: DeathAction, purpose: str,
) -> Applied:  # fmt: skip
    """Look up the patrons among ``national_ids`` in the register and apply what it says, in the caller's
    transaction. IDs of people who are not patrons are dropped here, before the register is asked."""
    applied = Applied()
    rows: dict[str, asyncpg.Record] = {}
    for digits in dict.fromkeys(national_ids):
        try:
            NationalId(digits)
        except NationalIdError:
            continue  # not a number the registry could hold; nothing about it is kept
        index = blind_index(core.keyring, digits)
        row = await store.fetch_patron_row(
            connection, where=store.BY_NATIONAL_ID_INDEX, argument=index, for_update=True
        )
        if row is not None:
            rows[digits] = row
    applied.matched = len(rows)
    if not rows:
        return applied
    people = await register.lookup(list(rows))
    for digits, row in rows.items():
        person = people.get(digits)
        if person is not None:
            await apply_person(
                core, connection, row, person, death_action=death_action, purpose=purpose, applied=applied
            )
    return applied


async def apply_person(
    core: RegistryCore, connection: DbConnection, row: asyncpg.Record, person: RegisterPerson, *,
    death_action: DeathAction, purpose: str, applied: Applied,
) -> None:  # fmt: skip
    """Bring one patron's locked row in line with the register's person document."""
    patron_id: uuid.UUID = row["patron_id"]
    if person.deceased:
        await _register_death(core, connection, patron_id, death_action=death_action, purpose=purpose, applied=applied)
        return
    current = store.decrypt_record(core.keyring, row)
    addresses, source = registered_addresses(current, person)
    wanted: dict[str, object] = {"name": person.full_name, "addresses": addresses}
    if person.kjoenn is not None:
        wanted["gender"] = _GENDERS[person.kjoenn]
    if person.foedselsdato is not None:
        wanted["birth_date"] = person.foedselsdato
    if not addresses and current.preferred_contact == "letter":
        # A letter needs an address; a protected person is reached another way the record allows, if any.
        wanted["preferred_contact"] = _reachable_contact(current)
    changed = {column: value for column, value in wanted.items() if getattr(current, column) != value}
    if not changed and source == current.address_source:
        return
    if changed:
        await store.update_encrypted_fields(connection, core.keyring, row, changed)
    else:
        await store.bump_version(connection, patron_id)
    if source != current.address_source:
        await store.set_address_source(connection, patron_id, source)
    await record_change(connection, patron_id, "updated", row["libraries"], row["version"] + 1)
    await core.audit(connection, POPULATION_REGISTER, "population_register_update", purpose, patron_id)
    applied.updated += 1


def registered_addresses(current: PatronRecord, person: RegisterPerson) -> tuple[list[PostalAddress], AddressSource]:
    """The addresses to keep and where the first comes from."""
    if person.address_protected:
        return [], "protected"
    registered = _registered_address(person)
    if registered is None:
        # No registered address (emigrated, unknown): keep what libraries gave, but nothing the register hid.
        if current.address_source == "protected":
            return [], "library"
        return list(current.addresses), current.address_source
    if current.address_source == "population_register":
        temporary = current.addresses[1:]
    elif current.address_source == "library":
        temporary = [address for address in current.addresses if address != registered]
    else:
        temporary = []
    return [registered, *temporary[:1]], "population_register"


def _registered_address(person: RegisterPerson) -> PostalAddress | None:
    address = person.bostedsadresse
    if address is None:
        return None
    try:
        return PostalAddress(
            lines=address.adresselinjer, postal_code=address.postnummer, city=address.poststed, country=address.landkode
        )
    except ValidationError:
        # Logged without the address: it is personal data. The rest of the document still applies.
        logger.warning("a registered address from the population register does not fit a postal address; kept as was")
        return None


def _reachable_contact(current: PatronRecord) -> ContactMethod:
    if current.email:
        return "email"
    if current.phone_numbers:
        return "sms"
    return "letter"


async def _register_death(
    core: RegistryCore, connection: DbConnection, patron_id: uuid.UUID, *, death_action: DeathAction, purpose: str,
    applied: Applied,
) -> None:  # fmt: skip
    filed = await store.file_erasure_request(
        connection, patron_id, "death_notice", library_id=None, via="population_register"
    )
    if filed is not None:
        await core.audit(connection, POPULATION_REGISTER, "file_death_notice", purpose, patron_id)
        applied.death_notices += 1
    if death_action == "erase_at_once":
        await population_store.approve_register_death_notice(connection, patron_id, POPULATION_REGISTER.actor)
        erased_at = await erase_patron(
            core, connection, POPULATION_REGISTER, patron_id, reason="death_notice", change="deceased"
        )
        applied.erased.append((patron_id, erased_at))
