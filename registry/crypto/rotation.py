"""Online key rotation: re-wrap every patron's data key under the active key-encryption key.

Only the small wrapped data keys change; field ciphertexts stay as they are. Work goes in short batches,
each its own transaction, skipping rows that the API has locked at that moment (they are picked up by a
later pass), so the registry keeps serving throughout. Progress is the data itself — rows still under an
old version — so an interrupted rotation simply resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from registry.crypto.envelope import rewrap_data_key
from registry.crypto.keyring import KeyRing


@dataclass(frozen=True)
class RotationReport:
    rewrapped: int
    remaining: int
    active_version: int


async def rotate_data_keys(
    pool: asyncpg.Pool,
    keyring: KeyRing,
    *,
    batch_size: int = 1000,
    max_batches: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> RotationReport:
    """Re-wrap up to ``max_batches`` batches (all, if None); return how many were done and how many remain."""
    active = keyring.active_kek_version
    rewrapped = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        async with pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                """
                SELECT patron_id, wrapped_data_key FROM patrons
                WHERE kek_version < $1
                ORDER BY kek_version, patron_id
                LIMIT $2
                FOR UPDATE SKIP LOCKED
                """,
                active,
                batch_size,
            )
            if not rows:
                break
            await connection.executemany(
                "UPDATE patrons SET wrapped_data_key = $2, kek_version = $3 WHERE patron_id = $1",
                [
                    (
                        row["patron_id"],
                        rewrap_data_key(keyring, bytes(row["wrapped_data_key"]), row["patron_id"]),
                        active,
                    )
                    for row in rows
                ],
            )
        rewrapped += len(rows)
        batches += 1
        if on_batch is not None:
            on_batch(rewrapped)
    remaining = await data_keys_to_rewrap(pool, keyring)
    return RotationReport(rewrapped=rewrapped, remaining=remaining, active_version=active)


async def data_keys_to_rewrap(pool: asyncpg.Pool, keyring: KeyRing) -> int:
    """Patrons whose data key is still under an older key version (what a rotation has left to do)."""
    remaining = await pool.fetchval("SELECT count(*) FROM patrons WHERE kek_version < $1", keyring.active_kek_version)
    return int(remaining)
