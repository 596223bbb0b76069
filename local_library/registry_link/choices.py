"""What patrons choose for themselves, at the desk or on Min side: the notice before the due date and the
preferred contact method (letter, e-mail, SMS).

The notice is the library's own service and kept here for every patron, national card holders too. The
preferred contact method of a national card is one of the registry's fields (``permitted_fields``), so a
change is queued for the registry like any contact correction; a local card keeps it here.
"""

from __future__ import annotations

import uuid

from pydantic import model_validator

from local_library.patrons.models import Patron
from local_library.patrons.queries import patron_by_id, update_patron
from local_library.registry_link import national
from local_library.registry_link.outbox import OutboxCipher
from local_library.request_model import RequestModel
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry_contract.field_types import ContactMethod
from registry_contract.models import ContactUpdate


class PatronChoices(RequestModel):
    """Only what is given changes."""

    pre_due_notice: bool | None = None
    preferred_contact: ContactMethod | None = None

    @model_validator(mode="after")
    def _something_changes(self) -> PatronChoices:
        if self.pre_due_notice is None and self.preferred_contact is None:
            raise ValueError("give pre_due_notice or preferred_contact")
        return self


def _refuse_unreachable(patron: Patron, method: ContactMethod) -> None:
    means = {"email": patron.email, "sms": patron.phone, "letter": patron.postal_address}[method]
    if not means:
        raise DomainError(
            ErrorKind.INVALID, "contact_method_unreachable", f"preferred contact {method!r} needs an address for it"
        )


async def set_choices(conn: DbConnection, cipher: OutboxCipher, patron_id: uuid.UUID, choices: PatronChoices) -> Patron:
    patron = await patron_by_id(conn, patron_id, for_update=True)
    wanted = choices.preferred_contact
    if wanted is not None and wanted != patron.preferred_contact:
        _refuse_unreachable(patron, wanted)
        if patron.registry_patron_id is not None:
            patron = await national.correct_contact(conn, cipher, patron_id, ContactUpdate(preferred_contact=wanted))
        else:
            patron = await update_patron(conn, patron_id, preferred_contact=wanted)
    if choices.pre_due_notice is not None and choices.pre_due_notice != patron.pre_due_notice:
        patron = await update_patron(conn, patron_id, pre_due_notice=choices.pre_due_notice)
    return patron
