"""Catalogue records and the report of a CSV import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from pydantic import Field, StringConstraints

from local_library.policy import Audience, LibraryPolicy
from local_library.request_model import RequestModel

Barcode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,64}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Author = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Isbn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([0-9]{9}[0-9X]|[0-9]{13})$")]
"""An ISBN-10 or ISBN-13 without hyphens, as catalogues store it."""


class NewItem(RequestModel):
    """An item as staff enter it or a CSV row gives it; prices are whole øre."""

    barcode: Barcode
    title: Title
    material: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    audience: Audience
    purchase_price_ore: int | None = Field(default=None, ge=0, le=10_000_000)
    author: Author | None = None
    isbn: Isbn | None = None

    def check_against(self, policy: LibraryPolicy) -> None:
        """Refuse a material type the library's policy does not lend (``unknown_material``)."""
        policy.material(self.material)


class Item(NewItem):
    item_id: int


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass
class ImportReport:
    """What a CSV import did: rows added now, rows whose barcode was already there, and refused rows by line."""

    added: int = 0
    already_present: int = 0
    problems: list[RowProblem] = field(default_factory=list)
