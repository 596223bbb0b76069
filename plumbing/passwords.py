"""Argon2id hashing of secrets (patron PINs, staff passwords) off the event loop, the one wrapper both services use.

Each hash costs ``memory_cost`` KiB and tens of milliseconds of CPU, so the work runs in worker threads
(argon2-cffi releases the GIL) and a semaphore caps how many run at once: a burst of logins then queues
instead of exhausting memory and starving every other request of CPU. Those threads also run at a lower
scheduling priority (nice +10, Linux): a hash uses any CPU that is free, but a lookup that becomes runnable
gets the core first, so a wave of logins does not stretch the latency of every other request (issue 15).
Callers keep their own parameters and, where the secret is short (a PIN), a pepper of their own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import hmac
import os
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["HASHING_NICENESS", "MIN_PEPPER_SIZE", "Argon2Hasher", "hashing_threads"]

MIN_PEPPER_SIZE = 16
# How much lower than the rest of the process the hashing threads run (Linux nice values; 10 gives a
# waiting nice-0 thread roughly nine tenths of a contended core).
HASHING_NICENESS = 10
# More than any process runs at once: each hasher's semaphore is what limits concurrency.
_MAX_HASHING_THREADS = 32

_Result = TypeVar("_Result")
_hashing_pool: tuple[int, concurrent.futures.ThreadPoolExecutor] | None = None


def _lower_this_threads_priority() -> None:
    # On Linux PRIO_PROCESS with a thread ID sets that thread alone; raising one's own nice value needs no
    # privilege. Elsewhere the call may refuse; hashing then simply runs at normal priority.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def hashing_threads() -> concurrent.futures.ThreadPoolExecutor:
    """The process's low-priority threads for Argon2 work (made again in a forked child, whose copy of the
    parent's pool would have no threads behind it)."""
    global _hashing_pool  # noqa: PLW0603 - one pool per process, made on first use
    if _hashing_pool is None or _hashing_pool[0] != os.getpid():
        pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=_MAX_HASHING_THREADS, thread_name_prefix="argon2", initializer=_lower_this_threads_priority
        )
        _hashing_pool = (os.getpid(), pool)
    return _hashing_pool[1]


async def _in_hashing_thread(work: Callable[..., _Result], *arguments: object) -> _Result:
    return await asyncio.get_running_loop().run_in_executor(hashing_threads(), work, *arguments)


class Argon2Hasher:
    """Hashes and verifies secrets with Argon2id in worker threads, a few at a time, with an optional pepper.

    With a pepper, the secret is first HMAC-ed with a key that lives in the key directory, not the database:
    with only a stolen database an attacker cannot even start guessing, whatever the Argon2 cost. Argon2's
    own "secret" parameter would do the same but is not exposed by ``PasswordHasher``, whose encoding and
    rehash checks we want. ``pepper_domain`` separates the uses of one pepper.

    The defaults (t=2, m=19 MiB, p=1) are the OWASP minimum for Argon2id; tests pass cheaper parameters.
    """

    def __init__(
        self,
        *,
        pepper: bytes | None = None,
        pepper_domain: bytes = b"",
        max_concurrency: int = 2,
        time_cost: int = 2,
        memory_cost: int = 19456,
        parallelism: int = 1,
    ) -> None:
        if pepper is not None and len(pepper) < MIN_PEPPER_SIZE:
            raise ValueError(f"pepper must be at least {MIN_PEPPER_SIZE} bytes")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._pepper = pepper
        self._pepper_domain = pepper_domain
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._slots = asyncio.Semaphore(max_concurrency)
        self._dummy_hash: str | None = None

    def __repr__(self) -> str:
        # The pepper stays out of reprs, and with it out of logs and tracebacks.
        return (
            f"{type(self).__name__}(time_cost={self._hasher.time_cost}, memory_cost={self._hasher.memory_cost}, "
            f"parallelism={self._hasher.parallelism})"
        )

    async def hash(self, secret: str) -> str:
        """The encoded Argon2id hash of ``secret`` (with a fresh random salt) for storage."""
        peppered = self._peppered(secret)
        async with self._slots:
            return await _in_hashing_thread(self._hasher.hash, peppered)

    async def verify(self, secret: str, encoded: str) -> bool:
        """Whether ``secret`` matches the stored ``encoded`` hash.

        A malformed ``encoded`` raises :class:`ValueError` rather than returning ``False``: a corrupt stored
        hash is a data fault to surface, not a wrong guess to count.
        """
        peppered = self._peppered(secret)
        async with self._slots:
            try:
                return await _in_hashing_thread(self._hasher.verify, encoded, peppered)
            except VerifyMismatchError:
                return False
            except (InvalidHashError, VerificationError):
                # Any other verification failure means argon2 could not decode the stored hash.
                raise ValueError("stored hash is not a valid Argon2 encoding") from None

    async def dummy_hash(self) -> str:
        """A hash no secret is known to match, to verify against when there is nothing to check.

        An unknown user then costs as long as a wrong secret, so timing does not tell which case it was.
        Made once per hasher, with our own parameters, from a random secret.
        """
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` was made with other parameters than ours; rehash after the next good login."""
        try:
            return self._hasher.check_needs_rehash(encoded)
        except InvalidHashError:
            raise ValueError("stored hash is not a valid Argon2 encoding") from None

    def verify_cpu_seconds(self, samples: int = 7) -> float:
        """The CPU seconds one verification takes at our parameters (median of ``samples``), for capacity
        planning. Blocks its thread while it measures."""
        encoded = self._hasher.hash(b"x" * 32)
        timings = []
        for _ in range(samples):
            began = time.thread_time()
            self._hasher.verify(encoded, b"x" * 32)
            timings.append(time.thread_time() - began)
        return statistics.median(timings)

    def _peppered(self, secret: str) -> str | bytes:
        if self._pepper is None:
            return secret
        return hmac.digest(self._pepper, self._pepper_domain + secret.encode(), hashlib.sha256)
