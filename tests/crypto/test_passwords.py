"""The one Argon2id wrapper (``plumbing.passwords``) under PINs and staff passwords: hashes stored before it
still verify, the pepper is optional, and an unknown user costs one verification like a wrong secret."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import select
import signal
import threading

import pytest
from argon2 import PasswordHasher, Type

from local_library.staff.passwords import StaffPasswordHasher
from plumbing.passwords import HASHING_NICENESS, Argon2Hasher, hashing_threads
from registry_contract.pins import PinHasher


def _plain_argon2() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)


async def test_a_pin_hash_stored_before_the_shared_wrapper_still_verifies() -> None:
    # What the registry and the nodes stored until now: Argon2id over HMAC-SHA256(pepper, domain + PIN).
    pepper = secrets.token_bytes(32)
    stored = _plain_argon2().hash(hmac.digest(pepper, b"natreg/pin/v1\x00" + b"4821", hashlib.sha256))
    hasher = PinHasher(pepper, time_cost=1, memory_cost=1024)

    assert await hasher.verify_pin("4821", stored)
    assert not await hasher.verify_pin("4822", stored)
    assert not hasher.needs_rehash(stored)


async def test_a_staff_password_hash_stored_before_the_shared_wrapper_still_verifies() -> None:
    stored = _plain_argon2().hash("correct horse battery staple")
    hasher = StaffPasswordHasher(time_cost=1, memory_cost=1024)

    assert await hasher.verify_password("correct horse battery staple", stored)
    assert not await hasher.verify_password("correct horse battery stapler", stored)


class CountingStaffHasher(StaffPasswordHasher):
    verifications = 0

    async def verify(self, secret: str, encoded: str) -> bool:
        self.verifications += 1
        return await super().verify(secret, encoded)


async def test_an_unknown_username_costs_one_verification_and_never_matches() -> None:
    hasher = CountingStaffHasher(time_cost=1, memory_cost=1024)
    dummy = await hasher.dummy_hash()

    assert not await hasher.verify_password("anything", None)
    assert not await hasher.verify_password("anything", "")
    assert hasher.verifications == 2
    # Made once per hasher: the first unknown name costs no more than the next.
    assert await hasher.dummy_hash() == dummy


async def test_a_corrupt_staff_password_hash_refuses_the_login() -> None:
    assert not await StaffPasswordHasher(time_cost=1, memory_cost=1024).verify_password(
        "a password", "$argon2id$v=19$m=1024,t=1,p=1$broken"
    )


async def test_the_pepper_is_optional_and_changes_the_hash() -> None:
    pepper = secrets.token_bytes(32)
    plain, peppered = (
        Argon2Hasher(time_cost=1, memory_cost=1024),
        Argon2Hasher(pepper=pepper, pepper_domain=b"test\x00", time_cost=1, memory_cost=1024),
    )

    encoded = await peppered.hash("a secret")
    assert await peppered.verify("a secret", encoded)
    assert not await plain.verify("a secret", encoded)
    assert await plain.verify("a secret", await plain.hash("a secret"))
    assert pepper.hex() not in repr(peppered)


def test_a_short_pepper_is_refused() -> None:
    with pytest.raises(ValueError, match="pepper must be at least 16 bytes"):
        Argon2Hasher(pepper=b"short")


def test_one_verification_is_measured_in_cpu_seconds() -> None:
    seconds = Argon2Hasher(time_cost=1, memory_cost=1024).verify_cpu_seconds(samples=3)
    assert 0 < seconds < 5


def _own_niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def test_hashing_runs_below_the_priority_of_requests() -> None:
    """Argon2 yields a contended core to requests: its threads run at HASHING_NICENESS above the event loop's."""
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024)
    encoded = await hasher.hash("secret")
    real = hasher._hasher  # watched where it runs
    seen: list[int] = []

    class WatchedHasher:
        def verify(self, stored: str, secret: str | bytes) -> bool:
            seen.append(_own_niceness())
            return real.verify(stored, secret)

    hasher._hasher = WatchedHasher()  # type: ignore[assignment]
    assert await hasher.verify("secret", encoded)
    requests_niceness = _own_niceness()
    assert seen == [min(requests_niceness + HASHING_NICENESS, 19)]
    assert seen[0] > requests_niceness


def test_a_forked_child_gets_hashing_threads_of_its_own() -> None:
    parent_pool = hashing_threads()
    assert parent_pool.submit(_own_niceness).result() > _own_niceness()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            pool = hashing_threads()
            answer = pool.submit(lambda: "ran").result(timeout=10) if pool is not parent_pool else "same pool"
        except BaseException as error:  # noqa: BLE001 - any failure is reported to the parent
            answer = repr(error)
        os.write(writer, answer.encode())
        os._exit(0)
    os.close(writer)
    try:
        # Bounded: a child that hangs fails the test instead of the whole run.
        readable, _, _ = select.select([reader], [], [], 30)
        assert readable, "the forked child did not answer"
        assert os.read(reader, 100) == b"ran"
    finally:
        os.close(reader)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
