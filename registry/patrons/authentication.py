"""PINs: checking card number + PIN at every door, with the one lockout policy, and setting a new PIN.

When an attempt may be tried is decided by ``registry_contract.lockout`` (a pure function, shared with the
library nodes); this module only reads and counts the failures, in ``store``.
"""

from __future__ import annotations

import uuid

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError
from plumbing.web.sessions import end_sessions_of
from registry.patrons import store
from registry.patrons.core import Caller, RegistryCore, linked_row, record_for
from registry.patrons.lookups import row_by_card
from registry_contract import lockout
from registry_contract.models import CardAuthentication, PatronRecord
from registry_contract.pins import (
    ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN,
    pin_not_set,
    refuse_unfit_pin,
    wrong_pin,
)


def _door_of(caller: Caller, credentials: CardAuthentication) -> lockout.Door:
    # The insight site is the registry's own public door; a library names the door its patron used (a desk or
    # kiosk, or its Min side on the internet).
    return "online" if caller.library_id is None else credentials.door


async def authenticate(
    core: RegistryCore, caller: Caller, credentials: CardAuthentication, purpose: str
) -> PatronRecord:
    """Check card number + PIN with per-patron backoff and lockout (``registry_contract.lockout``).

    The attempt is counted as failed *before* the slow verification, in its own transaction, so that a burst
    of parallel guesses cannot all slip through before the counter moves; a correct PIN then resets both
    doors' counters. A malformed PIN counts like any wrong one. Every answer costs one Argon2 verification
    (against a dummy hash when there is nothing to check), and at the online door an unknown card, a card
    without PIN and a replaced card answer exactly like a wrong PIN, so neither the answer nor its timing
    tells anyone which card numbers exist.
    """
    now = core.now()
    door = _door_of(caller, credentials)

    async def reserve_attempt(connection: DbConnection) -> tuple[uuid.UUID, str] | DomainError:
        # A refusal is returned, not raised, so its audit entry commits with this transaction.
        try:
            row = await row_by_card(connection, credentials.card_number)
        except DomainError as error:
            return error
        patron_id: uuid.UUID = row["patron_id"]
        state = await store.pin_state_for_update(connection, patron_id, door)
        if state.pin_hash is None:
            return pin_not_set()
        # A PIN locked for good at the libraries is locked online too: only a library can set a new one.
        verdict = lockout.decide(lockout.LIBRARY_DOOR, state.library_failed_attempts, None, now)
        if verdict.kind is not lockout.VerdictKind.LOCKED:
            verdict = lockout.decide(lockout.policy_for(door), state.failed_attempts, state.last_failed_at, now)
        refusal = lockout.refusal(verdict)
        if refusal is not None:
            await core.audit(connection, caller, "authenticate_refused_locked", purpose, patron_id)
            return refusal
        await store.count_pin_failure(connection, patron_id, door, now)
        return patron_id, state.pin_hash

    reserved = await core.in_transaction(reserve_attempt)
    if isinstance(reserved, DomainError):
        # The same Argon2 work as for a wrong PIN, so the time taken does not tell the cases apart.
        await core.pin_hasher.check_pin(credentials.pin, None)
        if door == "online" and reserved.code in ONLINE_REFUSALS_LOOK_LIKE_A_WRONG_PIN:
            # Throttled like a real card after the same number of failures, so throttling does not tell either.
            # Counted in the database, so every registry instance throttles the number after as many tries.
            card_key = store.unknown_card_key(core.keyring, credentials.card_number)

            async def throttle_unknown_card(connection: DbConnection) -> DomainError | None:
                failed, last_failed_at = await store.unknown_card_failures(connection, card_key)
                throttled = lockout.refusal(lockout.decide(lockout.ONLINE_DOOR, failed, last_failed_at, now))
                if throttled is None:
                    await store.count_unknown_card_failure(connection, card_key, now)
                return throttled

            throttled = await core.in_transaction(throttle_unknown_card)
            if throttled is not None:
                raise throttled
            raise wrong_pin()
        raise reserved
    patron_id, pin_hash = reserved
    # Anything but four digits cannot be right; it still counted as an attempt above.
    correct = await core.pin_hasher.check_pin(credentials.pin, pin_hash)
    # A right PIN hashed with older Argon2 parameters is re-hashed now, the only time the PIN is at hand.
    upgraded_hash = (
        await core.pin_hasher.hash_pin(credentials.pin) if correct and core.pin_hasher.needs_rehash(pin_hash) else None
    )

    async def settle(connection: DbConnection) -> PatronRecord:
        if not correct:
            await core.audit(connection, caller, "authenticate_failed", purpose, patron_id)
            return await record_for(core, connection, patron_id)
        await store.clear_pin_failures(connection, patron_id, upgraded_hash)
        await core.audit(connection, caller, "authenticate", purpose, patron_id)
        return await record_for(core, connection, patron_id)

    patron = await core.in_transaction(settle)
    if not correct:
        raise wrong_pin()
    return patron


async def change_pin(
    core: RegistryCore, caller: Caller, patron_id: uuid.UUID, new_pin: str, purpose: str
) -> PatronRecord:
    """Set a new PIN (at a library, after checking the patron's ID); also lifts a PIN lockout."""
    refuse_unfit_pin(new_pin)
    pin_hash = await core.pin_hasher.hash_pin(new_pin)

    async def work(connection: DbConnection) -> PatronRecord:
        await linked_row(connection, caller, patron_id)
        await store.set_pin(connection, patron_id, pin_hash)
        # A new PIN ends the patron's sessions on the insight site: whoever knew the old PIN is logged out.
        await end_sessions_of(connection, patron_id)
        await core.audit(connection, caller, "change_pin", purpose, patron_id)
        return await record_for(core, connection, patron_id)

    return await core.in_transaction(work)
