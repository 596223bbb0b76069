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
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final

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


# Whether a JSON text may decode to a string holding a refused character. The JSON parser itself refuses a raw
# C0 control inside a string, so only two things can bring one in: an escape that stands for a C0 control,
# DEL, a C1 control or a surrogate (\b \f \n \r \t, \u0000-\u001f, \u007f-\u009f, \ud800-\udfff, any case),
# or a raw DEL or C1 control (or a lone surrogate, which no text read as UTF-8 holds). Over-matching (an
# escaped backslash before an "n", a surrogate pair) only sends the text through the full per-field check.
_JSON_MAY_HOLD_CONTROL_CHARACTER = re.compile(
    r"\\[bfnrt]|\\u00[0-1][0-9a-fA-F]|\\u007[fF]|\\u00[89][0-9a-fA-F]|\\u[dD][89a-fA-F]|[\x7f-\x9f\ud800-\udfff]"
)

# The validation context saying "no text of this input holds a control character": the per-field check then
# has nothing to find and steps aside. Only the two functions below hand it out, after checking the whole input
# in one pass; it is compared by identity, so no other context can switch the check off.
_CHECKED: Final[dict[str, bool]] = {"control_characters_checked": True}


def control_characters_checked_in_json(text: str) -> dict[str, bool] | None:
    """The validation context for a model validated from the decoded ``text``: one that skips the per-field
    check when no string in it can hold a control character (one regular-expression pass over the text instead
    of a Python call per field and per string), None when the fields must be checked one by one."""
    if text.isascii() and "\\" not in text and "\x7f" not in text:  # the common case, in three quick scans
        return _CHECKED
    return None if _JSON_MAY_HOLD_CONTROL_CHARACTER.search(text) else _CHECKED


def control_characters_checked_in_texts(texts: Iterable[str]) -> dict[str, bool] | None:
    """As :func:`control_characters_checked_in_json`, for input given as its strings (every one of them)."""
    return None if has_control_character("".join(texts)) else _CHECKED


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
    Validated with the context of :func:`control_characters_checked_in_json` (bulk import), the input was
    already checked whole and the per-field check is skipped.
    """

    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context is _CHECKED:
            return value
        if _any_control_character(value, multiline=info.field_name in cls.multiline_fields):
            raise control_character_error()
        return value
