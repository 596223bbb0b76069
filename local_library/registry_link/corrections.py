"""Contact corrections sent to the registry, re-based when the record changed meanwhile.

A correction is queued with the registry version the desk saw (``If-Match``) and the node's view of the
corrected fields at that moment (its *base*). When the registry answers ``version_mismatch`` (someone else
changed the record first), the correction is re-based on the current record instead of being dropped:

- a field that already has the wanted value needs nothing more (perhaps our own earlier attempt applied);
- a field the other change did not touch (its current value still matches the base) is sent again, with the
  current version;
- a field the other change *did* touch, to another value, is a conflict a person must settle: the entry waits
  for staff with ``correction_conflict`` (never marked done while dropped).

The node caches one phone number and one address, so for those lists the base is compared in that form.
"""

from __future__ import annotations

import uuid
from typing import Any

from local_library.patrons.models import Patron
from local_library.registry_link.cache import format_address
from local_library.registry_link.outbox import NeedsStaff
from registry_contract.client import RegistryClient, RegistryError, RegistryUnavailableError
from registry_contract.models import ContactUpdate, PatronRecord

# Re-bases in a row before giving up for this attempt (the record keeps changing under us).
MAX_REBASES = 3


def _as_cached(field: str, value: Any) -> Any:
    """A field's value in the form the node caches it (what a base can be compared with)."""
    if field == "phone_numbers":
        return value[0] if value else None
    if field == "addresses":
        return format_address(value[0]) if value else None
    return value


def correction_base(patron: Patron, correction: ContactUpdate) -> dict[str, Any]:
    """The node's view of the corrected fields before the correction (stored with the queued entry)."""
    cached = {
        "name": patron.name, "email": patron.email, "phone_numbers": patron.phone,
        "addresses": patron.postal_address, "preferred_contact": patron.preferred_contact,
    }  # fmt: skip
    return {field: cached[field] for field in correction.model_fields_set if field in cached}


def rebase(correction: ContactUpdate, base: dict[str, Any] | None, current: PatronRecord) -> ContactUpdate | None:
    """What is left to send on top of ``current``; None when nothing is; NeedsStaff on a conflicting change."""
    remaining: list[str] = []
    for field in sorted(correction.model_fields_set):
        wanted, now = getattr(correction, field), getattr(current, field)
        if wanted == now:
            continue
        if base is not None and field in base and _as_cached(field, now) != base[field]:
            raise NeedsStaff("correction_conflict")
        remaining.append(field)
    if not remaining:
        return None
    return ContactUpdate.model_validate(correction.model_dump(mode="json", include=set(remaining)))


async def send_correction(
    client: RegistryClient,
    registry_patron_id: uuid.UUID,
    correction: ContactUpdate,
    *,
    base_version: int | None,
    base: dict[str, Any] | None,
) -> PatronRecord:
    """Send the correction; on ``version_mismatch`` re-base it on the current record and send it again."""
    version = base_version if base_version is not None else (await client.get_patron(registry_patron_id)).version
    for _ in range(MAX_REBASES):
        try:
            return await client.update_contact(registry_patron_id, correction, version=version)
        except RegistryError as error:
            if error.code != "version_mismatch":
                raise
        current = await client.get_patron(registry_patron_id, purpose="contact correction")
        rebased = rebase(correction, base, current)
        if rebased is None:
            return current
        correction, version = rebased, current.version
    # Changed under us each time: an attempt with backoff, as for an outage, then again.
    raise RegistryUnavailableError("the record kept changing while the correction was re-based")
