"""PIN policy (format, trivial PINs) and peppered Argon2id hashing that stays off the event loop."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry_contract.pins import PinHasher, is_trivial_pin, validate_pin_format

DIGITS = "0123456789"
ALL_PINS = ["".join(combo) for combo in itertools.product(DIGITS, repeat=4)]

# The trivial families, spelled out independently of the implementation.
SAME_DIGIT = {digit * 4 for digit in DIGITS}
ASCENDING = {DIGITS[start : start + 4] for start in range(7)}
DESCENDING = {run[::-1] for run in ASCENDING}
ABAB = {a + b + a + b for a in DIGITS for b in DIGITS}
AABB = {a + a + b + b for a in DIGITS for b in DIGITS}
TRIVIAL = SAME_DIGIT | ASCENDING | DESCENDING | ABAB | AABB

digit = st.sampled_from(DIGITS)
any_pin = st.text(alphabet=DIGITS, min_size=4, max_size=4)


def cheap_hasher(pepper: bytes | None = None, max_concurrency: int = 2) -> PinHasher:
    """Argon2id with test-speed parameters; the production defaults are exercised where timing matters."""
    return PinHasher(pepper or secrets.token_bytes(32), max_concurrency=max_concurrency, time_cost=1, memory_cost=1024)


# --- format and trivial PINs ---------------------------------------------------------------------------


def test_trivial_pins_are_exactly_the_documented_families() -> None:
    assert {pin for pin in ALL_PINS if is_trivial_pin(pin)} == TRIVIAL
    assert len(TRIVIAL) == 204  # matches the count in is_trivial_pin's docstring


@pytest.mark.parametrize("pin", ["0000", "9999", "1234", "0123", "6789", "9876", "3210", "1212", "1010", "1122"])
def test_well_known_trivial_pins(pin: str) -> None:
    assert is_trivial_pin(pin)


@given(digit)
def test_same_digit_pins_are_trivial(a: str) -> None:
    assert is_trivial_pin(a * 4)


@given(digit, digit)
def test_abab_and_aabb_pins_are_trivial(a: str, b: str) -> None:
    assert is_trivial_pin(a + b + a + b)
    assert is_trivial_pin(a + a + b + b)


@given(st.integers(min_value=0, max_value=6))
def test_ascending_and_descending_runs_are_trivial(start: int) -> None:
    run = DIGITS[start : start + 4]

    assert is_trivial_pin(run)
    assert is_trivial_pin(run[::-1])


@given(any_pin.filter(lambda pin: pin not in TRIVIAL))
def test_other_pins_are_accepted(pin: str) -> None:
    assert not is_trivial_pin(pin)


@pytest.mark.parametrize("pin", ["4821", "7294", "0192", "1221", "7890", "2468"])
def test_near_misses_are_not_trivial(pin: str) -> None:
    # Not in any listed family: wrap-around runs, palindromes and even steps are deliberately allowed.
    assert not is_trivial_pin(pin)


@given(st.text().filter(lambda text: not (len(text) == 4 and text.isascii() and text.isdigit())))
def test_anything_but_four_ascii_digits_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="PIN must be exactly 4 digits"):
        validate_pin_format(text)
    with pytest.raises(ValueError, match="PIN must be exactly 4 digits"):
        is_trivial_pin(text)


@pytest.mark.parametrize("pin", ["١٢٣٤", "\uff11\uff12\uff13\uff14", "12³4", "123", "12345", "12 4", " 123", "-123"])
def test_look_alike_pins_are_refused_without_echoing_them(pin: str) -> None:
    with pytest.raises(ValueError, match="PIN must be exactly 4 digits") as excinfo:
        validate_pin_format(pin)
    assert pin not in str(excinfo.value)


@given(any_pin)
def test_every_four_digit_string_is_well_formed(pin: str) -> None:
    validate_pin_format(pin)


# --- hashing -----------------------------------------------------------------------------------------------


async def test_right_pin_verifies_and_wrong_pin_does_not() -> None:
    hasher = cheap_hasher()
    encoded = await hasher.hash_pin("4821")

    assert encoded.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert await hasher.verify_pin("4821", encoded)
    assert not await hasher.verify_pin("4822", encoded)
    assert "4821" not in encoded


async def test_hashes_are_salted() -> None:
    hasher = cheap_hasher()

    assert await hasher.hash_pin("4821") != await hasher.hash_pin("4821")


async def test_pepper_matters() -> None:
    encoded = await cheap_hasher(pepper=secrets.token_bytes(32)).hash_pin("4821")

    assert not await cheap_hasher(pepper=secrets.token_bytes(32)).verify_pin("4821", encoded)


async def test_hash_and_verify_refuse_malformed_pins() -> None:
    hasher = cheap_hasher()
    encoded = await hasher.hash_pin("4821")

    with pytest.raises(ValueError, match="PIN must be exactly 4 digits"):
        await hasher.hash_pin("48210")
    with pytest.raises(ValueError, match="PIN must be exactly 4 digits"):
        await hasher.verify_pin("482", encoded)


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=1024,t=1,p=1$broken"])
async def test_corrupt_stored_hash_is_an_error_not_a_wrong_pin(stored: str) -> None:
    hasher = cheap_hasher()

    with pytest.raises(ValueError, match="not a valid Argon2 encoding"):
        await hasher.verify_pin("4821", stored)
    with pytest.raises(ValueError, match="not a valid Argon2 encoding"):
        hasher.needs_rehash(stored)


async def test_needs_rehash_when_parameters_change() -> None:
    pepper = secrets.token_bytes(32)
    encoded = await cheap_hasher(pepper).hash_pin("4821")

    assert not cheap_hasher(pepper).needs_rehash(encoded)
    assert PinHasher(pepper).needs_rehash(encoded)


def test_constructor_refuses_weak_configuration() -> None:
    with pytest.raises(ValueError, match="pepper must be at least 16 bytes"):
        PinHasher(b"short")
    with pytest.raises(ValueError, match="max_concurrency must be at least 1"):
        PinHasher(secrets.token_bytes(32), max_concurrency=0)


def test_repr_hides_the_pepper() -> None:
    pepper = secrets.token_bytes(32)

    shown = repr(PinHasher(pepper))

    assert shown == "PinHasher(time_cost=2, memory_cost=19456, parallelism=1)"
    assert pepper.hex() not in shown


async def test_hashing_does_not_block_the_event_loop() -> None:
    # Production parameters: each hash costs tens of milliseconds, long enough that running it on the loop
    # would stall a 1 ms ticker for the whole batch.
    hasher = PinHasher(secrets.token_bytes(32))
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start before the hashes are queued
    ticks_before = ticks
    started = time.perf_counter()
    encoded = await asyncio.gather(*(hasher.hash_pin(pin) for pin in ("4821", "7294", "0192", "5830")))
    elapsed = time.perf_counter() - started
    ticks_during = ticks - ticks_before
    done.set()
    await ticking

    assert len(set(encoded)) == 4
    # Blocking hashes would let the ticker in at most once between them; here it runs throughout.
    assert ticks_during >= 10, f"ticker ran {ticks_during} times in {elapsed:.3f}s of hashing"


async def test_concurrent_hashing_is_capped() -> None:
    hasher = cheap_hasher(max_concurrency=2)
    real_hasher = hasher._hasher
    running = 0
    peak = 0
    lock = threading.Lock()

    class CountingHasher:
        """Stands in for argon2's PasswordHasher (which has read-only slots) to count parallel hashes."""

        def hash(self, secret: bytes) -> str:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)  # hold the slot long enough for the other calls to pile up
            with lock:
                running -= 1
            return real_hasher.hash(secret)

    hasher._hasher = CountingHasher()  # type: ignore[assignment]

    await asyncio.gather(*(hasher.hash_pin("4821") for _ in range(8)))

    assert peak == 2
