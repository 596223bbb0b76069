"""The registry's library directory, as this node caches it.

Nodes find each other (node URL) and check a caller (current certificate, not revoked) in the directory the
registry serves at ``GET /v1/libraries``. It changes seldom, so it is kept for ``max_age_seconds``; a caller
or library the cached copy does not know triggers an early refresh (at most one per ``min_refresh_seconds``,
so unknown callers cannot make the node hammer the registry). While the registry is away the last copy is
used; with no copy at all, a peer call cannot be checked and is refused as unavailable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryError, RegistryUnavailableError
from registry_contract.federation import DirectoryEntry, LibraryDirectoryListing

logger = logging.getLogger(__name__)

DirectorySource = Callable[[], Awaitable[LibraryDirectoryListing]]


def directory_unavailable() -> DomainError:
    return DomainError(
        ErrorKind.UNAVAILABLE, "directory_unavailable", "the library directory cannot be read now",
        retry_after_seconds=5,
    )  # fmt: skip


class CachedDirectory:
    def __init__(
        self,
        source: DirectorySource,
        *,
        max_age_seconds: float = 60.0,
        min_refresh_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._max_age = max_age_seconds
        self._min_refresh = min_refresh_seconds
        self._monotonic = monotonic
        self._entries: dict[str, DirectoryEntry] | None = None
        self._loaded_at = 0.0
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def entries(self) -> dict[str, DirectoryEntry]:
        """Every library by id; refreshed when older than the maximum age (stale kept if the registry is away)."""
        if self._entries is None or self._monotonic() - self._loaded_at > self._max_age:
            await self._refresh()
        if self._entries is None:
            raise directory_unavailable()
        return self._entries

    async def entry(self, library_id: str) -> DirectoryEntry | None:
        """One library; an id the cached copy does not know is looked for again (rate limited)."""
        entries = await self.entries()
        if library_id not in entries:
            entries = await self._refresh_if_allowed()
        return entries.get(library_id)

    async def is_current_caller(self, library_id: str, certificate_serial: int) -> bool:
        """Whether a certificate is one the library currently holds, and the library is active.

        A serial the cached copy does not list may be a certificate renewed since: look again before refusing.
        """
        entry = await self.entry(library_id)
        if entry is not None and entry.active and str(certificate_serial) not in entry.certificate_serials:
            entry = (await self._refresh_if_allowed()).get(library_id)
        return entry is not None and entry.active and str(certificate_serial) in entry.certificate_serials

    async def _refresh_if_allowed(self) -> dict[str, DirectoryEntry]:
        if self._attempted_at is None or self._monotonic() - self._attempted_at >= self._min_refresh:
            await self._refresh()
        if self._entries is None:
            raise directory_unavailable()
        return self._entries

    async def _refresh(self) -> None:
        async with self._lock:
            now = self._monotonic()
            if self._attempted_at is not None and now - self._attempted_at < min(self._min_refresh, self._max_age):
                return  # another task refreshed (or tried to) a moment ago
            self._attempted_at = now
            try:
                listing = await self._source()
            except (RegistryUnavailableError, RegistryError) as error:
                logger.warning("library directory not refreshed (%s); using the copy held", type(error).__name__)
                return
            self._entries = {entry.library_id: entry for entry in listing.libraries}
            self._loaded_at = now
