"""Staff passwords: Argon2id in worker threads, a few at a time, so logins never stall the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class StaffPasswordHasher:
    """Like the PIN hasher without the pepper: a long password needs none, and staff reset theirs by admin."""

    def __init__(self, *, max_concurrency: int = 2, time_cost: int = 2, memory_cost: int = 19456) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1, type=Type.ID)
        self._slots = asyncio.Semaphore(max_concurrency)
        # Verified when the username is unknown, so a wrong name costs as long as a wrong password.
        self._decoy = self._hasher.hash("decoy password for unknown usernames")

    async def hash_password(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify_password(self, password: str, encoded: str | None) -> bool:
        async with self._slots:
            try:
                await asyncio.to_thread(self._hasher.verify, encoded or self._decoy, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
        return encoded is not None
