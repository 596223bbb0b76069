"""The library directory in the registry's database: every instance reads the same list and revocations.

The key folder (written by ``natreg keys``, which holds the CA key) is where certificates and credentials
are issued; its library list and CRL are imported here. An import never takes back a revocation: a library
revoked in the database stays revoked until the key folder issues it a new certificate (a re-issue), and a
revoked serial is never un-revoked. ``library_directory_version`` moves with every change (by trigger).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from plumbing.db.types import DbConnection
from plumbing.keys.pki import LibraryEntry

NOTIFY_CHANNEL = "natreg_library_directory"


@dataclass(frozen=True)
class DirectorySnapshot:
    """One consistent reading of the directory: the libraries by id and every revoked serial."""

    version: int
    entries: Mapping[str, LibraryEntry] = field(default_factory=dict)
    revoked: frozenset[int] = frozenset()


async def directory_version(connection: DbConnection) -> int:
    version: int = await connection.fetchval("SELECT version FROM library_directory_version")
    return version


async def load_directory(connection: DbConnection) -> DirectorySnapshot:
    """The whole directory as of one snapshot (it is small: a row per library, a row per revocation)."""
    async with connection.transaction(isolation="repeatable_read", readonly=True):
        version = await directory_version(connection)
        rows = await connection.fetch(
            """
            SELECT library_id, credential_hmac, certificate_serials, certificate_not_after, display_names,
                   revoked_at IS NOT NULL AS revoked
            FROM library_directory
            """
        )
        serials = await connection.fetch("SELECT serial FROM revoked_certificates")
    entries = {
        row["library_id"]: LibraryEntry(
            library_id=row["library_id"],
            credential_hmac=row["credential_hmac"],
            certificate_serial=int(row["certificate_serials"][0]),
            earlier_serials=tuple(int(serial) for serial in row["certificate_serials"][1:]),
            revoked=row["revoked"],
            certificate_not_after=row["certificate_not_after"],
            display_names=json.loads(row["display_names"]),
        )
        for row in rows
    }
    return DirectorySnapshot(version=version, entries=entries, revoked=frozenset(int(row["serial"]) for row in serials))


async def import_key_folder_list(
    connection: DbConnection, entries: Mapping[str, LibraryEntry], crl_serials: Iterable[int]
) -> None:
    """Bring the key folder's library list and CRL into the directory (the caller owns no transaction)."""
    async with connection.transaction():
        # Importers (several instances seeing one folder change, and the command line) take turns.
        await connection.execute("SELECT version FROM library_directory_version FOR UPDATE")
        await connection.execute(
            "INSERT INTO revoked_certificates (serial) SELECT unnest($1::numeric[]) ON CONFLICT DO NOTHING",
            [Decimal(serial) for serial in sorted(set(crl_serials))],
        )
        stored = await connection.fetch(
            "SELECT library_id, certificate_serials, certificate_not_after FROM library_directory FOR UPDATE"
        )
        known = {row["library_id"]: row for row in stored}
        for entry in entries.values():
            row = known.get(entry.library_id)
            if row is None or _newer_issue(entry, row["certificate_serials"], row["certificate_not_after"]):
                await _store_issue(connection, entry)
            elif entry.display_names:
                # The key folder names libraries (`natreg keys name-library`); a list without names keeps them.
                await connection.execute(
                    "UPDATE library_directory SET display_names = $2::jsonb WHERE library_id = $1",
                    entry.library_id,
                    json.dumps(dict(entry.display_names)),
                )
            if entry.revoked:
                await _revoke(connection, entry.library_id)


def _newer_issue(entry: LibraryEntry, stored_serials: list[Decimal], stored_not_after: dt.datetime | None) -> bool:
    """A certificate the directory has not seen, and not older than its current one (a stale copy of the list)."""
    if Decimal(entry.certificate_serial) in stored_serials:
        return False
    if stored_not_after is None or entry.certificate_not_after is None:
        return True
    return entry.certificate_not_after >= stored_not_after


async def _store_issue(connection: DbConnection, entry: LibraryEntry) -> None:
    """A new library, a renewal or a re-issue: its credential and serials as the key folder has them.

    A re-issued library is admitted again only with serials that were never revoked; names the folder does
    not give are kept.
    """
    await connection.execute(
        """
        INSERT INTO library_directory AS stored
            (library_id, credential_hmac, certificate_serials, certificate_not_after, display_names)
        VALUES ($1, $2, $3::numeric[], $4, $5::jsonb)
        ON CONFLICT (library_id) DO UPDATE SET
            credential_hmac = excluded.credential_hmac,
            certificate_serials = excluded.certificate_serials,
            certificate_not_after = excluded.certificate_not_after,
            display_names = CASE WHEN excluded.display_names = '{}'::jsonb THEN stored.display_names
                                 ELSE excluded.display_names END,
            revoked_at = CASE WHEN EXISTS (SELECT FROM revoked_certificates
                                           WHERE serial = excluded.certificate_serials[1])
                              THEN coalesce(stored.revoked_at, now()) END
        """,
        entry.library_id,
        entry.credential_hmac,
        [Decimal(serial) for serial in entry.all_serials],
        entry.certificate_not_after,
        json.dumps(dict(entry.display_names)),
    )


async def _revoke(connection: DbConnection, library_id: str) -> list[int]:
    serials: list[Decimal] | None = await connection.fetchval(
        """
        UPDATE library_directory SET revoked_at = coalesce(revoked_at, now())
        WHERE library_id = $1 RETURNING certificate_serials
        """,
        library_id,
    )
    if serials is None:
        return []
    await connection.execute(
        "INSERT INTO revoked_certificates (serial) SELECT unnest($1::numeric[]) ON CONFLICT DO NOTHING", serials
    )
    return [int(serial) for serial in serials]


async def revoke_library_in_directory(connection: DbConnection, library_id: str) -> list[int]:
    """Refuse the library from now on, on every instance; return the serials now revoked ([]: unknown)."""
    async with connection.transaction():
        return await _revoke(connection, library_id)


async def revoke_serials_in_directory(connection: DbConnection, serials: Iterable[int]) -> None:
    """Record revoked certificates that are not a library's (an administrator's)."""
    await connection.execute(
        "INSERT INTO revoked_certificates (serial) SELECT unnest($1::numeric[]) ON CONFLICT DO NOTHING",
        [Decimal(serial) for serial in serials],
    )


async def set_names_in_directory(connection: DbConnection, library_id: str, names: Mapping[str, str]) -> bool:
    """Give a library the names people read; False for a library the directory does not know."""
    result: str = await connection.execute(
        "UPDATE library_directory SET display_names = $2::jsonb WHERE library_id = $1", library_id, json.dumps(names)
    )
    return result != "UPDATE 0"
