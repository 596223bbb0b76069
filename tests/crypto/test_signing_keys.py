"""The rotating token-signing key ring: sign, publish, rotate, prune, and refuse what it did not sign."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plumbing.keys.signing import SignedTokenError, SigningKeyRing, read_signed_token

START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _segment(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def test_a_token_verifies_against_the_published_keys_and_names_its_key(tmp_path: Path) -> None:
    ring = SigningKeyRing.open(tmp_path / "statements", now=START)
    token = ring.sign({"sub": "patron", "aud": "sandnes"}, kind="statement+jwt")
    header, claims = read_signed_token(token, ring.public_jwks())
    assert claims == {"sub": "patron", "aud": "sandnes"}
    assert header["kid"] == ring.current.kid
    assert header["typ"] == "statement+jwt"
    assert header["alg"] == "ES256"


def test_key_files_are_private_and_the_published_set_holds_no_private_part(tmp_path: Path) -> None:
    ring = SigningKeyRing.open(tmp_path / "ring", now=START)
    (key_file,) = (tmp_path / "ring").iterdir()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (published,) = ring.public_jwks()["keys"]
    assert "d" not in published
    assert published["kid"] == ring.current.kid


def test_after_a_rotation_the_new_key_signs_and_the_old_tokens_still_verify(tmp_path: Path) -> None:
    ring = SigningKeyRing.open(tmp_path / "ring", now=START)
    old_token = ring.sign({"n": 1})
    old_kid = ring.current.kid
    ring.rotate(now=START + timedelta(minutes=1))
    new_token = ring.sign({"n": 2})
    assert ring.current.kid != old_kid
    assert read_signed_token(old_token, ring.public_jwks())[1] == {"n": 1}
    assert read_signed_token(new_token, ring.public_jwks())[0]["kid"] == ring.current.kid


def test_a_rotation_by_another_process_is_seen_by_a_running_ring(tmp_path: Path) -> None:
    running = SigningKeyRing.open(tmp_path / "ring", now=START)
    before = running.current.kid
    command_line = SigningKeyRing(tmp_path / "ring")
    rotated = command_line.rotate(now=START + timedelta(hours=1))
    assert running.current.kid == rotated.kid != before


def test_prune_keeps_keys_whose_tokens_may_still_be_valid_and_never_the_current_one(tmp_path: Path) -> None:
    ring = SigningKeyRing.open(tmp_path / "ring", now=START)
    first = ring.current.kid
    ring.rotate(now=START + timedelta(hours=1))
    assert ring.prune(now=START + timedelta(hours=1, seconds=30), token_lifetime=timedelta(minutes=1)) == []
    assert ring.prune(now=START + timedelta(hours=1, minutes=2), token_lifetime=timedelta(minutes=1)) == [first]
    assert [key.kid for key in ring.all_keys()] == [ring.current.kid]
    assert ring.prune(now=START + timedelta(days=9), token_lifetime=timedelta(minutes=1)) == []


def test_tokens_from_another_ring_tampered_or_unsigned_are_refused(tmp_path: Path) -> None:
    ring = SigningKeyRing.open(tmp_path / "ours", now=START)
    stranger = SigningKeyRing.open(tmp_path / "theirs", now=START)
    token = ring.sign({"scope": "loans:read"})
    header, _, signature = token.split(".")
    tampered = f"{header}.{_segment({'scope': 'requests:create'})}.{signature}"
    unsigned = f"{_segment({'alg': 'none', 'kid': ring.current.kid})}.{_segment({'scope': 'loans:read'})}."
    hmac_signed = f"{_segment({'alg': 'HS256', 'kid': ring.current.kid})}.{_segment({'a': 1})}.{signature}"
    for forged in (stranger.sign({"scope": "loans:read"}), tampered, unsigned, hmac_signed, "not a token", ""):
        with pytest.raises(SignedTokenError):
            read_signed_token(forged, ring.public_jwks())


def test_two_rotations_in_one_instant_still_make_the_newest_key_current(tmp_path: Path) -> None:
    ring = SigningKeyRing(tmp_path / "ring")
    ring.rotate(now=START)
    second = ring.rotate(now=START)
    assert ring.current.kid == second.kid
    assert ring.prune(now=START + timedelta(minutes=5), token_lifetime=timedelta(minutes=1)) != [second.kid]
    assert [key.kid for key in ring.all_keys()] == [second.kid]
