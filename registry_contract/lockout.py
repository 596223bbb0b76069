"""The one PIN lockout policy of every door, registry and library nodes alike: a pure decision function.

Why two doors. A four-digit PIN has 10 000 values, so what protects it is how many guesses anyone gets. At a
*library door* (a desk, a kiosk, a library's own machine, all behind a library's client certificate) the
rule is strict: three free attempts, then each further attempt waits twice as long as the one before (30 s,
60 s, … up to a day), and after ten failures the PIN is locked for good until a library sets a new one. Ten
guesses give an attacker a 0.1 % chance, for ever.

The *online door* (the registry's insight site and the nodes' Min side, open to the whole internet) cannot
have that permanent lock: anyone could type ten wrong PINs for every card number in turn and lock every card
in the country. So online failures go to a counter of their own, which never locks for good and never
touches the library door's counter: after three free attempts each further one waits 30 s, 60 s, … up to a
day, again and again. A stranger can therefore slow down a card's *online* login (to one try a day at worst)
but never lock the card at the libraries, and online guessing on one card is about one a day once the delay
is at its cap, less than 400 a year (the per-source and overall limits of ``plumbing.ratelimit`` stop guessing
spread over many cards). A correct PIN at either door clears both counters; a new PIN set by a library
clears both as well.

Earlier, local cards locked for 15 minutes after five failures and then started over (about 480 guesses a
day, for ever); they now follow the library-door rule too. One refusal code per rule, in both services:
``pin_attempts_throttled`` (429, with ``Retry-After``) while a delay runs, ``pin_locked`` (423) when locked
for good.

The state is two numbers per door (failures in a row and the time of the last one); :func:`decide` turns it
into a verdict, and knows nothing of databases or HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from plumbing.errors import DomainError, ErrorKind

__all__ = [
    "LIBRARY_DOOR",
    "ONLINE_DOOR",
    "REFUSAL_CODES",
    "Door",
    "LockoutPolicy",
    "UnknownCardAttempts",
    "Verdict",
    "VerdictKind",
    "decide",
    "policy_for",
    "refusal",
]

Door = Literal["library", "online"]


@dataclass(frozen=True)
class LockoutPolicy:
    """How many failures are free, how the delay grows, and when (if ever) the PIN is locked for good."""

    free_attempts: int
    first_delay: dt.timedelta
    longest_delay: dt.timedelta
    locked_after: int | None
    """Failures in a row after which the PIN is locked until a new one is set; None: never."""

    def delay_after(self, failed_attempts: int) -> dt.timedelta | None:
        """How long after the last failure the next attempt must wait (None: at once)."""
        if failed_attempts < self.free_attempts:
            return None
        doublings = min(failed_attempts - self.free_attempts, 40)  # 2**40 times 30 s is past any cap
        return min(self.first_delay * (1 << doublings), self.longest_delay)


LIBRARY_DOOR = LockoutPolicy(
    free_attempts=3,
    first_delay=dt.timedelta(seconds=30),
    longest_delay=dt.timedelta(hours=24),
    locked_after=10,
)
ONLINE_DOOR = LockoutPolicy(
    free_attempts=3,
    first_delay=dt.timedelta(seconds=30),
    longest_delay=dt.timedelta(hours=24),
    locked_after=None,
)


def policy_for(door: Door) -> LockoutPolicy:
    return ONLINE_DOOR if door == "online" else LIBRARY_DOOR


class VerdictKind(Enum):
    ALLOWED = "allowed"
    WAIT = "wait"
    LOCKED = "locked"


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    retry_after_seconds: int | None = None
    """Whole seconds to wait (rounded up, at least 1) when ``kind`` is WAIT."""


ALLOWED = Verdict(VerdictKind.ALLOWED)


def decide(
    policy: LockoutPolicy, failed_attempts: int, last_failed_at: dt.datetime | None, now: dt.datetime
) -> Verdict:
    """Whether a PIN attempt may be tried now, after ``failed_attempts`` failures in a row.

    A clock that went backwards (``now`` before the last failure) counts as no time passed, so turning a
    clock back never shortens a delay.
    """
    if policy.locked_after is not None and failed_attempts >= policy.locked_after:
        return Verdict(VerdictKind.LOCKED)
    delay = policy.delay_after(failed_attempts)
    if delay is None or last_failed_at is None:
        return ALLOWED
    elapsed = max(now - last_failed_at, dt.timedelta(0))
    if elapsed >= delay:
        return ALLOWED
    remaining = delay - elapsed
    seconds = int(remaining.total_seconds())
    if seconds < remaining.total_seconds():
        seconds += 1
    return Verdict(VerdictKind.WAIT, max(1, seconds))


REFUSAL_CODES = frozenset({"pin_locked", "pin_attempts_throttled"})


def refusal(verdict: Verdict) -> DomainError | None:
    """The refusal for a verdict (None when allowed): one code per rule at every door of both services.

    The wait also travels in the problem body (``retry_after_seconds``), so a node passing on the registry's
    refusal can set its own ``Retry-After`` from it.
    """
    if verdict.kind is VerdictKind.ALLOWED:
        return None
    if verdict.kind is VerdictKind.LOCKED:
        return DomainError(ErrorKind.LOCKED, "pin_locked", "too many wrong PINs; a library must set a new PIN")
    wait = verdict.retry_after_seconds or 1
    return DomainError(
        ErrorKind.TOO_MANY_REQUESTS,
        "pin_attempts_throttled",
        "too many wrong PINs; wait before trying again",
        extra={"retry_after_seconds": wait},
        retry_after_seconds=wait,
    )


class UnknownCardAttempts:
    """Online failures on card numbers with nothing to count them on, throttled like a real card's.

    At the online door an unknown card, a replaced card and a card without PIN answer like a wrong PIN. But a
    real card's fourth wrong PIN in a row is throttled, so without this an unknown number would give itself
    away by never being throttled. These failures are kept in this process's memory (bounded: the least
    recently tried numbers are forgotten first), so a number is throttled the same way for as long as it is
    remembered; the per-source and overall login limits (``plumbing.ratelimit``) keep the number of numbers
    anyone can probe this way small. Card numbers held here are never logged.
    """

    def __init__(self, max_cards: int = 100_000) -> None:
        self._max_cards = max_cards
        self._failures: OrderedDict[str, tuple[int, dt.datetime]] = OrderedDict()

    def __repr__(self) -> str:
        return f"UnknownCardAttempts({len(self._failures)} remembered)"  # never the card numbers

    def refusal(self, card_number: str, now: dt.datetime) -> DomainError | None:
        failed, last_failed_at = self._failures.get(card_number, (0, None))
        return refusal(decide(ONLINE_DOOR, failed, last_failed_at, now))

    def record_failure(self, card_number: str, now: dt.datetime) -> None:
        failed, _ = self._failures.pop(card_number, (0, now))
        self._failures[card_number] = (failed + 1, now)
        while len(self._failures) > self._max_cards:
            self._failures.popitem(last=False)
