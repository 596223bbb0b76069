"""Registry cryptography: the key ring, envelope encryption with the blind index, and PIN hashing.

Pure functions and small classes with no I/O beyond reading the key directory once; the rest of the
registry imports from here rather than from the submodules.
"""

from registry.crypto.envelope import (
    CryptoError,
    JsonInput,
    JsonValue,
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
from registry.crypto.keyring import KEY_SIZE, KeyRing, KeyRingError
from registry.crypto.pins import PIN_LENGTH, PinHasher, is_trivial_pin, validate_pin_format

__all__ = [
    "KEY_SIZE",
    "PIN_LENGTH",
    "CryptoError",
    "JsonInput",
    "JsonValue",
    "KeyRing",
    "KeyRingError",
    "PinHasher",
    "blind_index",
    "decrypt_field",
    "decrypt_json",
    "encrypt_field",
    "encrypt_json",
    "is_trivial_pin",
    "new_data_key",
    "rewrap_data_key",
    "unwrap_data_key",
    "validate_pin_format",
    "wrap_data_key",
    "wrapped_kek_version",
]
