"""The door check: card + PIN + schedule + age + agreement + blocks → admit or refuse, with a reason.

Fails closed: a wrong PIN, an unknown card, a locked card or a registry that cannot confirm a national card
refuses. Every answer is written to the entry log (``queries.insert_entry``) under a keyed hash of the
patron id, never the card number, so the log names nobody to a reader without the node's key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from local_library.patrons.models import Patron
from local_library.policy import LibraryPolicy
from local_library.registry_link.login import PatronLogins, log_in_patron
from plumbing.errors import DomainError
from registry_contract.ages import age_on

from . import queries
from .schedule import period_at

logger = logging.getLogger(__name__)

Reason = Literal[
    "admitted",
    "staffed_hours",
    "not_offered",
    "closed",
    "wrong_pin",
    "card_locked",
    "unknown_card",
    "registry_unavailable",
    "card_refused",
    "blocked",
    "too_young",
    "age_unknown",
    "no_agreement",
]

# What the door panel shows. The PIN and card refusals do not say which of card or PIN was wrong beyond what
# the patron already knows (they typed both).
MESSAGES: dict[Reason, tuple[str, str]] = {
    "admitted": ("Velkommen inn.", "Welcome in."),
    "staffed_hours": ("Velkommen. Biblioteket er betjent nå.", "Welcome. The library is staffed now."),
    "not_offered": ("Dette biblioteket har ikke meråpent.", "This library has no unstaffed opening hours."),
    "closed": ("Biblioteket er stengt nå.", "The library is closed now."),
    "wrong_pin": ("Feil lånekortnummer eller PIN-kode.", "Wrong card number or PIN."),
    "card_locked": (
        "Kortet er sperret etter for mange feil PIN-koder. Kontakt biblioteket.",
        "The card is locked after too many wrong PINs. Contact the library.",
    ),
    "unknown_card": ("Kortet gir ikke adgang.", "This card does not give access."),
    "registry_unavailable": (
        "Kortet kan ikke kontrolleres nå. Prøv igjen senere.",
        "The card cannot be checked right now. Try again later.",
    ),
    "card_refused": ("Kortet gir ikke adgang.", "This card does not give access."),
    "blocked": ("Kortet er sperret. Kontakt biblioteket.", "The card is blocked. Contact the library."),
    "too_young": (
        "Du er under aldersgrensen for meråpent.",
        "You are below the age limit for unstaffed hours.",
    ),
    "age_unknown": (
        "Alderen din er ikke registrert. Kontakt biblioteket.",
        "Your age is not on record. Contact the library.",
    ),
    "no_agreement": (
        "Du må signere avtale om meråpent i betjent åpningstid.",
        "Sign the unstaffed-hours agreement during staffed hours first.",
    ),
}

_LOGIN_REASONS: dict[str, Reason] = {
    "pin_invalid": "wrong_pin",
    "pin_locked": "card_locked",
    "pin_attempts_throttled": "card_locked",
    "patron_not_found": "unknown_card",
    "card_replaced": "unknown_card",
    "card_upgraded": "unknown_card",
    "card_erased": "unknown_card",
    "card_opted_out": "unknown_card",
    "card_unlinked": "unknown_card",
    "pin_not_set": "unknown_card",
    "registry_unavailable": "registry_unavailable",
}

_ENTRY_KEY_DOMAIN = b"natreg/door-entry-log/v1\x00"


@dataclass(frozen=True)
class DoorChecks:
    """What a door check works with, built once when the node starts."""

    logins: PatronLogins
    policy: LibraryPolicy
    timezone: str
    entry_key: bytes
    """The node's key for pseudonymous patron references (``entry_key_from``)."""


@dataclass(frozen=True)
class DoorDecision:
    admit: bool
    reason: Reason
    message_nb: str
    message_en: str

    @classmethod
    def of(cls, reason: Reason) -> DoorDecision:
        nb, en = MESSAGES[reason]
        return cls(admit=reason in ("admitted", "staffed_hours"), reason=reason, message_nb=nb, message_en=en)


def door_message(reason: str, language: str) -> str:
    """The panel's words for a logged reason, in ``language`` (``nb`` or ``en``); the code itself if unknown."""
    words = MESSAGES.get(reason)  # type: ignore[call-overload]
    if words is None:
        return reason
    return str(words[0] if language == "nb" else words[1])


def entry_key_from(node_secret: bytes) -> bytes:
    """A key of its own for the entry log, derived from a node secret (the PIN pepper) by domain separation."""
    return hmac.new(node_secret, _ENTRY_KEY_DOMAIN, hashlib.sha256).digest()


def patron_reference(entry_key: bytes, patron_id: UUID) -> bytes:
    """The entry log's name for a patron: stable at this node, meaningless without the node's key."""
    return hmac.new(entry_key, patron_id.bytes, hashlib.sha256).digest()


async def check_door_access(checks: DoorChecks, *, door: str, card_number: str, pin: str) -> DoorDecision:
    """Admit or refuse the holder of ``card_number`` at ``door`` now; the answer is logged."""
    now = checks.logins.clock.now()
    patron: Patron | None = None
    try:
        reason, patron = await _decide(checks, card_number, pin)
    except Exception:
        # Fail closed: whatever went wrong, the door stays shut. Never log the card number or PIN.
        logger.exception("door check at %s failed; refusing", door)
        reason = "registry_unavailable"
    reference = None if patron is None else patron_reference(checks.entry_key, patron.patron_id)
    async with checks.logins.pool.acquire() as conn:
        await queries.insert_entry(
            conn, reference, door, now, admitted=reason in ("admitted", "staffed_hours"), reason=reason
        )
    return DoorDecision.of(reason)


async def _decide(checks: DoorChecks, card_number: str, pin: str) -> tuple[Reason, Patron | None]:  # noqa: PLR0911 — one return per reason reads as the rule
    hours = checks.policy.unstaffed
    if not hours.offered:
        return "not_offered", None
    zone = ZoneInfo(checks.timezone)
    now = checks.logins.clock.now()
    period = period_at(hours, now, zone)
    if period == "closed":
        return "closed", None
    try:
        patron = await log_in_patron(checks.logins, card_number, pin, door="library")
    except DomainError as error:
        return _LOGIN_REASONS.get(error.code, "card_refused"), None
    if period == "staffed":
        # The door is open to everyone while staff are in; a valid card is still required at the panel.
        return "staffed_hours", patron
    if patron.blocked and (patron.blocked_reason or "staff") in hours.refuse_blocks:
        return "blocked", patron
    if patron.birth_date is None:
        return "age_unknown", patron
    if age_on(patron.birth_date, now.astimezone(zone).date()) < hours.minimum_age:
        return "too_young", patron
    if hours.agreement_required:
        async with checks.logins.pool.acquire() as conn:
            if await queries.agreement_signed_on(conn, patron.patron_id) is None:
                return "no_agreement", patron
    return "admitted", patron


async def door_decision_in_norwegian(checks: DoorChecks, card_number: str, pin: str, door: str) -> tuple[bool, str]:
    """The door check as a SIP2 door panel needs it: admit or not, and the words for its screen (bokmål, as
    the panels in Norwegian libraries show)."""
    decision = await check_door_access(checks, door=door, card_number=card_number, pin=pin)
    return decision.admit, decision.message_nb
