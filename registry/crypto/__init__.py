"""Registry cryptography: the key ring and envelope encryption with the blind index (PINs: registry_contract.pins).

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

__all__ = [
    "KEY_SIZE",
    "CryptoError",
    "JsonInput",
    "JsonValue",
    "KeyRing",
    "KeyRingError",
    "blind_index",
    "decrypt_field",
    "decrypt_json",
    "encrypt_field",
    "encrypt_json",
    "new_data_key",
    "rewrap_data_key",
    "unwrap_data_key",
    "wrap_data_key",
    "wrapped_kek_version",
]
