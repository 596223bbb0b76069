"""Each library's federation profile, and the directory served to nodes.

Profiles live in their own table keyed by library id; identities (display names, certificate serials,
revocation) come from the library list (``registry.auth.libraries.LibraryDirectory``) and are joined here.
"""

from __future__ import annotations

import json

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from registry.auth.libraries import LibraryDirectory
from registry_contract.federation import DirectoryEntry, FederationProfile, LibraryDirectoryListing, PickupRules


async def set_profile(
    connection: DbConnection, libraries: LibraryDirectory, library_id: str, profile: FederationProfile
) -> None:
    """Set a library's profile (``natreg registry set-federation``, or when the demo adds a library)."""
    known = {entry.library_id for entry in libraries.entries()}
    if library_id not in known:
        raise DomainError(ErrorKind.NOT_FOUND, "library_unknown", "no library with this id in the library list")
    await store_profile(connection, library_id, profile)


async def store_profile(connection: DbConnection, library_id: str, profile: FederationProfile) -> None:
    await connection.execute(
        """
        INSERT INTO library_federation_profiles (library_id, node_url, offers_interlibrary_requests, pickup_rules)
        VALUES ($1, $2, $3, $4::jsonb)
        ON CONFLICT (library_id) DO UPDATE SET node_url = excluded.node_url,
            offers_interlibrary_requests = excluded.offers_interlibrary_requests,
            pickup_rules = excluded.pickup_rules, updated_at = now()
        """,
        library_id,
        profile.node_url,
        profile.offers_interlibrary_requests,
        profile.pickup_rules.model_dump_json(),
    )


async def stored_profiles(connection: DbConnection) -> dict[str, FederationProfile]:
    rows = await connection.fetch(
        "SELECT library_id, node_url, offers_interlibrary_requests, pickup_rules::text AS pickup_rules"
        " FROM library_federation_profiles"
    )
    return {
        row["library_id"]: FederationProfile(
            node_url=row["node_url"],
            offers_interlibrary_requests=row["offers_interlibrary_requests"],
            pickup_rules=PickupRules.model_validate(json.loads(row["pickup_rules"])),
        )
        for row in rows
    }


async def library_directory(connection: DbConnection, libraries: LibraryDirectory) -> LibraryDirectoryListing:
    """Every library in the list, revoked ones marked inactive, with its profile where one is set."""
    profiles = await stored_profiles(connection)
    return LibraryDirectoryListing(
        libraries=[
            DirectoryEntry(
                library_id=entry.library_id,
                display_name=entry.display_name("nb"),
                display_name_en=entry.display_name("en"),
                active=not entry.revoked,
                certificate_serials=[str(serial) for serial in entry.all_serials],
                profile=profiles.get(entry.library_id),
            )
            for entry in libraries.entries()
        ]
    )
