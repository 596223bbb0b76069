"""Two library databases, Asker (the pickup library) and Sandnes (the owner), and a transport between them.

``NodePair.transport`` hands each message to the other node's inbox (``receive_message``) the way the peer
listener does, and can be told to fail the way a network does: down, slow (past the caller's deadline), 500,
or answering twice. The HTTP tests (``test_interlibrary_nodes``) run the same flow over real nodes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import pytest

from local_library.clock import FixedClock
from local_library.interlibrary.inbox import PeerDesk, receive_message
from local_library.interlibrary.messages import PeerAnswer, PeerMessage, RenewalAsk
from local_library.interlibrary.outbox import PeerRefusedError, PeerUnavailableError
from local_library.interlibrary.service import Interlibrary
from local_library.policy import LibraryPolicy
from plumbing.errors import DomainError, ErrorKind
from tests.library.conftest import asker_policy, clock, hasher, sandnes_policy

__all__ = ["asker_policy", "clock", "hasher", "sandnes_policy"]

# How the transport misbehaves towards one peer: None (answers), "down", "slow", "500", "twice".
Fault = str | None
SLOW_DEADLINE_SECONDS = 0.05


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
            raise PeerUnavailableError(peer_library)
        if fault == "500":
            # The peer applied nothing and failed: the same as an answer that never came.
            raise PeerUnavailableError(f"{peer_library}: 500")
        desk = self.desks[peer_library]
        call = receive_message(desk, self.sender, operation, idempotency_key, message)
        try:
            if fault == "slow":
                # The peer does the work but answers after the caller gave up: the caller must retry safely.
                answer = await call
                await asyncio.wait_for(asyncio.sleep(1), SLOW_DEADLINE_SECONDS)
            else:
                answer = await call
            if fault == "twice":
                answer = await receive_message(desk, self.sender, operation, idempotency_key, message)
        except TimeoutError:
            raise PeerUnavailableError(f"{peer_library}: timed out") from None
        except DomainError as refusal:
            if refusal.kind in (ErrorKind.UNAVAILABLE, ErrorKind.TOO_MANY_REQUESTS):
                raise PeerUnavailableError(refusal.code) from None
            raise PeerRefusedError(409 if refusal.kind is ErrorKind.CONFLICT else 404, refusal.code) from None
        self.delivered.append((peer_library, operation, idempotency_key))
        return answer


@dataclass
class Node:
    library_id: str
    pool: asyncpg.Pool
    policy: LibraryPolicy
    clock: FixedClock
    transport: InProcessTransport

    @property
    def interlibrary(self) -> Interlibrary:
        return Interlibrary(self.pool, self.policy, self.clock, self.transport)


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
