"""Writing and reading the per-library change feed.

Rows are ordered by (transaction id, sequence number) and a page only includes rows of transactions older
than the oldest one still running. Any row that appears later therefore sorts after every row already
handed out, so a cursor never skips a change that committed late — the failure mode of "changes since
yesterday" feeds.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterable

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry_contract.models import ChangeKind

CURSOR_PREFIX = "v1"
START_CURSOR = (0, 0)
MAX_POSITION = 2**63 - 1


async def record_change(
    connection: DbConnection,
    patron_id: uuid.UUID,
    change: ChangeKind,
    libraries: Iterable[str],
    patron_version: int | None,
) -> None:
    await connection.executemany(
        "INSERT INTO change_feed (library_id, patron_id, change, patron_version) VALUES ($1, $2, $3, $4)",
        [(library_id, patron_id, change, patron_version) for library_id in libraries],
    )


def encode_cursor(transaction_id: int, sequence_number: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}.{transaction_id}.{sequence_number}".encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return START_CURSOR
    invalid = DomainError(ErrorKind.INVALID, "cursor_invalid", "the cursor was not issued by this registry")
    try:
        prefix, transaction_id, sequence_number = base64.urlsafe_b64decode(cursor.encode()).decode().split(".")
        position = (int(transaction_id), int(sequence_number))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    # Out of bigint range would reach PostgreSQL and fail there with a 500.
    if prefix != CURSOR_PREFIX or not all(0 <= part <= MAX_POSITION for part in position):
        raise invalid
    return position


async def read_changes_json(connection: DbConnection, library_id: str, cursor: str | None, limit: int) -> bytes:
    """One page of the library's feed, encoded as the contract's ``ChangePage`` JSON.

    Encoded here rather than through the model: every value comes from the registry's own table in the
    contract's shape already, and building a model per row cost more than reading the page (issue 15).
    tests/registry/test_change_feed.py checks the document against ``ChangePage``.
    """
    after_transaction, after_sequence = decode_cursor(cursor)
    rows = await connection.fetch(
        """
        SELECT transaction_id, sequence_number, patron_id, change, patron_version, occurred_at
        FROM change_feed
        WHERE library_id = $1
          AND (transaction_id, sequence_number) > ($2, $3)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
        ORDER BY transaction_id, sequence_number
        LIMIT $4
        """,
        library_id,
        after_transaction,
        after_sequence,
        limit,
    )
    if rows:
        last = rows[-1]
        next_cursor = encode_cursor(last["transaction_id"], last["sequence_number"])
    else:
        next_cursor = encode_cursor(after_transaction, after_sequence)
    document = {
        "changes": [
            {
                "patron_id": str(patron_id),
                "change": change,
                "patron_version": patron_version,
                "occurred_at": occurred_at.isoformat(),
            }
            for _, _, patron_id, change, patron_version, occurred_at in rows
        ],
        "next_cursor": next_cursor,
        "has_more": len(rows) == limit,
    }
    return json.dumps(document, separators=(",", ":")).encode()
