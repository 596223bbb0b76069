"""Staff passwords: the shared Argon2id wrapper (worker threads, a few at a time), without a pepper."""

from __future__ import annotations

from plumbing.passwords import Argon2Hasher


class StaffPasswordHasher(Argon2Hasher):
    """Like the PIN hasher without the pepper: a long password needs none, and staff reset theirs by admin."""

    def __init__(self, *, max_concurrency: int = 2, time_cost: int = 2, memory_cost: int = 19456) -> None:
        super().__init__(max_concurrency=max_concurrency, time_cost=time_cost, memory_cost=memory_cost)

    async def hash_password(self, password: str) -> str:
        return await self.hash(password)

    async def verify_password(self, password: str, encoded: str | None) -> bool:
        # An unknown username is checked against the dummy hash, so a wrong name costs as long as a wrong password.
        try:
            matches = await self.verify(password, encoded or await self.dummy_hash())
        except ValueError:
            # A corrupt stored hash cannot be logged into; the account needs a new password from an admin.
            return False
        return matches and encoded is not None
