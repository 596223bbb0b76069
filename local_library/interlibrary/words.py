"""The words for interlibrary requests that patrons (Min side) and staff (the desk) both read, nb and en:
each state, who cancelled, and the refusals a page shows."""

from __future__ import annotations

from plumbing.web.language import Language

WORDS: dict[str, dict[Language, str]] = {
    # States as the borrowing library and its patron see them.
    "state_requested": {
        "nb": "Bestilt, venter på utlånende bibliotek",
        "en": "Ordered, waiting for the lending library",
    },
    "state_shipped": {"nb": "Sendt hit", "en": "On its way here"},
    "state_received": {"nb": "Klar til henting", "en": "Ready for pickup"},
    "state_lent": {"nb": "Utlånt", "en": "On loan"},
    "state_returned": {"nb": "Levert tilbake", "en": "Returned"},
    "state_shipped_back": {"nb": "Sendt tilbake til eieren", "en": "Sent back to its owner"},
    "state_completed": {"nb": "Avsluttet", "en": "Completed"},
    "state_cancelled": {"nb": "Avbestilt", "en": "Cancelled"},
    # Who ended a request, and why.
    "cancelled_by_patron": {"nb": "Du avbestilte.", "en": "You cancelled it."},
    "cancelled_by_staff": {"nb": "Biblioteket avbestilte.", "en": "The library cancelled it."},
    "cancelled_by_owner": {
        "nb": "Det utlånende biblioteket kunne ikke låne det ut.",
        "en": "The lending library could not lend it.",
    },
    "cancelled_by_borrower": {"nb": "Det lånende biblioteket avbestilte.", "en": "The borrowing library cancelled."},
    # Per-library search status.
    "status_answered": {"nb": "svarte", "en": "answered"},
    "status_not_reachable": {"nb": "svarer ikke nå", "en": "not reachable now"},
    "status_timed_out": {"nb": "svarte ikke i tide", "en": "did not answer in time"},
    # Refusals shown on pages.
    "interlibrary_already_requested": {
        "nb": "Du har allerede bestilt dette eksemplaret.",
        "en": "You have already ordered this copy.",
    },
    "interlibrary_own_copy": {
        "nb": "Dette eksemplaret eies av biblioteket ditt: reserver det i stedet.",
        "en": "Your library owns this copy: reserve it instead.",
    },
    "interlibrary_not_cancellable": {
        "nb": "Eksemplaret er allerede sendt og kan ikke avbestilles.",
        "en": "The copy has been sent and can no longer be cancelled.",
    },
    "interlibrary_state_conflict": {
        "nb": "Bestillingen er ikke i en tilstand som tillater dette nå.",
        "en": "The request is not in a state that allows this now.",
    },
    "interlibrary_request_not_found": {"nb": "Fant ikke bestillingen.", "en": "No such request."},
    "interlibrary_due_date_unknown": {
        "nb": "Det utlånende biblioteket har ikke meldt forfallsdato ennå. Prøv igjen senere.",
        "en": "The lending library has not sent the due date yet. Try again later.",
    },
    "peer_unavailable": {
        "nb": "Det utlånende biblioteket svarer ikke nå. Prøv igjen senere.",
        "en": "The lending library does not answer now. Try again later.",
    },
    "card_blocked": {
        "nb": "Lånekortet er sperret. Ta kontakt med biblioteket.",
        "en": "The card is blocked. Ask at the library.",
    },
    "renewal_refused": {
        "nb": "Det utlånende biblioteket fornyer ikke dette lånet.",
        "en": "The lending library does not renew this loan.",
    },
}
REFUSAL_CODES = frozenset(
    {
        "interlibrary_already_requested", "interlibrary_own_copy", "interlibrary_not_cancellable",
        "interlibrary_state_conflict", "interlibrary_request_not_found", "interlibrary_due_date_unknown",
        "peer_unavailable", "card_blocked",
    }
)  # fmt: skip


def word(key: str, language: Language) -> str:
    return WORDS[key][language]


def refusal(code: str, language: Language) -> str:
    """The words for a refusal code; an owner's renewal rule (its own codes) reads as one refusal."""
    return word(code if code in REFUSAL_CODES else "renewal_refused", language)
