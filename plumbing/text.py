"""Which characters a text field may hold: the one rule both services apply to every text they accept.

PostgreSQL refuses NUL in text (so a NUL that got past validation became a 500 at the node's database, or a
record the registry stored encrypted and no node could apply), and other control characters are never
typed by a person: they hide text in logs and letters, or end up in a database to trip another reader. So
control characters are refused at the model layer, with one error type and one problem code everywhere:

- C0 controls (U+0000 to U+001F) and DEL; a field declared multi-line (a postal address typed in one box)
  may hold tab, line feed and carriage return, a single-line field (a name, a card number) none of them;
- C1 controls (U+0080 to U+009F);
- lone surrogates (U+D800 to U+DFFF), which no UTF-8 text can carry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

CONTROL_CHARACTER = "control_character"
"""The pydantic error type and the problem code of a refused control character, in both services."""

CONTROL_CHARACTER_MESSAGE = "text must not contain control characters"

_SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_character(text: str, *, multiline: bool = False) -> bool:
    """True if ``text`` holds a character the rule above refuses."""
    pattern = _MULTI_LINE_FORBIDDEN if multiline else _SINGLE_LINE_FORBIDDEN
    return pattern.search(text) is not None


def _any_control_character(value: object, *, multiline: bool) -> bool:
    # Raw input before field validation: strings, lists of them, or nested objects not yet models.
    if isinstance(value, str):
        return has_control_character(value, multiline=multiline)
    if isinstance(value, Mapping):
        return any(_any_control_character(item, multiline=multiline) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_any_control_character(item, multiline=multiline) for item in value)
    return False


def control_character_error() -> PydanticCustomError:
    return PydanticCustomError(CONTROL_CHARACTER, CONTROL_CHARACTER_MESSAGE)


class PlainTextModel(BaseModel):
    """Base of every model that takes text from outside: no field accepts a control character.

    Runs before the field's own validation, so a card number with a NUL is refused as a control character
    rather than as a bad card number. Fields named in ``multiline_fields`` may hold tab and line breaks.
    """

    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if _any_control_character(value, multiline=info.field_name in cls.multiline_fields):
            raise control_character_error()
        return value
