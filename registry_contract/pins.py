"""Patron PINs: the format rule, the trivial-PIN policy, and peppered Argon2id hashing off the event loop.

A 4-digit PIN has only 10 000 values, so no hash makes it strong on its own. What protects it is online rate
limiting and lockout (elsewhere), plus a secret pepper from the key ring so that a stolen database cannot be
brute-forced offline. Argon2id adds cost on top for the case where the pepper leaks too.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["PIN_LENGTH", "PinHasher", "is_trivial_pin", "validate_pin_format"]

PIN_LENGTH = 4

_PEPPER_DOMAIN = b"natreg/pin/v1\x00"
_MIN_PEPPER_SIZE = 16


def validate_pin_format(pin: str) -> None:
    """Raise :class:`ValueError` unless ``pin`` is exactly four ASCII digits.

    ASCII only: ``str.isdigit`` alone would accept e.g. Arabic-Indic or superscript digits that no PIN pad
    can type.
    """
    if len(pin) != PIN_LENGTH or not (pin.isascii() and pin.isdigit()):
        # The PIN is never echoed back, not even a malformed one: it may be a real PIN mistyped.
        raise ValueError(f"PIN must be exactly {PIN_LENGTH} digits (0-9)")


def is_trivial_pin(pin: str) -> bool:
    """Whether ``pin`` is one of the guessable PINs patrons may not choose.

    Trivial families (204 of the 10 000 PINs):

    * all digits the same (AAAA): 0000, 1111, ..., 9999;
    * ascending runs: 0123, 1234, 2345, 3456, 4567, 5678, 6789;
    * descending runs: 9876, 8765, 7654, 6543, 5432, 4321, 3210;
    * alternating pairs (ABAB): 1212, 1010, 0909, ...;
    * doubled digits (AABB): 1122, 0099, 7733, ...

    Raises :class:`ValueError` (via :func:`validate_pin_format`) if ``pin`` is not four digits at all.
    """
    validate_pin_format(pin)
    digits = [int(char) for char in pin]
    steps = {later - earlier for earlier, later in itertools.pairwise(digits)}
    is_run = steps in ({1}, {-1})
    is_abab = digits[0] == digits[2] and digits[1] == digits[3]
    is_aabb = digits[0] == digits[1] and digits[2] == digits[3]
    # AAAA is both ABAB and AABB, so it needs no test of its own.
    return is_run or is_abab or is_aabb


class PinHasher:
    """Hashes and verifies PINs with a secret pepper and Argon2id, without blocking the event loop.

    Each hash costs ``memory_cost`` KiB and tens of milliseconds of CPU, so the work runs in worker threads
    (argon2-cffi releases the GIL) and a semaphore caps how many run at once: a burst of logins then queues
    instead of exhausting memory and starving every other request of CPU.

    The defaults (t=2, m=19 MiB, p=1) are the OWASP minimum for Argon2id; tests pass cheaper parameters.
    """

    def __init__(
        self,
        pepper: bytes,
        *,
        max_concurrency: int = 2,
        time_cost: int = 2,
        memory_cost: int = 19456,
        parallelism: int = 1,
    ) -> None:
        if len(pepper) < _MIN_PEPPER_SIZE:
            raise ValueError(f"PIN pepper must be at least {_MIN_PEPPER_SIZE} bytes")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._pepper = pepper
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._slots = asyncio.Semaphore(max_concurrency)
        self._dummy_hash: str | None = None

    def __repr__(self) -> str:
        # The pepper stays out of reprs, and with it out of logs and tracebacks.
        return (
            f"PinHasher(time_cost={self._hasher.time_cost}, memory_cost={self._hasher.memory_cost}, "
            f"parallelism={self._hasher.parallelism})"
        )

    async def hash_pin(self, pin: str) -> str:
        """The encoded Argon2id hash of ``pin`` (with a fresh random salt) for storage.

        Checks the format only; refusing trivial PINs is the caller's policy decision
        (:func:`is_trivial_pin`).
        """
        validate_pin_format(pin)
        peppered = self._pepper_pin(pin)
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, peppered)

    async def verify_pin(self, pin: str, encoded: str) -> bool:
        """Whether ``pin`` matches the stored ``encoded`` hash.

        A malformed ``encoded`` raises :class:`ValueError` rather than returning ``False``: a corrupt stored
        hash is a data fault to surface, not a wrong guess to count against the patron.
        """
        validate_pin_format(pin)
        peppered = self._pepper_pin(pin)
        async with self._slots:
            try:
                return await asyncio.to_thread(self._hasher.verify, encoded, peppered)
            except VerifyMismatchError:
                return False
            except (InvalidHashError, VerificationError):
                # Any other verification failure means argon2 could not decode the stored hash.
                raise ValueError("stored PIN hash is not a valid Argon2 encoding") from None

    async def check_pin(self, pin: str, encoded: str | None) -> bool:
        """Whether ``pin`` matches ``encoded``, always at the cost of exactly one Argon2 verification.

        A malformed PIN, or no stored hash at all (an unknown card, a card without PIN, a replaced card), is
        checked against a dummy hash made with our own parameters and answers False: the answer then takes
        as long as for a wrong PIN, so timing does not tell which case it was.
        """
        well_formed = len(pin) == PIN_LENGTH and pin.isascii() and pin.isdigit()
        if well_formed and encoded is not None:
            return await self.verify_pin(pin, encoded)
        dummy = await self._dummy()
        await self.verify_pin(pin if well_formed else "0000", dummy)
        return False

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            # Made once per hasher, from a random PIN, so no PIN is ever right against it.
            self._dummy_hash = await self.hash_pin(f"{secrets.randbelow(10_000):04d}")
        return self._dummy_hash

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` was made with other parameters than ours; rehash after the next good login."""
        try:
            return self._hasher.check_needs_rehash(encoded)
        except InvalidHashError:
            raise ValueError("stored PIN hash is not a valid Argon2 encoding") from None

    def _pepper_pin(self, pin: str) -> bytes:
        # HMAC with a key that lives in the key directory, not the database: with only a stolen database,
        # an attacker cannot even start trying the 10 000 PINs, whatever the Argon2 cost. Argon2's own
        # "secret" parameter would do the same but is not exposed by PasswordHasher, whose encoding and
        # rehash checks we want.
        return hmac.digest(self._pepper, _PEPPER_DOMAIN + pin.encode("ascii"), hashlib.sha256)
