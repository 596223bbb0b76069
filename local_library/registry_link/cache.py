"""The node's cached copy of a national patron's contact data, kept from the registry's records.

The national ID is never part of it: the registry does not even send it.
"""

from __future__ import annotations

from local_library.patrons.models import Patron
from local_library.patrons.queries import insert_patron, update_patron
from plumbing.db.types import DbConnection
from registry_contract.models import PatronRecord, PostalAddress


def format_address(address: PostalAddress) -> str:
    return ", ".join([*address.lines, f"{address.postal_code} {address.city}"]) + (
        "" if address.country == "NO" else f", {address.country}"
    )


def cached_columns(record: PatronRecord) -> dict[str, object]:
    """The registry record as the node's patron columns (the node keeps one phone and one address)."""
    return {
        "card_number": record.card_number,
        "name": record.name,
        "birth_date": record.birth_date,
        "email": record.email,
        "phone": record.phone_numbers[0] if record.phone_numbers else None,
        "postal_address": format_address(record.addresses[0]) if record.addresses else None,
        "preferred_contact": record.preferred_contact,
        # The version these values come from: a correction from this desk is sent with it as If-Match.
        "registry_version": record.version,
    }


async def national_patron_by_registry_id(conn: DbConnection, record: PatronRecord) -> Patron | None:
    patron_id = await conn.fetchval(
        "SELECT patron_id FROM patrons WHERE registry_patron_id = $1 FOR UPDATE", record.patron_id
    )
    if patron_id is None:
        return None
    return await update_patron(conn, patron_id, **cached_columns(record))


async def store_national_patron(conn: DbConnection, record: PatronRecord) -> Patron:
    """Insert or refresh the node's copy of a national patron (matched by the registry's patron id)."""
    existing = await national_patron_by_registry_id(conn, record)
    if existing is not None:
        return existing
    # A card number the node has seen before (for another local row) cannot exist: national numbers are
    # issued only by the registry and never reused.
    return await insert_patron(conn, kind="national", registry_patron_id=record.patron_id, **cached_columns(record))
