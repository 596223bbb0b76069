"""Key material of a natreg deployment: the private CA, certificates, library credentials and data keys."""

from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import (
    KeyMaterialError,
    add_library,
    init_keys,
    revoke_library,
)

__all__ = ["KeyLayout", "KeyMaterialError", "add_library", "init_keys", "revoke_library"]
