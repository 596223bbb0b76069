"""Login rate limits (plumbing.ratelimit): properties of the token bucket and of the two-bucket limiter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbing.errors import DomainError
from plumbing.ratelimit import Bucket, LoginLimiter, Rate, take

rates = st.builds(
    Rate,
    capacity=st.integers(min_value=1, max_value=50),
    per_second=st.floats(min_value=0.001, max_value=100, allow_nan=False, allow_infinity=False),
)
gaps = st.lists(st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False), max_size=60)


@given(rates, gaps)
def test_never_more_than_the_capacity_plus_what_was_refilled(rate: Rate, steps: list[float]) -> None:
    bucket: Bucket | None = None
    now = 0.0
    allowed = 0
    for gap in steps:
        now += gap
        bucket, wait = take(rate, bucket, now)
        allowed += wait is None
        assert 0.0 <= bucket.tokens <= rate.capacity
    assert allowed <= rate.capacity + now * rate.per_second + 1e-6


@given(rates, st.integers(min_value=0, max_value=100))
def test_a_full_bucket_allows_exactly_its_capacity_at_once(rate: Rate, extra: int) -> None:
    bucket: Bucket | None = None
    outcomes = []
    for _ in range(rate.capacity + extra + 1):
        bucket, wait = take(rate, bucket, 0.0)
        outcomes.append(wait)
    assert all(wait is None for wait in outcomes[: rate.capacity])
    assert all(wait is not None and wait > 0 for wait in outcomes[rate.capacity :])


@given(rates)
def test_after_the_wait_it_names_an_attempt_is_allowed(rate: Rate) -> None:
    bucket: Bucket | None = None
    for _ in range(rate.capacity):
        bucket, _ = take(rate, bucket, 0.0)
    bucket, wait = take(rate, bucket, 0.0)
    assert wait is not None
    _, after = take(rate, bucket, wait * 1.000001)
    assert after is None


def test_one_address_is_limited_without_holding_back_the_others() -> None:
    limiter = LoginLimiter(Rate(capacity=3, per_second=0.1), Rate(capacity=100, per_second=10))
    for _ in range(3):
        limiter.check("198.51.100.7", 0.0)
    with pytest.raises(DomainError) as limited:
        limiter.check("198.51.100.7", 0.0)
    assert (limited.value.code, limited.value.retry_after_seconds) == ("login_rate_limited", 10)
    limiter.check("203.0.113.9", 0.0)  # another address is not affected
    limiter.check("198.51.100.7", 10.0)  # and the first one may try again after the wait it was told


def test_the_overall_limit_holds_back_many_addresses_and_does_not_spend_their_own_tokens() -> None:
    limiter = LoginLimiter(Rate(capacity=2, per_second=0.01), Rate(capacity=5, per_second=1))
    for address in range(5):
        limiter.check(f"10.0.0.{address}", 0.0)
    with pytest.raises(DomainError) as limited:
        limiter.check("10.0.0.99", 0.0)
    assert (limited.value.code, limited.value.retry_after_seconds) == ("login_rate_limited", 1)
    # The refused address did not lose its own token to the overall refusal: it still has two.
    limiter.check("10.0.0.99", 1.0)
    limiter.check("10.0.0.99", 2.0)


def test_memory_is_bounded_however_many_addresses() -> None:
    limiter = LoginLimiter(Rate(capacity=1, per_second=0.001), Rate(capacity=10_000, per_second=1), max_sources=10)
    for address in range(1000):
        limiter.check(f"10.1.{address // 256}.{address % 256}", 0.0)
    assert len(limiter._sources) == 10  # the bound is the point of this test
