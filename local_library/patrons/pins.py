"""Local patrons' PINs: the node's own pepper, the rules for a new PIN, and checking a PIN with lockout.

Hashing is the registry's ``PinHasher`` (peppered Argon2id off the event loop) with a pepper of this node's
own, so a PIN set at the desk of a local-only card never leaves the library. A four-digit PIN is only safe
with online limits: after ``MAX_FAILED_ATTEMPTS`` wrong PINs the card is locked for ``LOCKOUT``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from local_library.settings import LibrarySettings
from natreg.db.types import DbConnection
from natreg.errors import DomainError, ErrorKind
from natreg.keys.files import load_or_create_key_file
from natreg.keys.layout import KeyLayout
from registry.crypto.pins import PinHasher, is_trivial_pin, validate_pin_format

from .models import Patron
from .queries import patron_by_card, pin_state, record_pin_result

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)


def pin_pepper_path(settings: LibrarySettings) -> Path:
    if settings.local_pin_pepper_path is not None:
        return settings.local_pin_pepper_path
    return KeyLayout(settings.keys_dir).library_pin_pepper(settings.library_id)


def load_or_create_pin_pepper(settings: LibrarySettings) -> bytes:
    """The node's PIN pepper; created (0600) on first start, since losing it only means patrons reset PINs."""
    return load_or_create_key_file(pin_pepper_path(settings))


async def hash_new_pin(hasher: PinHasher, pin: str) -> str:
    """Hash a PIN a patron chose, refusing malformed and guessable ones."""
    try:
        validate_pin_format(pin)
    except ValueError as error:
        raise DomainError(ErrorKind.INVALID, "pin_format", str(error)) from None
    if is_trivial_pin(pin):
        raise DomainError(ErrorKind.INVALID, "pin_trivial", "this PIN is too easy to guess; choose another")
    return await hasher.hash_pin(pin)


async def authenticate_card(conn: DbConnection, hasher: PinHasher, card_number: str, pin: str, now: datetime) -> Patron:
    """The patron if ``pin`` is right for ``card_number``; counts failures and locks the card after too many.

    Call it outside a transaction: the attempt is counted as failed in a transaction of its own *before* the
    slow verification (so parallel guesses cannot all slip past the counter, and a refusal cannot roll the
    count back), and a right PIN then resets it.
    """
    async with conn.transaction():
        patron = await patron_by_card(conn, card_number)
        state = await pin_state(conn, patron.patron_id)
        locked_until: datetime | None = state["pin_locked_until"]
        if locked_until is not None and locked_until > now:
            raise DomainError(
                ErrorKind.LOCKED,
                "pin_locked",
                "too many wrong PINs; try again later or ask at the desk",
                retry_after_seconds=int((locked_until - now).total_seconds()) + 1,
            )
        if state["pin_hash"] is None:
            raise DomainError(ErrorKind.FORBIDDEN, "pin_not_set", "this card has no PIN yet; ask at the desk")
        failures = state["failed_pin_attempts"] + 1
        lock = now + LOCKOUT if failures >= MAX_FAILED_ATTEMPTS else None
        await record_pin_result(conn, patron.patron_id, failed_attempts=0 if lock else failures, locked_until=lock)
    try:
        correct = await hasher.verify_pin(pin, state["pin_hash"])
    except ValueError:
        correct = False  # a malformed PIN is a wrong PIN, and counts as one
    if not correct:
        # The same code as the registry's, so kiosks and Min side treat local and national cards alike.
        # 403, not 401: the staff member or kiosk is authenticated; it is the patron's PIN that is wrong.
        raise DomainError(ErrorKind.FORBIDDEN, "pin_invalid", "the card number or PIN is wrong")
    await record_pin_result(conn, patron.patron_id, failed_attempts=0, locked_until=None)
    return patron
