"""What every page of a library node writes the same way, for patrons (Min side) and staff (the desk) alike:
the library's name, item types, dates and times in the library's time zone, money, and the form's hidden fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from html import escape

from local_library.policy import LibraryPolicy
from plumbing.web.language import Language
from plumbing.web.pages import hidden_form_fields
from plumbing.web.times import format_date, format_datetime


def format_money(amount_ore: int, language: Language) -> str:
    """NOK with two decimals; Norwegian writes a decimal comma ("kr 450,00"), English a point ("NOK 450.00")."""
    kroner, ore = divmod(amount_ore, 100)
    return f"kr {kroner},{ore:02d}" if language == "nb" else f"NOK {kroner}.{ore:02d}"


@dataclass(frozen=True)
class LibraryPageContext:
    """What every page of the node needs besides its data; each site adds its own words (``t``)."""

    language: Language
    policy: LibraryPolicy
    csrf: str
    zone: tzinfo
    here: str
    """The page's own GET path, for the language switch (a page shown after a POST must not link to the POST)."""

    @property
    def library_name(self) -> str:
        return self.policy.name.nb if self.language == "nb" else self.policy.name.en

    def hidden_fields(self) -> str:
        return hidden_form_fields(self.csrf, self.language)

    def material(self, material: str) -> str:
        known = self.policy.materials.get(material)
        if known is None:  # an item type the policy has since dropped: show the stored name rather than fail
            return escape(material)
        return escape(known.name.nb if self.language == "nb" else known.name.en)

    def date(self, value: date | None) -> str:
        return escape(format_date(value, self.language))

    def datetime(self, value: datetime | None) -> str:
        return escape(format_datetime(value, self.language, self.zone))

    def money(self, amount_ore: int) -> str:
        return escape(format_money(amount_ore, self.language))
