"""The sealer's fast chain hashing gives exactly the hashes of the reference _entry_hash, so every existing
chain still verifies and a chain sealed fast verifies with the reference."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.audit.log import (
    GENESIS_HASH,
    AuditEntry,
    AuditEvent,
    _entry_hash,
    _entry_hashes,
    _shared_text,
    _uniform_hashes,
    record_sealed_many,
)

AUDIT_KEY = secrets.token_bytes(32)

# Any text, including non-ASCII, quotes, backslashes, control characters and lone surrogates: json escapes them.
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
# (datetimes() takes naive bounds and attaches the drawn time zone.)
times = st.datetimes(
    min_value=dt.datetime(1970, 1, 2),  # noqa: DTZ001
    max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.timezones(),
)
entry_parts = st.tuples(
    times,
    texts,
    st.none() | texts,
    texts,
    texts,
    st.none() | st.uuids(),
)


def _reference_hashes(previous: bytes, entries: list[AuditEntry]) -> list[bytes]:
    """The chain as the reference _entry_hash builds it, one entry at a time."""
    hashes = []
    for entry in entries:
        previous = _entry_hash(AUDIT_KEY, previous, entry)
        hashes.append(previous)
    return hashes


@given(st.binary(min_size=32, max_size=32), st.integers(1, 2**62), st.lists(entry_parts, max_size=12), st.data())
def test_fast_chain_hashes_equal_the_reference_byte_for_byte(
    previous: bytes, first: int, parts: list[tuple[dt.datetime, str, str | None, str, str, uuid.UUID | None]],
    data: st.DataObject,
) -> None:  # fmt: skip
    # Runs of entries sharing time, actor, library, operation and purpose (a bulk import) as well as mixed ones.
    repeated = data.draw(st.lists(st.integers(0, 3), min_size=len(parts), max_size=len(parts)))
    entries: list[AuditEntry] = []
    for offset, (occurred_at, actor, library_id, operation, purpose, patron_id) in enumerate(parts):
        entry = AuditEntry(first + offset, occurred_at, actor, library_id, operation, purpose, patron_id)
        if entries and repeated[offset] == 0:
            entry = dataclasses.replace(entries[-1], sequence_number=first + offset, patron_id=patron_id)
        entries.append(entry)
    assert _entry_hashes(AUDIT_KEY, previous, entries) == _reference_hashes(previous, entries)


def test_a_bulk_import_batch_hashes_like_the_reference() -> None:
    now = dt.datetime.now(dt.UTC)
    entries = [
        AuditEntry(number, now, "admin:import", None, "import", "migration", uuid.uuid4()) for number in range(1, 500)
    ]
    entries.append(AuditEntry(500, now, "bibliotekar:Åse «Ø»", "asker", "read", 'desk: "asked"\\', None))
    assert _entry_hashes(AUDIT_KEY, GENESIS_HASH, entries) == _reference_hashes(GENESIS_HASH, entries)


@given(times, texts, st.none() | texts, texts, texts, st.lists(st.uuids(), max_size=8), st.integers(1, 2**62))
def test_a_uniform_run_of_entries_hashes_like_the_reference(
    occurred_at: dt.datetime, actor: str, library_id: str | None, operation: str, purpose: str,
    patron_ids: list[uuid.UUID], first: int,
) -> None:  # fmt: skip
    entries = [
        AuditEntry(first + offset, occurred_at, actor, library_id, operation, purpose, patron_id)
        for offset, patron_id in enumerate(patron_ids)
    ]
    shared = _shared_text(occurred_at, actor, library_id, operation, purpose)
    uniform = _uniform_hashes(AUDIT_KEY, GENESIS_HASH, first, shared, [str(patron_id) for patron_id in patron_ids])
    assert uniform == _reference_hashes(GENESIS_HASH, entries)


async def test_patron_ids_in_another_spelling_are_refused_before_anything_is_written() -> None:
    access = AuditEvent(actor="admin:import", operation="import", purpose="migration")
    patron_id = uuid.uuid4()
    # No connection is needed: the refusal comes first (the connection would fail if it were used).
    for spelling in (str(patron_id).upper(), patron_id.hex, f"{{{patron_id}}}", f"{patron_id},"):
        with pytest.raises(ValueError, match="str"):
            await record_sealed_many(None, AUDIT_KEY, access, [str(uuid.uuid4()), spelling])  # type: ignore[arg-type]
