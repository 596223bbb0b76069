"""The words of the staff desk in Norwegian bokmål and English: one dict per key, ``{"nb": …, "en": …}``.

Each part of the desk keeps its words in a table of its own (``TEXTS`` here for the frame, login and
circulation, ``REGISTRY_TEXTS`` for the registry status page; the patron pages add theirs with
:func:`add_texts`), all looked up through :func:`text`. Dates and money are written as on Min side.
"""

from __future__ import annotations

from collections.abc import Mapping

from plumbing.web.language import LANGUAGES, Language

__all__ = ["LANGUAGES", "Language", "add_texts", "text"]

Words = dict[Language, str]

TEXTS: dict[str, Words] = {
    "site_title": {"nb": "Skranken", "en": "Staff desk"},
    "language": {"nb": "English", "en": "Norsk (bokmål)"},
    "skip": {"nb": "Hopp til innholdet", "en": "Skip to content"},
    "nav": {"nb": "Hovedmeny", "en": "Main menu"},
    "nav_circulation": {"nb": "Utlån", "en": "Circulation"},
    "nav_patrons": {"nb": "Lånere", "en": "Patrons"},
    "nav_registry": {"nb": "Registerstatus", "en": "Registry status"},
    "nav_interlibrary": {"nb": "Fjernlån", "en": "Interlibrary loans"},
    "logged_in_as": {"nb": "Innlogget: {username} ({role})", "en": "Logged in: {username} ({role})"},
    "role_desk": {"nb": "skranke", "en": "desk"},
    "role_admin": {"nb": "administrator", "en": "admin"},
    "back": {"nb": "Tilbake", "en": "Back"},
    # Logging in and out.
    "login_heading": {"nb": "Logg inn i skranken", "en": "Log in to the staff desk"},
    "login_intro": {
        "nb": "Logg inn med brukernavnet og passordet ditt som ansatt ved {library}.",
        "en": "Log in with your staff username and password at {library}.",
    },
    "username": {"nb": "Brukernavn", "en": "Username"},
    "password": {"nb": "Passord", "en": "Password"},
    "log_in": {"nb": "Logg inn", "en": "Log in"},
    "log_out": {"nb": "Logg ut", "en": "Log out"},
    "logged_out": {"nb": "Du er logget ut.", "en": "You are logged out."},
    "session_expired": {"nb": "Økten er utløpt. Logg inn igjen.", "en": "Your session has expired. Log in again."},
    "form_expired": {
        "nb": "Skjemaet er utløpt eller kom ikke fra denne siden. Prøv igjen.",
        "en": "The form has expired or did not come from this page. Please try again.",
    },
    "missing_fields": {"nb": "Fyll inn både brukernavn og passord.", "en": "Fill in both username and password."},
    "login_failed": {"nb": "Feil brukernavn eller passord.", "en": "Wrong username or password."},
    "login_malformed": {"nb": "Feil brukernavn eller passord.", "en": "Wrong username or password."},
    "too_many_attempts": {
        "nb": "For mange innloggingsforsøk. Vent {seconds} sekunder og prøv igjen.",
        "en": "Too many login attempts. Wait {seconds} seconds and try again.",
    },
    "admin_required": {
        "nb": "Dette krever en ansattkonto med administratorrollen.",
        "en": "This needs a staff account with the admin role.",
    },
    "not_found_page": {"nb": "Siden finnes ikke.", "en": "There is no such page."},
    # The patron pages (filled in by the patron pages module).
    "patrons_heading": {"nb": "Lånere", "en": "Patrons"},
}


def add_texts(words: Mapping[str, Words]) -> None:
    """Add a part's words to the desk's table; a key may be defined once only, so no part silently
    rewords another's."""
    clash = sorted(set(words) & set(TEXTS))
    if clash:
        raise ValueError(f"desk text keys defined twice: {clash}")
    TEXTS.update(words)


def text(key: str, language: Language, **values: object) -> str:
    words = TEXTS[key][language]
    return words.format(**values) if values else words
