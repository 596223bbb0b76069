"""Patron PINs: the format rule, the trivial-PIN policy, their refusals, and peppered Argon2id hashing.

A 4-digit PIN has only 10 000 values, so no hash makes it strong on its own. What protects it is online rate
limiting and lockout (elsewhere), plus a secret pepper from the key ring so that a stolen database cannot be
brute-forced offline. Argon2id adds cost on top for the case where the pepper leaks too.
"""

from __future__ import annotations

import itertools
import secrets

from plumbing.errors import DomainError, ErrorKind
from plumbing.passwords import Argon2Hasher

__all__ = [
    "ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN",
    "PIN_LENGTH",
    "PinHasher",
    "is_trivial_pin",
    "pin_not_set",
    "refuse_unfit_pin",
    "validate_pin_format",
    "wrong_pin",
]

PIN_LENGTH = 4

_PEPPER_DOMAIN = b"natreg/pin/v1\x00"

# Online (the insight site, Min side) an unknown card, a replaced card and a card without PIN answer like a
# wrong PIN (same code, same Argon2 work), so nobody on the internet can find out which card numbers exist.
ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN = frozenset(
    {"patron_not_found", "pin_not_set", "card_replaced", "card_upgraded", "card_erased", "card_opted_out",
     "card_unlinked"}
)  # fmt: skip


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


def refuse_unfit_pin(pin: str) -> None:
    """Refuse a PIN a patron chose that is not four digits (``pin_format``) or guessable (``pin_too_simple``).

    The one place both services refuse a new PIN, so a desk, a kiosk, Min side and the registry answer alike.
    """
    try:
        validate_pin_format(pin)
    except ValueError as error:
        raise DomainError(ErrorKind.INVALID, "pin_format", str(error)) from None
    if is_trivial_pin(pin):
        raise DomainError(ErrorKind.INVALID, "pin_too_simple", "choose a PIN that is not a sequence or repetition")


def wrong_pin() -> DomainError:
    """A wrong card number or PIN, at every door of both services.

    403, not 401: the caller (a library, a staff member, a kiosk, a logged-in site) is authenticated; it is
    the patron's PIN that is wrong, and a 401 would ask the caller for its own credentials.
    """
    return DomainError(ErrorKind.FORBIDDEN, "pin_invalid", "wrong card number or PIN")


def pin_not_set() -> DomainError:
    return DomainError(ErrorKind.FORBIDDEN, "pin_not_set", "this card has no PIN yet; a library can set one")


class PinHasher(Argon2Hasher):
    """Hashes and verifies PINs with a secret pepper and Argon2id, without blocking the event loop.

    The shared :class:`~plumbing.passwords.Argon2Hasher` with the PIN's own pepper and the format rule on
    every PIN that goes in.
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
        super().__init__(
            pepper=pepper, pepper_domain=_PEPPER_DOMAIN, max_concurrency=max_concurrency, time_cost=time_cost,
            memory_cost=memory_cost, parallelism=parallelism,
        )  # fmt: skip

    async def hash_pin(self, pin: str) -> str:
        """The encoded Argon2id hash of ``pin`` (with a fresh random salt) for storage.

        Checks the format only; refusing trivial PINs is the caller's policy decision (:func:`refuse_unfit_pin`).
        """
        validate_pin_format(pin)
        return await self.hash(pin)

    async def verify_pin(self, pin: str, encoded: str) -> bool:
        """Whether ``pin`` matches the stored ``encoded`` hash.

        A malformed ``encoded`` raises :class:`ValueError` rather than returning ``False``: a corrupt stored
        hash is a data fault to surface, not a wrong guess to count against the patron.
        """
        validate_pin_format(pin)
        return await self.verify(pin, encoded)

    async def check_pin(self, pin: str, encoded: str | None) -> bool:
        """Whether ``pin`` matches ``encoded``, always at the cost of exactly one Argon2 verification.

        A malformed PIN, or no stored hash at all (an unknown card, a card without PIN, a replaced card), is
        checked against a dummy hash made with our own parameters and answers False: the answer then takes
        as long as for a wrong PIN, so timing does not tell which case it was.
        """
        well_formed = len(pin) == PIN_LENGTH and pin.isascii() and pin.isdigit()
        if well_formed and encoded is not None:
            return await self.verify_pin(pin, encoded)
        await self.verify_pin(pin if well_formed else "0000", await self.dummy_hash())
        return False

    async def dummy_hash(self) -> str:
        if self._dummy_hash is None:
            # From a random PIN, so no PIN is ever right against it.
            self._dummy_hash = await self.hash_pin(f"{secrets.randbelow(10_000):04d}")
        return self._dummy_hash
