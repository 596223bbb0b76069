"""The node's interlibrary work that spans transactions or calls a peer: delivering the outbox, renewals
(which ask the owner while the patron waits), and forgetting patrons of finished requests."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from local_library.clock import Clock
from local_library.federation.peer_client import PeerRefusedError, PeerUnavailableError
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .borrowing import settle_answer_from_owner
from .dispatch import RENEW_OPERATION
from .lending import settle_answer_from_borrower
from .messages import OPERATIONS_TO_OWNER, PeerAnswer, RenewalAsk
from .models import BorrowedRequest
from .outbox import PeerDeliveryReport, PeerTransport, QueuedMessage, deliver_messages
from .queries import anonymise_finished_before, borrowed, update_borrowed
from .search import CatalogueHit, CatalogueQuery, LibraryResult, LibraryStatus, federated_search, search_own_catalogue

logger = logging.getLogger(__name__)

# Norway's national system deletes or anonymises finished interlibrary orders within 72 hours. The daily run
# forgets every request that ended more than a day ago, so none keeps its patron longer than two days.
ANONYMISE_AFTER = dt.timedelta(hours=24)
# A fixed namespace for renewal keys: the same renewal asked twice carries the same idempotency key.
_RENEWAL_KEYS = uuid.UUID("8f6b1f0e-3c55-4d0e-9a57-5d3f4f2b7a10")


class PeerNetwork(PeerTransport, Protocol):
    """The other library nodes as this node reaches them (the federation's directory and peer client)."""

    async def libraries_offering_requests(self) -> list[str]:
        """Other libraries that take interlibrary requests now, by id."""

    async def search(self, library_id: str, query: CatalogueQuery) -> list[CatalogueHit]:
        """Another library's catalogue; raises the peer client's errors."""

    def failure_status(self, error: BaseException) -> LibraryStatus | None:
        """``timed_out`` or ``not_reachable`` for a peer failure; None for anything else."""

    async def display_names(self) -> dict[str, tuple[str, str]]:
        """Every library's name for people to read, bokmål and English, by id (the directory's)."""


@dataclass
class Interlibrary:
    """This library (id, pool, rules, clock) and the network of the other nodes."""

    library_id: str
    pool: asyncpg.Pool
    policy: LibraryPolicy
    clock: Clock
    transport: PeerNetwork

    async def search(self, query: CatalogueQuery) -> list[LibraryResult]:
        """This library's copies first, then every other library that offers requests, each with its status."""
        async with self.pool.acquire() as conn:
            own = await search_own_catalogue(conn, query)
        others = await federated_search(
            query,
            await self.transport.libraries_offering_requests(),
            self.transport.search,
            self.transport.failure_status,
        )
        return [LibraryResult(self.library_id, "answered", own), *others]

    async def deliver(self) -> PeerDeliveryReport:
        """Send every due message; a peer that is away keeps its messages for a later round."""
        return await deliver_messages(self.pool, self.transport, self.settle, self.clock.now)

    async def settle(self, conn: DbConnection, queued: QueuedMessage, answer: PeerAnswer | PeerRefusedError) -> None:
        if queued.operation in OPERATIONS_TO_OWNER:
            await settle_answer_from_owner(conn, self.clock.now(), queued, answer)
        else:
            await settle_answer_from_borrower(conn, self.clock.now(), queued, answer)

    async def renew(self, request_id: uuid.UUID, *, patron_id: uuid.UUID | None = None) -> BorrowedRequest:
        """Ask the owner for a renewal of a copy lent to our patron; its due date becomes the patron's."""
        async with self.pool.acquire() as conn:
            request = await borrowed(conn, request_id)
        if request.state != "lent" or (patron_id is not None and request.patron_id != patron_id):
            raise DomainError(ErrorKind.NOT_FOUND, "loan_not_found", "no such open loan")
        key = uuid.uuid5(_RENEWAL_KEYS, f"{request_id}:{request.renewals}")
        ask = RenewalAsk(request_id=request_id, renewals=request.renewals)
        try:
            answer = await self.transport.send(request.owner_library, RENEW_OPERATION, key, ask)
        except PeerUnavailableError:
            raise DomainError(
                ErrorKind.UNAVAILABLE, "peer_unavailable", "the owning library does not answer now; try again later"
            ) from None
        except PeerRefusedError as refusal:
            raise DomainError(ErrorKind.CONFLICT, refusal.code, "the owning library does not renew this loan") from None
        async with self.pool.acquire() as conn, conn.transaction():
            current = await borrowed(conn, request_id, for_update=True)
            if current.renewals != ask.renewals:  # another renewal of the same count got here first
                return current
            return await update_borrowed(
                conn, request_id, self.clock.now(), owner_due_on=answer.due_on, renewals=ask.renewals + 1
            )


async def anonymise_finished(conn: DbConnection, clock: Clock) -> int:
    """Forget the patron of every request that ended more than ``ANONYMISE_AFTER`` ago (the daily run)."""
    now = clock.now()
    return await anonymise_finished_before(conn, now - ANONYMISE_AFTER, now)


async def run_delivery_loop(interlibrary: Interlibrary, interval_seconds: float) -> None:
    """Deliver the outbox until cancelled; a failing round is logged and the next one tries again."""
    while True:
        try:
            await interlibrary.deliver()
        except Exception:  # the loop must outlive a database restart; the log shows why
            logger.exception("interlibrary delivery round failed; retrying on the next tick")
        await asyncio.sleep(interval_seconds)
