"""What two library nodes say to each other about an interlibrary request (the peer wire models).

Every message names the request by the id the borrowing library made; it never names the patron. Each one
is sent with an idempotency key (the outbox's) and answered with ``PeerAnswer``; a message sent again gets
the first answer (the peer listener records it).
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from local_library.catalogue.models import Barcode

# To the owner, from the borrowing library.
ToOwner = Literal["request_item", "cancel_request", "item_received", "item_shipped_back"]
# To the borrowing library, from the owner.
ToBorrower = Literal["item_shipped", "request_cancelled", "item_received_back"]
Operation = ToOwner | ToBorrower
OPERATIONS_TO_OWNER: tuple[str, ...] = ("request_item", "cancel_request", "item_received", "item_shipped_back")
OPERATIONS_TO_BORROWER: tuple[str, ...] = ("item_shipped", "request_cancelled", "item_received_back")


class PeerMessage(BaseModel):
    """One state change for the other node. ``barcode`` goes with ``request_item``, ``due_on`` with
    ``item_shipped``, ``reason`` with a cancellation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: UUID
    barcode: Barcode | None = None
    due_on: date | None = None
    reason: str | None = Field(default=None, pattern=r"^[a-z_]{1,64}$")


class PeerAnswer(BaseModel):
    """The receiving side's state of the request after applying the message, and the owner's due date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: UUID
    state: str
    due_on: date | None = None
    title: str | None = None
    author: str | None = None


class RenewalAsk(BaseModel):
    """The borrowing library asks the owner for one more renewal; ``renewals`` is how many it has already."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: UUID
    renewals: int = Field(ge=0, le=1000)
