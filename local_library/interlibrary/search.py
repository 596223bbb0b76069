"""Catalogue search for interlibrary requests: this library's copies, and one search across every library
that offers requests, with each library's own status (answered, not reachable, timed out).

A slow or absent library never holds the search beyond ``FEDERATED_SEARCH_SECONDS``: what answered in time
is shown, and the others are named with their status.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from plumbing.db.types import DbConnection

FEDERATED_SEARCH_SECONDS = 4.0
MAX_HITS_PER_LIBRARY = 25
_ISBN_SEPARATORS = re.compile(r"[\s-]")

SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
LibraryStatus = Literal["answered", "not_reachable", "timed_out"]


class CatalogueQuery(BaseModel):
    """What a patron or staff member types: part of a title or an author, an ISBN, or a barcode."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: SearchText


class CatalogueHit(BaseModel):
    """One copy, and whether its library can send it now."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    barcode: str
    title: str
    author: str | None = None
    isbn: str | None = None
    material: str
    available: bool


class CatalogueHits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hits: list[CatalogueHit]


@dataclass(frozen=True)
class LibraryResult:
    library_id: str
    status: LibraryStatus
    hits: list[CatalogueHit] = field(default_factory=list)


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search_own_catalogue(
    conn: DbConnection, query: CatalogueQuery, *, limit: int = MAX_HITS_PER_LIBRARY
) -> list[CatalogueHit]:
    """Copies whose barcode or ISBN is the text, or whose title or author contains it; available first.

    A copy is available when it is not on loan, not held or reserved, not promised to another library, and of
    a kind this library lets be reserved (quick loans stay home).
    """
    isbn = _ISBN_SEPARATORS.sub("", query.text).upper()
    rows = await conn.fetch(
        """
        SELECT i.barcode, i.title, i.author, i.isbn, i.material,
               NOT EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.item_id AND l.returned_on IS NULL)
               AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.item_id = i.item_id
                               AND r.status IN ('waiting', 'ready'))
               AND NOT EXISTS (SELECT 1 FROM interlibrary_lending x WHERE x.item_id = i.item_id
                               AND x.state NOT IN ('completed', 'cancelled')) AS free
        FROM items i
        WHERE i.barcode = $1 OR i.isbn = $2 OR i.title ILIKE $3 OR i.author ILIKE $3
        ORDER BY free DESC, i.title, i.barcode
        LIMIT $4
        """,
        query.text,
        isbn,
        _like_pattern(query.text),
        limit,
    )
    return [
        CatalogueHit(
            barcode=row["barcode"], title=row["title"], author=row["author"], isbn=row["isbn"],
            material=row["material"], available=row["free"],
        )
        for row in rows
    ]  # fmt: skip


def mark_reservable(hits: list[CatalogueHit], reservable: Callable[[str], bool]) -> list[CatalogueHit]:
    """Copies of a kind the library does not send away (not reservable there) are shown as not available."""
    return [hit if reservable(hit.material) else hit.model_copy(update={"available": False}) for hit in hits]


# Searches one other library's catalogue; raises the peer client's unavailable error with its reason.
RemoteSearch = Callable[[str, CatalogueQuery], Awaitable[list[CatalogueHit]]]
# Tells a remote search's failure apart: "timed_out" or "not_reachable" (None: not a peer failure, re-raised).
FailureReason = Callable[[BaseException], LibraryStatus | None]


async def federated_search(
    query: CatalogueQuery,
    libraries: Sequence[str],
    remote_search: RemoteSearch,
    failure_reason: FailureReason,
    *,
    deadline_seconds: float = FEDERATED_SEARCH_SECONDS,
) -> list[LibraryResult]:
    """Ask every library at once; each answers, is not reachable, or times out at the shared deadline."""

    async def one(library_id: str) -> LibraryResult:
        try:
            hits = await asyncio.wait_for(remote_search(library_id, query), deadline_seconds)
        except TimeoutError:
            return LibraryResult(library_id, "timed_out")
        except Exception as error:
            reason = failure_reason(error)
            if reason is None:
                raise
            return LibraryResult(library_id, reason)
        return LibraryResult(library_id, "answered", hits[:MAX_HITS_PER_LIBRARY])

    return list(await asyncio.gather(*(one(library_id) for library_id in libraries)))
