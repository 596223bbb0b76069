"""Two library databases, Asker (the pickup library) and Sandnes (the owner), and a transport between them.

Each node's transport applies a message at the other node (``apply_peer_message`` in a transaction, as the
peer listener does) and can be told to fail the way a network does: down, 500, slow (the work is done but the
answer comes after the caller gave up), or a message applied twice (sent again under a new key). The HTTP
tests run the flow over real nodes, where the peer listener also replays answers by idempotency key.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import pytest

from local_library.clock import FixedClock
from local_library.federation.peer_client import PeerRefusedError, PeerUnavailableError
from local_library.interlibrary.dispatch import apply_peer_message
from local_library.interlibrary.messages import PeerAnswer, PeerMessage, RenewalAsk
from local_library.interlibrary.search import CatalogueHit, CatalogueQuery, LibraryStatus, search_own_catalogue
from local_library.interlibrary.service import Interlibrary
from local_library.policy import LibraryPolicy
from plumbing.errors import DomainError, ErrorKind
from tests.library.conftest import asker_policy, clock, hasher, sandnes_policy

__all__ = ["asker_policy", "clock", "hasher", "sandnes_policy"]

# How the transport misbehaves towards one peer: None (answers), "down", "slow", "500", "twice".
Fault = str | None
SLOW_DEADLINE_SECONDS = 0.05


@dataclass(frozen=True)
class PeerDesk:
    """One node's side of the peer listener: applies a message in its own transaction."""

    pool: asyncpg.Pool
    policy: LibraryPolicy
    clock: FixedClock

    async def apply(self, caller: str, operation: str, message: PeerMessage | RenewalAsk) -> PeerAnswer:
        async with self.pool.acquire() as conn, conn.transaction():
            return await apply_peer_message(
                conn, self.policy, self.clock, caller_library=caller, operation=operation, body=message
            )


@dataclass
class InProcessTransport:
    """Delivers to the named library's inbox; ``faults`` makes a library misbehave."""

    sender: str
    desks: dict[str, PeerDesk]
    faults: dict[str, Fault] = field(default_factory=dict)
    delivered: list[tuple[str, str, uuid.UUID]] = field(default_factory=list)

    async def send(
        self, peer_library: str, operation: str, idempotency_key: uuid.UUID, message: PeerMessage | RenewalAsk
    ) -> PeerAnswer:
        fault = self.faults.get(peer_library)
        if fault == "down":
            raise PeerUnavailableError(peer_library, "not_reachable")
        if fault == "500":
            # The peer applied nothing and failed: the same as an answer that never came.
            raise PeerUnavailableError(peer_library, "failed", 500)
        desk = self.desks[peer_library]
        try:
            answer = await desk.apply(self.sender, operation, message)
            if fault == "slow":
                # The peer did the work but answers after the caller gave up: the caller must retry safely.
                await asyncio.wait_for(asyncio.sleep(1), SLOW_DEADLINE_SECONDS)
            if fault == "twice":
                answer = await desk.apply(self.sender, operation, message)
        except TimeoutError:
            raise PeerUnavailableError(peer_library, "timed_out") from None
        except DomainError as refusal:
            if refusal.kind in (ErrorKind.UNAVAILABLE, ErrorKind.TOO_MANY_REQUESTS):
                raise PeerUnavailableError(peer_library, "failed", 503) from None
            status = 409 if refusal.kind is ErrorKind.CONFLICT else 404
            raise PeerRefusedError(peer_library, status, refusal.code, refusal.message) from None
        self.delivered.append((peer_library, operation, idempotency_key))
        return answer

    async def libraries_offering_requests(self) -> list[str]:
        return [library_id for library_id in self.desks if library_id != self.sender]

    async def search(self, library_id: str, query: CatalogueQuery) -> list[CatalogueHit]:
        fault = self.faults.get(library_id)
        if fault in ("down", "500"):
            raise PeerUnavailableError(library_id, "not_reachable")
        if fault == "slow":
            await asyncio.sleep(60)
        desk = self.desks[library_id]
        async with desk.pool.acquire() as conn:
            return await search_own_catalogue(conn, query)

    def failure_status(self, error: BaseException) -> LibraryStatus | None:
        return "not_reachable" if isinstance(error, PeerUnavailableError) else None

    async def display_names(self) -> dict[str, tuple[str, str]]:
        return {library_id: (library_id.title(), library_id.title()) for library_id in self.desks}


@dataclass
class Node:
    library_id: str
    pool: asyncpg.Pool
    policy: LibraryPolicy
    clock: FixedClock
    transport: InProcessTransport

    @property
    def interlibrary(self) -> Interlibrary:
        return Interlibrary(self.library_id, self.pool, self.policy, self.clock, self.transport)


@pytest.fixture
async def node_pair(
    make_library_database: Callable[[], Awaitable[str]],
    asker_policy: LibraryPolicy,
    sandnes_policy: LibraryPolicy,
    clock: FixedClock,
) -> AsyncIterator[tuple[Node, Node]]:
    asker_pool = await asyncpg.create_pool(await make_library_database(), min_size=1, max_size=4)
    sandnes_pool = await asyncpg.create_pool(await make_library_database(), min_size=1, max_size=4)
    desks = {
        "asker": PeerDesk(asker_pool, asker_policy, clock),
        "sandnes": PeerDesk(sandnes_pool, sandnes_policy, clock),
    }
    asker = Node("asker", asker_pool, asker_policy, clock, InProcessTransport("asker", desks))
    sandnes = Node("sandnes", sandnes_pool, sandnes_policy, clock, InProcessTransport("sandnes", desks))
    yield asker, sandnes
    await asker_pool.close()
    await sandnes_pool.close()
