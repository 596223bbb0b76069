"""Messages from other library nodes: which side of a request each one concerns, and applying it.

The peer listener (``local_library.federation``) runs each message in a transaction that records its answer
under the sender's idempotency key, so a message sent again gets the first answer. What keys cannot catch (the
same change sent under another key, messages crossing each other) the states' forward-only rule does: applying
a message twice changes nothing the second time.
"""

from __future__ import annotations

from local_library.clock import Clock
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .borrowing import apply_from_owner
from .lending import apply_from_borrower, renew_for_borrower
from .messages import OPERATIONS_TO_BORROWER, OPERATIONS_TO_OWNER, PeerAnswer, PeerMessage, RenewalAsk

RENEW_OPERATION = "renew_item"


async def apply_peer_message(
    conn: DbConnection,
    policy: LibraryPolicy,
    clock: Clock,
    *,
    caller_library: str,
    operation: str,
    body: PeerMessage | RenewalAsk,
) -> PeerAnswer:
    """Apply ``caller_library``'s message in the caller's transaction; a refusal raises ``DomainError``."""
    if operation == RENEW_OPERATION and isinstance(body, RenewalAsk):
        return await renew_for_borrower(conn, policy, clock, caller_library, body)
    if isinstance(body, PeerMessage) and operation in OPERATIONS_TO_OWNER:
        return await apply_from_borrower(
            conn, policy, clock, borrower_library=caller_library, operation=operation, message=body
        )
    if isinstance(body, PeerMessage) and operation in OPERATIONS_TO_BORROWER:
        return await apply_from_owner(conn, clock.now(), caller_library, operation, body)
    raise DomainError(ErrorKind.NOT_FOUND, "not_found", "no such interlibrary operation")
