"""The audit log's "why" (purpose) and "who" (actor) as a patron reads them, in bokmål and English.

The log keeps what the code recorded (machine words in English: ``change feed``, ``admin:kari``); the insight
page shows these words instead. One entry per purpose a library or the registry records: a new purpose goes
into ``PURPOSES`` (``tests/insight/test_audit_words.py`` finds every purpose and actor the code can record
and fails on one without words in both languages). A purpose a library sends that is not listed here is that
library's own words and is shown as sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from plumbing.web.language import Language

__all__ = ["ACTORS", "PROOFS", "PURPOSES", "actor_kind", "actor_words", "purpose_words"]

Words = dict[Language, str]

PURPOSES: dict[str, Words] = {
    # The registry's defaults when a library sends no purpose (registry/patrons/views.py).
    "registration": {"nb": "registrering", "en": "registration"},
    "lookup": {"nb": "oppslag", "en": "look-up"},
    "authentication": {"nb": "innlogging med kort og PIN-kode", "en": "log-in with card and PIN"},
    "read": {"nb": "lesing av opplysningene", "en": "reading your data"},
    "correction": {"nb": "retting av opplysninger", "en": "correcting your data"},
    "pin change": {"nb": "ny PIN-kode", "en": "new PIN"},
    "lost card": {"nb": "tapt kort", "en": "lost card"},
    "link": {"nb": "tilknytning til biblioteket", "en": "association with the library"},
    "unlink": {"nb": "fjerning av tilknytning", "en": "ending the association"},
    "home library": {"nb": "bytte av hjemmebibliotek", "en": "change of home library"},
    "opt-out": {"nb": "overgang til lokalt lånekort", "en": "change to a local card"},
    "deletion": {"nb": "forespørsel om sletting", "en": "deletion request"},
    "death_notice": {"nb": "melding om dødsfall", "en": "death notice"},
    # What the library nodes send (local_library/registry_link).
    "registration at the desk": {"nb": "registrering i skranken", "en": "registration at the desk"},
    "lending at the desk": {"nb": "utlån i skranken", "en": "lending at the desk"},
    "patron at the desk": {"nb": "låner i skranken", "en": "patron at the desk"},
    "contact correction": {"nb": "retting av kontaktopplysninger", "en": "correcting contact details"},
    "change feed": {
        "nb": "endringsvarsel: biblioteket holder sin kopi oppdatert",
        "en": "change notice: the library keeps its copy up to date",
    },
    # The registry's own work.
    "insight login": {"nb": "innlogging på innsynssiden", "en": "log-in to this page"},
    "insight reveal of the national ID": {
        "nb": "visning av hele fødselsnummeret",
        "en": "showing the full national ID",
    },
    "the patron's right of access": {"nb": "din innsynsrett", "en": "your right of access"},
    "the patron's request": {"nb": "din egen forespørsel", "en": "your own request"},
    "erasure": {"nb": "sletting", "en": "erasure"},
    "erasure request review": {"nb": "behandling av forespørsel om sletting", "en": "review of a deletion request"},
    "registry administration": {"nb": "drift av registeret", "en": "running the registry"},
    "migration": {"nb": "overføring fra tidligere register", "en": "migration from the earlier registry"},
    # The population register job (registry/population).
    "population register event": {"nb": "melding fra Folkeregisteret", "en": "notice from the population register"},
    "population register backfill": {
        "nb": "kontroll mot Folkeregisteret",
        "en": "check against the population register",
    },
    # Federation (local_library/federation): a library asking another on the patron's behalf.
    "the patron's loans at the libraries they are linked to": {
        "nb": "lånene dine ved bibliotekene du er knyttet til",
        "en": "your loans at the libraries you are linked to",
    },
    # Library services' login (registry/oidc).
    "the service read its claims": {
        "nb": "tjenesten hentet opplysningene du har godtatt å gi den",
        "en": "the service read the details you agreed to give it",
    },
    "a used login code was presented again; the tokens it gave are revoked": {
        "nb": "en brukt innloggingskode ble vist fram igjen; tilgangene den ga, ble trukket tilbake",
        "en": "a used login code was presented again; the access it gave was withdrawn",
    },
}

# How the patron proved they were present, appended to a purpose as " (proof: KIND)" or " (proof of presence)".
PROOFS: dict[str, Words] = {
    "proof of presence": {"nb": "du var til stede", "en": "you were present"},
    "card_and_pin": {"nb": "du viste kort og PIN-kode", "en": "you gave your card and PIN"},
    "eid_sign_in": {"nb": "du logget inn med elektronisk ID", "en": "you signed in with your electronic ID"},
}

# Who acted, by the kind before the colon of the recorded actor (``library:asker``, ``admin:kari``).
ACTORS: dict[str, Words] = {
    "patron": {"nb": "deg selv", "en": "you"},
    "library": {"nb": "et bibliotek", "en": "a library"},
    "admin": {"nb": "registerets administrator", "en": "the registry's administrator"},
    "system": {"nb": "registeret selv", "en": "the registry itself"},
    "population_register": {"nb": "Folkeregisteret", "en": "the population register"},
    # The insight page names the service itself where it knows it (registry/insight/pages.py).
    "service": {"nb": "en bibliotektjeneste", "en": "a library service"},
}

_PROOF_SUFFIX = re.compile(r"^(?P<purpose>.*?) \((?:proof: (?P<kind>[a-z_]+)|(?P<presence>proof of presence))\)$")


def purpose_words(purpose: str, language: Language) -> str:
    """The purpose in the page's language; a library's own words are shown as it sent them."""
    proof: str | None = None
    matched = _PROOF_SUFFIX.match(purpose)
    if matched:
        purpose, proof = matched["purpose"], matched["kind"] or matched["presence"]
    words = PURPOSES[purpose][language] if purpose in PURPOSES else purpose
    if proof is None:
        return words
    return f"{words} ({PROOFS[proof][language] if proof in PROOFS else proof})"


def actor_words(
    actor: str, library_id: str | None, language: Language, library_names: Callable[[str, Language], str]
) -> str:
    """A library by its display name; the registry's own people by their role, never their account name."""
    if library_id:
        return library_names(library_id, language)
    kind = actor_kind(actor)
    return ACTORS[kind][language] if kind in ACTORS else actor


def actor_kind(actor: str) -> str:
    """``library`` of ``library:asker``; a recorded actor without a colon is its own kind (``patron``)."""
    return actor.split(":", 1)[0]
