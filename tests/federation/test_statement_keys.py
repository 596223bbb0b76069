"""A node follows the registry's key rotation: a statement under a new key makes it read the keys again (not more
often than the pause allows), and a statement under the previous key keeps verifying while it is published."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from local_library.federation.statements import StatementVerifier
from plumbing.errors import DomainError
from plumbing.keys.signing import SigningKeyRing
from registry_contract.statements import STATEMENT_TYPE, PublishedKeys

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
PATRON = uuid.UUID("6f1c1d5e-0000-4000-8000-000000000001")


def _statement(ring: SigningKeyRing) -> str:
    issued = int(NOW.timestamp())
    claims = {
        "iss": "natreg-registry", "sub": str(PATRON), "aud": "sandnes", "azp": "asker", "scope": "loans:read",
        "iat": issued, "nbf": issued, "exp": issued + 60, "jti": uuid.uuid4().hex,
    }  # fmt: skip
    return ring.sign(claims, kind=STATEMENT_TYPE)


async def test_a_rotation_is_followed_and_unknown_keys_do_not_hammer_the_registry(tmp_path: Path) -> None:
    ring = SigningKeyRing.open(tmp_path / "statements", now=NOW - dt.timedelta(days=1))
    reads = 0

    async def published() -> PublishedKeys:
        nonlocal reads
        reads += 1
        return PublishedKeys.model_validate(ring.public_jwks())

    monotonic = 0.0
    verifier = StatementVerifier("sandnes", published, now=lambda: NOW, monotonic=lambda: monotonic)
    before = _statement(ring)
    verified = await verifier.verify(before, caller_library="asker", scope="loans:read")
    assert (verified.patron_id, reads) == (PATRON, 1)

    ring.rotate(now=NOW)
    after = _statement(ring)
    # Within the pause the new key is not looked for: refused, and the registry not asked.
    with pytest.raises(DomainError) as refused:
        await verifier.verify(after, caller_library="asker", scope="loans:read")
    assert (refused.value.code, reads) == ("statement_invalid", 1)
    monotonic = 1.5
    assert (await verifier.verify(after, caller_library="asker", scope="loans:read")).patron_id == PATRON
    assert reads == 2
    # The previous key is still published: statements it signed verify until they expire.
    assert (await verifier.verify(before, caller_library="asker", scope="loans:read")).patron_id == PATRON
    assert reads == 2
    # A made-up key id, again and again: one read per pause at most.
    forger = SigningKeyRing.open(tmp_path / "forger")
    for _ in range(5):
        with pytest.raises(DomainError):
            await verifier.verify(_statement(forger), caller_library="asker", scope="loans:read")
    assert reads == 2
