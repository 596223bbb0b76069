"""The states of an interlibrary request on each side, and which moves are allowed (NNCIPP's order).

Borrowing side (the pickup library): requested -> shipped (by the owner) -> received (here, on the pickup
shelf) -> lent (to the patron) -> returned (by the patron) -> shipped_back -> completed (the owner has it).
An item the patron never collects goes from received straight to shipped_back. Lending side (the owner):
requested -> shipped -> received (by the borrower) -> shipped_back -> completed. Either side may cancel
while the request is ``requested``; once the copy is shipped it must travel the rest of the way.

Messages may arrive late, twice or out of order (a node was down, a retry after a lost answer): a message
that would move a request *back* is a harmless no-op, so the states only ever move forward.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from plumbing.errors import DomainError, ErrorKind

BorrowingState = Literal[
    "requested", "shipped", "received", "lent", "returned", "shipped_back", "completed", "cancelled"
]
LendingState = Literal["requested", "shipped", "received", "shipped_back", "completed", "cancelled"]

BORROWING_ORDER: tuple[BorrowingState, ...] = (
    "requested", "shipped", "received", "lent", "returned", "shipped_back", "completed",
)  # fmt: skip
LENDING_ORDER: tuple[LendingState, ...] = ("requested", "shipped", "received", "shipped_back", "completed")
FINISHED = ("completed", "cancelled")
CANCELLABLE = ("requested",)

# The moves staff and patrons may make by hand, per side (messages from the other node move forward freely).
BORROWING_MOVES: dict[str, tuple[BorrowingState, ...]] = {
    "received": ("requested", "shipped"),  # the shipment may arrive before the owner's message does
    "lent": ("received",),
    "returned": ("lent",),
    "shipped_back": ("received", "returned"),  # never collected, or returned by the patron
}
LENDING_MOVES: dict[str, tuple[LendingState, ...]] = {
    "shipped": ("requested",),
    "completed": ("shipped", "received", "shipped_back"),  # the copy may be back before the borrower's message
}


def is_ahead(order: tuple[str, ...], current: str, target: str) -> bool:
    """Whether ``target`` lies after ``current`` (a forward move); finished requests never move."""
    if current in FINISHED:
        return False
    return order.index(target) > order.index(current)


def require_move(moves: Mapping[str, tuple[str, ...]], current: str, target: str) -> None:
    """Refuse a hand move the request's state does not allow (``interlibrary_state_conflict``)."""
    if current not in moves.get(target, ()):
        raise DomainError(
            ErrorKind.CONFLICT,
            "interlibrary_state_conflict",
            f"the request is {current.replace('_', ' ')}; it cannot become {target.replace('_', ' ')} now",
            extra={"state": current},
        )


def require_cancellable(current: str) -> None:
    if current not in CANCELLABLE:
        raise DomainError(
            ErrorKind.CONFLICT,
            "interlibrary_not_cancellable",
            "the copy has been shipped; the request can no longer be cancelled",
            extra={"state": current},
        )
