"""The other library nodes as interlibrary requests reach them: the federation's peer client and directory.

Messages go as library-to-library calls with the outbox's idempotency key to ``/peer/v1/interlibrary/…``
(``peer_views`` answers them); catalogue searches are reads (GET) of ``/peer/v1/interlibrary/catalogue?text=…``.
Only libraries the registry's directory lists as active, with a node URL and offering requests, are searched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from local_library.federation.directory import CachedDirectory
from local_library.federation.peer_client import PeerClient, PeerRefusedError, PeerUnavailableError

from .messages import PeerAnswer, PeerMessage, RenewalAsk
from .search import CatalogueHit, CatalogueHits, CatalogueQuery, LibraryStatus

PEER_PATH = "/peer/v1/interlibrary"
CATALOGUE_PATH = f"{PEER_PATH}/catalogue"


@dataclass(frozen=True)
class FederationNetwork:
    own_library: str
    directory: CachedDirectory
    client: PeerClient

    async def send(
        self, peer_library: str, operation: str, idempotency_key: uuid.UUID, message: PeerMessage | RenewalAsk
    ) -> PeerAnswer:
        return await self.client.call_library(
            peer_library, "POST", f"{PEER_PATH}/{operation}", PeerAnswer, idempotency_key=str(idempotency_key),
            body=message,
        )  # fmt: skip

    async def libraries_offering_requests(self) -> list[str]:
        entries = await self.directory.entries()
        return sorted(
            library_id
            for library_id, entry in entries.items()
            if library_id != self.own_library
            and entry.active
            and entry.profile is not None
            and entry.profile.offers_interlibrary_requests
        )

    async def search(self, library_id: str, query: CatalogueQuery) -> list[CatalogueHit]:
        found = await self.client.read_library(
            library_id, f"{CATALOGUE_PATH}?{urlencode({'text': query.text})}", CatalogueHits
        )
        return found.hits

    def failure_status(self, error: BaseException) -> LibraryStatus | None:
        if isinstance(error, PeerUnavailableError):
            return "timed_out" if error.reason == "timed_out" else "not_reachable"
        if isinstance(error, PeerRefusedError):
            return "not_reachable"  # it would not answer us (revoked, not current): as good as unreachable
        return None

    async def display_names(self) -> dict[str, tuple[str, str]]:
        entries = await self.directory.entries()
        return {library_id: (entry.display_name, entry.display_name_en) for library_id, entry in entries.items()}
