"""Login rate limits per source address and overall: token buckets, decided by a pure function.

The per-card PIN lockout (``registry_contract.lockout``) stops guessing *on one card*; it cannot stop ten
guesses on each of a million card numbers, nor a burst that locks many cards at once. So every login door
open to the internet or the staff network (the insight site, Min side, the staff API's login) also takes a
token from two buckets before it does any work: one for the source address, and one shared by all sources.
An attempt finding either empty is refused with 429 and ``Retry-After`` (code ``login_rate_limited``), and
costs no Argon2 work and no PIN attempt.

The buckets live in the memory of one process, on purpose for now: nothing to set up, and each process
limits what reaches it. With several processes behind a load balancer each has its own buckets, so the
effective limits are that many times higher; a shared store (e.g. a database table) would be the next
step. The source is the peer address of the connection: behind a reverse proxy it is the proxy, which then
must do its own per-client limiting.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from plumbing.errors import DomainError, ErrorKind

__all__ = ["Bucket", "LoginLimiter", "Rate", "rate_limited", "take"]


@dataclass(frozen=True)
class Rate:
    """A bucket of ``capacity`` tokens, refilled at ``per_second`` tokens a second."""

    capacity: int
    per_second: float


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated_at: float


def take(rate: Rate, bucket: Bucket | None, now: float) -> tuple[Bucket, float | None]:
    """Take one token: the bucket afterwards, and None if allowed or else the seconds until a token is there.

    A missing bucket is a full one. A clock going backwards adds nothing. A refused attempt leaves the bucket
    as it was (refilled to ``now``), so hammering a closed door does not push the reopening further away.
    """
    if bucket is None:
        tokens = float(rate.capacity)
    else:
        elapsed = max(0.0, now - bucket.updated_at)
        tokens = min(float(rate.capacity), bucket.tokens + elapsed * rate.per_second)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, now), None
    return Bucket(tokens, now), (1.0 - tokens) / rate.per_second


# Ten attempts at once from one address, then one every 30 s (120 an hour): a patron mistyping, or a class
# at the library's public machines behind one address, fits; a guessing run does not.
PER_SOURCE = Rate(capacity=10, per_second=1 / 30)
# All sources together: bursts of 120, then two a second (about 170 000 a day), far above the logins one
# site sees, and the ceiling on guesses spread over many addresses and many cards: three free guesses on each
# of a million cards would take over two weeks, in plain sight of the operators. Legitimate logins then wait
# too, which is the price of the ceiling.
OVERALL = Rate(capacity=120, per_second=2)
# Beyond this many addresses the least recently seen are forgotten (a forgotten address starts full): memory
# stays bounded however many addresses an attacker uses, and the overall bucket still holds them back.
MAX_SOURCES = 100_000


def rate_limited(retry_after_seconds: int) -> DomainError:
    return DomainError(
        ErrorKind.TOO_MANY_REQUESTS,
        "login_rate_limited",
        "too many login attempts; wait before trying again",
        extra={"retry_after_seconds": retry_after_seconds},
        retry_after_seconds=retry_after_seconds,
    )


class LoginLimiter:
    """The buckets of one login door in this process (see the module docstring)."""

    def __init__(
        self,
        per_source: Rate = PER_SOURCE,
        overall: Rate = OVERALL,
        *,
        max_sources: int = MAX_SOURCES,
    ) -> None:
        self._per_source = per_source
        self._overall = overall
        self._max_sources = max_sources
        self._sources: OrderedDict[str, Bucket] = OrderedDict()
        self._all: Bucket | None = None

    def check(self, source: str | None, now: float) -> None:
        """Take a token for an attempt from ``source`` at ``now`` (seconds, e.g. a timestamp of the service's
        clock); raise ``login_rate_limited`` (429) if there is none."""
        key = source or "unknown"
        source_bucket, source_wait = take(self._per_source, self._sources.get(key), now)
        self._sources[key] = source_bucket
        self._sources.move_to_end(key)
        while len(self._sources) > self._max_sources:
            self._sources.popitem(last=False)
        if source_wait is not None:
            raise rate_limited(max(1, math.ceil(source_wait)))
        all_bucket, all_wait = take(self._overall, self._all, now)
        self._all = all_bucket
        if all_wait is not None:
            # The source's token goes back: it was the overall limit that refused.
            self._sources[key] = Bucket(source_bucket.tokens + 1.0, now)
            raise rate_limited(max(1, math.ceil(all_wait)))
