"""Envelope encryption: the blind index, wrapped data keys with KEK rotation, and bound field ciphertexts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.crypto import (
    CryptoError,
    KeyRing,
    blind_index,
    decrypt_field,
    decrypt_json,
    encrypt_field,
    encrypt_json,
    new_data_key,
    rewrap_data_key,
    unwrap_data_key,
    wrap_data_key,
    wrapped_kek_version,
)

# Synthetic ID (month + 80, the test-number convention); never a real person's number.
NATIONAL_ID = "01819012345"


def make_keyring(keks: dict[int, bytes] | None = None, blind_index_key: bytes | None = None) -> KeyRing:
    """An in-memory key ring; loading from files is covered in test_keyring."""
    return KeyRing(
        keks=keks if keks is not None else {1: secrets.token_bytes(32)},
        blind_index_key=blind_index_key or secrets.token_bytes(32),
        pin_pepper=secrets.token_bytes(32),
        audit_key=secrets.token_bytes(32),
        credential_key=secrets.token_bytes(32),
    )


# Module-level so hypothesis tests can share them without function-scoped fixtures.
KEYRING = make_keyring()
PATRON = uuid.uuid4()
DATA_KEY = new_data_key()


def flip(blob: bytes, position: int, mask: int = 0x01) -> bytes:
    tampered = bytearray(blob)
    tampered[position] ^= mask
    return bytes(tampered)


# --- blind index ---------------------------------------------------------------------------------------


def test_blind_index_matches_the_documented_construction() -> None:
    # Other components (migrations, the node-side lookup) must be able to rebuild it from the brief alone.
    key = secrets.token_bytes(32)
    expected = hmac.new(key, b"natreg/national-id/v1\x00" + NATIONAL_ID.encode(), hashlib.sha256).digest()

    assert blind_index(make_keyring(blind_index_key=key), NATIONAL_ID) == expected


def test_blind_index_is_deterministic_full_length_and_distinguishes_ids() -> None:
    first = blind_index(KEYRING, NATIONAL_ID)

    assert len(first) == 32
    assert blind_index(KEYRING, NATIONAL_ID) == first
    assert blind_index(KEYRING, "01819012346") != first


def test_blind_index_depends_on_the_key() -> None:
    assert blind_index(make_keyring(), NATIONAL_ID) != blind_index(make_keyring(), NATIONAL_ID)


@pytest.mark.parametrize(
    "bad_id",
    [
        "0181901234",
        "018190123456",
        "0181901234a",
        "018190 12345",
        " 01819012345",
        "\uff10\uff11\uff18\uff11\uff19\uff10\uff11\uff12\uff13\uff14\uff15",  # fullwidth digits
        "",
    ],
)
def test_blind_index_refuses_malformed_ids_without_echoing_them(bad_id: str) -> None:
    with pytest.raises(ValueError, match="exactly 11 ASCII digits") as excinfo:
        blind_index(KEYRING, bad_id)
    if bad_id:
        assert bad_id not in str(excinfo.value)


# --- wrapped data keys -----------------------------------------------------------------------------------


def test_new_data_keys_are_random_32_bytes() -> None:
    keys = {new_data_key() for _ in range(100)}

    assert len(keys) == 100
    assert all(len(key) == 32 for key in keys)


def test_wrap_unwrap_round_trip_and_format() -> None:
    wrapped = wrap_data_key(KEYRING, DATA_KEY, PATRON)

    assert unwrap_data_key(KEYRING, wrapped, PATRON) == DATA_KEY
    assert len(wrapped) == 1 + 4 + 12 + 32 + 16
    assert wrapped[:5] == b"\x01\x00\x00\x00\x01"  # format 1, KEK version 1
    assert wrapped_kek_version(wrapped) == 1
    assert DATA_KEY not in wrapped


def test_wrapping_twice_uses_fresh_nonces() -> None:
    assert wrap_data_key(KEYRING, DATA_KEY, PATRON) != wrap_data_key(KEYRING, DATA_KEY, PATRON)


def test_wrapped_key_is_bound_to_its_patron() -> None:
    wrapped = wrap_data_key(KEYRING, DATA_KEY, PATRON)

    with pytest.raises(CryptoError, match="failed to authenticate"):
        unwrap_data_key(KEYRING, wrapped, uuid.uuid4())


def test_wrapped_key_does_not_unwrap_under_another_keyring() -> None:
    wrapped = wrap_data_key(KEYRING, DATA_KEY, PATRON)

    with pytest.raises(CryptoError):
        unwrap_data_key(make_keyring(), wrapped, PATRON)


@given(position=st.integers(min_value=0, max_value=64), mask=st.integers(min_value=1, max_value=255))
def test_any_tampered_byte_of_a_wrapped_key_is_detected(position: int, mask: int) -> None:
    wrapped = wrap_data_key(KEYRING, DATA_KEY, PATRON)

    with pytest.raises(CryptoError):
        unwrap_data_key(KEYRING, flip(wrapped, position, mask), PATRON)


@pytest.mark.parametrize("length", [0, 1, 5, 64, 66])
def test_wrapped_key_of_wrong_length_is_refused(length: int) -> None:
    wrapped = wrap_data_key(KEYRING, DATA_KEY, PATRON)
    resized = (wrapped * 2)[:length]

    with pytest.raises(CryptoError, match="must be 65 bytes"):
        wrapped_kek_version(resized)
    with pytest.raises(CryptoError):
        unwrap_data_key(KEYRING, resized, PATRON)


def test_wrapped_key_with_unknown_format_is_refused() -> None:
    wrapped = wrap_data_key(KEYRING, DATA_KEY, PATRON)

    with pytest.raises(CryptoError, match="unknown wrapped data key format 2"):
        wrapped_kek_version(b"\x02" + wrapped[1:])


def test_wrap_refuses_a_data_key_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="data key must be 32 bytes, got 16"):
        wrap_data_key(KEYRING, secrets.token_bytes(16), PATRON)


def test_kek_rotation_rewraps_without_touching_field_ciphertexts() -> None:
    kek_v1, kek_v2 = secrets.token_bytes(32), secrets.token_bytes(32)
    before = make_keyring(keks={1: kek_v1})
    data_key = new_data_key()
    wrapped_v1 = wrap_data_key(before, data_key, PATRON)
    address = encrypt_field(data_key, PATRON, "address", "Storgata 1, 0155 Oslo")

    during = make_keyring(keks={1: kek_v1, 2: kek_v2})
    assert wrapped_kek_version(wrapped_v1) == 1
    assert unwrap_data_key(during, wrapped_v1, PATRON) == data_key  # old wraps keep working mid-rotation
    wrapped_v2 = rewrap_data_key(during, wrapped_v1, PATRON)

    assert wrapped_kek_version(wrapped_v2) == 2
    assert decrypt_field(unwrap_data_key(during, wrapped_v2, PATRON), PATRON, "address", address) == (
        "Storgata 1, 0155 Oslo"
    )
    # Once every row is rewrapped, v1 can be retired: v2 alone opens the new wrap but not the old one.
    after = make_keyring(keks={2: kek_v2})
    assert unwrap_data_key(after, wrapped_v2, PATRON) == data_key
    with pytest.raises(CryptoError, match="KEK version 1, which is not loaded"):
        unwrap_data_key(after, wrapped_v1, PATRON)


def test_new_wraps_use_the_active_kek() -> None:
    keyring = make_keyring(keks={1: secrets.token_bytes(32), 2: secrets.token_bytes(32)})

    assert wrapped_kek_version(wrap_data_key(keyring, DATA_KEY, PATRON)) == 2


# --- fields ------------------------------------------------------------------------------------------------


@given(plaintext=st.text())
def test_field_round_trip(plaintext: str) -> None:
    blob = encrypt_field(DATA_KEY, PATRON, "name", plaintext)

    assert decrypt_field(DATA_KEY, PATRON, "name", blob) == plaintext
    assert blob[0] == 1
    assert len(blob) == 1 + 12 + len(plaintext.encode()) + 16


def test_field_encryption_uses_fresh_nonces() -> None:
    assert encrypt_field(DATA_KEY, PATRON, "name", "Kari") != encrypt_field(DATA_KEY, PATRON, "name", "Kari")


def test_field_is_bound_to_patron_column_and_data_key() -> None:
    blob = encrypt_field(DATA_KEY, PATRON, "name", "Kari Nordmann")

    with pytest.raises(CryptoError, match="failed to authenticate"):
        decrypt_field(DATA_KEY, uuid.uuid4(), "name", blob)
    with pytest.raises(CryptoError, match="failed to authenticate"):
        decrypt_field(DATA_KEY, PATRON, "address", blob)
    with pytest.raises(CryptoError, match="failed to authenticate"):
        decrypt_field(new_data_key(), PATRON, "name", blob)


@given(position=st.integers(min_value=0, max_value=1 + 12 + 13 + 16 - 1), mask=st.integers(1, 255))
def test_any_tampered_byte_of_a_field_is_detected(position: int, mask: int) -> None:
    blob = encrypt_field(DATA_KEY, PATRON, "name", "Kari Nordmann")

    with pytest.raises(CryptoError) as excinfo:
        decrypt_field(DATA_KEY, PATRON, "name", flip(blob, position, mask))
    assert "Kari" not in str(excinfo.value)


def test_truncated_field_is_refused() -> None:
    blob = encrypt_field(DATA_KEY, PATRON, "name", "")

    with pytest.raises(CryptoError, match="at least 29 bytes"):
        decrypt_field(DATA_KEY, PATRON, "name", blob[:-1])


def test_json_round_trip_and_canonical_encoding() -> None:
    value = {"street": "Ærøgata 5", "postcode": "0155", "lines": ["c/o Åse", None, 3, 1.5, True]}

    blob = encrypt_json(DATA_KEY, PATRON, "addresses", value)

    assert decrypt_json(DATA_KEY, PATRON, "addresses", blob) == value
    assert decrypt_field(DATA_KEY, PATRON, "addresses", blob) == (
        '{"lines":["c/o Åse",null,3,1.5,true],"postcode":"0155","street":"Ærøgata 5"}'
    )


def test_json_is_bound_to_its_column_like_any_field() -> None:
    blob = encrypt_json(DATA_KEY, PATRON, "phones", ["+4712345678"])

    with pytest.raises(CryptoError):
        decrypt_json(DATA_KEY, PATRON, "emails", blob)
