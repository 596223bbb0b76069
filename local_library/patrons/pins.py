"""Local patrons' PINs: the node's own pepper, the rules for a new PIN, and checking a PIN with lockout.

Hashing is the contract's ``PinHasher`` (peppered Argon2id off the event loop) with a pepper of this node's
own, so a PIN set at the desk of a local-only card never leaves the library. A four-digit PIN is only safe
with online limits: the lockout is the registry's (``registry_contract.lockout``, one policy for every door of
both services), with the desk's and kiosk's failures counted apart from Min side's, so a stranger on the
internet can slow a card's Min side login down but never lock the card for good.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from local_library.settings import LibrarySettings
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from plumbing.keys.files import load_or_create_key_file
from plumbing.keys.layout import KeyLayout
from registry_contract import lockout
from registry_contract.pins import (
    ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN,
    PinHasher,
    pin_not_set,
    refuse_unfit_pin,
    wrong_pin,
)

from .models import Patron
from .queries import clear_pin_failures, patron_by_card, pin_state, record_pin_failure


def pin_pepper_path(settings: LibrarySettings) -> Path:
    if settings.local_pin_pepper_path is not None:
        return settings.local_pin_pepper_path
    return KeyLayout(settings.keys_dir).library_pin_pepper(settings.library_id)


def load_or_create_pin_pepper(settings: LibrarySettings) -> bytes:
    """The node's PIN pepper; created (0600) on first start, since losing it only means patrons reset PINs."""
    return load_or_create_key_file(pin_pepper_path(settings))


async def hash_new_pin(hasher: PinHasher, pin: str) -> str:
    """Hash a PIN a patron chose, refusing malformed and guessable ones (the registry's rule and codes)."""
    refuse_unfit_pin(pin)
    return await hasher.hash_pin(pin)


async def _reserve_attempt(
    conn: DbConnection, card_number: str, door: lockout.Door, now: datetime
) -> tuple[Patron, str]:
    """Count the attempt as failed, in a transaction of its own, unless the lockout refuses it outright."""
    async with conn.transaction():
        patron = await patron_by_card(conn, card_number)
        state = await pin_state(conn, patron.patron_id, door)
        # Locked for good at the desk means locked at Min side too: only the desk can set a new PIN.
        verdict = lockout.decide(lockout.LIBRARY_DOOR, state["failed_pin_attempts"], None, now)
        if verdict.kind is not lockout.VerdictKind.LOCKED:
            verdict = lockout.decide(lockout.policy_for(door), state["failed"], state["last_failed"], now)
        refusal = lockout.refusal(verdict)
        if refusal is not None:
            raise refusal
        if state["pin_hash"] is None:
            raise pin_not_set()
        await record_pin_failure(conn, patron.patron_id, door, now)
        return patron, state["pin_hash"]


async def authenticate_card(
    conn: DbConnection, hasher: PinHasher, card_number: str, pin: str, now: datetime,
    *, door: lockout.Door = "library", unknown_cards: lockout.UnknownCardAttempts | None = None,
) -> Patron:  # fmt: skip
    """The patron if ``pin`` is right for ``card_number``; counts failures at ``door`` and refuses by the
    shared lockout policy. A malformed PIN counts as a wrong one, and every answer costs one Argon2 check.

    Call it outside a transaction: the attempt is counted as failed in a transaction of its own *before* the
    slow verification (so parallel guesses cannot all slip past the counter, and a refusal cannot roll the
    count back), and a right PIN then resets both doors' counters.
    """
    try:
        patron, pin_hash = await _reserve_attempt(conn, card_number, door, now)
    except DomainError as error:
        if error.code in lockout.REFUSAL_CODES:
            raise
        await hasher.check_pin(pin, None)  # as long as a wrong PIN takes
        if door == "online" and error.code in ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN:
            # Throttled like a real card after as many failures, so throttling does not tell either.
            if unknown_cards is not None:
                throttled = unknown_cards.refusal(card_number, now)
                if throttled is not None:
                    raise throttled from None
                unknown_cards.record_failure(card_number, now)
            raise wrong_pin() from None
        raise
    if not await hasher.check_pin(pin, pin_hash):
        raise wrong_pin()
    await clear_pin_failures(conn, patron.patron_id)
    return patron
