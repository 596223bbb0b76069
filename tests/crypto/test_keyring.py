"""Loading the key ring from a key directory, and refusing a directory that is incomplete or malformed."""

from __future__ import annotations

import base64
import dataclasses
import secrets
from pathlib import Path

import pytest

from registry.crypto import KeyRing, KeyRingError

_SINGLE_KEY_FILES = ("blind-index.key", "pin-pepper.key", "audit.key", "credential.key")


def write_key_dir(data_dir: Path, kek_versions: tuple[int, ...] = (1,)) -> dict[str, bytes]:
    """Write a complete key directory in the contract's format; return the raw keys by file name."""
    keys: dict[str, bytes] = {}
    for name in (*(f"kek-v{version}.key" for version in kek_versions), *_SINGLE_KEY_FILES):
        key = secrets.token_bytes(32)
        (data_dir / name).write_bytes(base64.urlsafe_b64encode(key) + b"\n")
        keys[name] = key
    return keys


def test_load_reads_every_key_by_purpose(tmp_path: Path) -> None:
    keys = write_key_dir(tmp_path, kek_versions=(1, 2))

    keyring = KeyRing.load(tmp_path)

    assert keyring.kek(1) == keys["kek-v1.key"]
    assert keyring.kek(2) == keys["kek-v2.key"]
    assert keyring.blind_index_key == keys["blind-index.key"]
    assert keyring.pin_pepper == keys["pin-pepper.key"]
    assert keyring.audit_key == keys["audit.key"]
    assert keyring.credential_key == keys["credential.key"]


def test_highest_kek_version_is_active_and_older_ones_stay_loaded(tmp_path: Path) -> None:
    write_key_dir(tmp_path, kek_versions=(1, 3, 10))

    keyring = KeyRing.load(tmp_path)

    # Numeric, not lexical: "kek-v10" sorts before "kek-v3" as text.
    assert keyring.active_kek_version == 10
    assert keyring.kek_versions == (1, 3, 10)


def test_adding_a_kek_file_and_reloading_activates_it(tmp_path: Path) -> None:
    write_key_dir(tmp_path)
    old = KeyRing.load(tmp_path)
    new_kek = secrets.token_bytes(32)
    (tmp_path / "kek-v2.key").write_bytes(base64.urlsafe_b64encode(new_kek))

    rotated = KeyRing.load(tmp_path)

    assert old.active_kek_version == 1
    assert rotated.active_kek_version == 2
    assert rotated.kek(2) == new_kek
    assert rotated.kek(1) == old.kek(1)


def test_unknown_kek_version_is_a_keyring_error(tmp_path: Path) -> None:
    write_key_dir(tmp_path)

    with pytest.raises(KeyRingError, match="version 7"):
        KeyRing.load(tmp_path).kek(7)


@pytest.mark.parametrize("missing", _SINGLE_KEY_FILES)
def test_missing_key_file_is_named(tmp_path: Path, missing: str) -> None:
    write_key_dir(tmp_path)
    (tmp_path / missing).unlink()

    with pytest.raises(KeyRingError, match=f"{missing} is missing"):
        KeyRing.load(tmp_path)


def test_missing_kek_is_refused(tmp_path: Path) -> None:
    write_key_dir(tmp_path)
    (tmp_path / "kek-v1.key").unlink()

    with pytest.raises(KeyRingError, match="no key-encryption key"):
        KeyRing.load(tmp_path)


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyRingError, match="does not exist"):
        KeyRing.load(tmp_path / "nowhere")


@pytest.mark.parametrize("name", ["audit.key", "kek-v1.key"])
def test_short_key_is_refused_naming_file_and_size(tmp_path: Path, name: str) -> None:
    write_key_dir(tmp_path)
    short = secrets.token_bytes(16)
    encoded = base64.urlsafe_b64encode(short)
    (tmp_path / name).write_bytes(encoded + b"\n")

    with pytest.raises(KeyRingError, match=f"{name} decodes to 16 bytes, expected 32") as excinfo:
        KeyRing.load(tmp_path)
    assert encoded.decode() not in str(excinfo.value)


@pytest.mark.parametrize(
    "content",
    [
        b"not base64 at all!\n",
        b"",
        # Two keys on two lines: the contract is one line per file.
        base64.urlsafe_b64encode(b"k" * 32) + b"\n" + base64.urlsafe_b64encode(b"k" * 32) + b"\n",
        # Standard-alphabet base64 ("+/") is a different encoding, not a variant of the contract's.
        base64.standard_b64encode(b"\xfb\xff" * 16),
    ],
)
def test_malformed_key_file_is_refused_without_echoing_it(tmp_path: Path, content: bytes) -> None:
    write_key_dir(tmp_path)
    (tmp_path / "credential.key").write_bytes(content)

    with pytest.raises(KeyRingError, match=r"credential\.key is not URL-safe base64") as excinfo:
        KeyRing.load(tmp_path)
    if content.strip():
        assert content.strip().decode() not in str(excinfo.value)


def test_unpadded_and_newline_free_keys_load(tmp_path: Path) -> None:
    keys = write_key_dir(tmp_path)
    (tmp_path / "audit.key").write_bytes(base64.urlsafe_b64encode(keys["audit.key"]).rstrip(b"="))

    assert KeyRing.load(tmp_path).audit_key == keys["audit.key"]


@pytest.mark.parametrize("name", ["kek-v0.key", "kek-v01.key", "kek-vX.key", "kek-v2.key.bak.key"])
def test_non_canonical_kek_file_name_is_refused(tmp_path: Path, name: str) -> None:
    write_key_dir(tmp_path)
    (tmp_path / name).write_bytes(base64.urlsafe_b64encode(secrets.token_bytes(32)))

    with pytest.raises(KeyRingError, match=r"is not named kek-v<N>\.key"):
        KeyRing.load(tmp_path)


def test_repr_and_str_reveal_no_key_material(tmp_path: Path) -> None:
    keys = write_key_dir(tmp_path, kek_versions=(1, 2))
    keyring = KeyRing.load(tmp_path)

    shown = repr(keyring) + str(keyring)

    assert shown == "KeyRing(kek_versions=[1, 2], active_kek_version=2)" * 2
    for key in keys.values():
        assert repr(key) not in shown
        assert key.hex() not in shown
        assert base64.urlsafe_b64encode(key).decode() not in shown


def test_keyring_is_immutable(tmp_path: Path) -> None:
    write_key_dir(tmp_path)
    keyring = KeyRing.load(tmp_path)

    with pytest.raises(dataclasses.FrozenInstanceError):
        keyring.audit_key = secrets.token_bytes(32)  # type: ignore[misc]
    with pytest.raises(TypeError):
        keyring.keks[2] = secrets.token_bytes(32)  # type: ignore[index]


def test_direct_construction_validates_key_sizes() -> None:
    good = secrets.token_bytes(32)

    with pytest.raises(KeyRingError, match="PIN pepper must be 32 bytes, got 31"):
        KeyRing(keks={1: good}, blind_index_key=good, pin_pepper=good[:31], audit_key=good, credential_key=good)
    with pytest.raises(KeyRingError, match="at least one key-encryption key"):
        KeyRing(keks={}, blind_index_key=good, pin_pepper=good, audit_key=good, credential_key=good)
