"""The control-character rule (plumbing.text), as properties over arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from plumbing.text import PlainTextModel

FORBIDDEN_ALWAYS = [chr(code) for code in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]]
LINE_BREAKS = ["\t", "\n", "\r"]
SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)


class Person(PlainTextModel):
    multiline_fields = frozenset({"address"})

    name: str
    nicknames: tuple[str, ...] = ()
    address: str = ""


# Text as people type it: letters, digits, punctuation, symbols and spaces from any script.
typed_text = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]))


@given(typed_text, typed_text)
def test_text_without_control_characters_is_accepted(name: str, address: str) -> None:
    person = Person(name=name, nicknames=(name,), address=f"{address}\r\n{address}\t")
    assert person.name == name


@given(typed_text, st.sampled_from(FORBIDDEN_ALWAYS + LINE_BREAKS) | SURROGATES, typed_text)
def test_a_control_character_anywhere_in_a_single_line_field_is_refused(
    before: str, character: str, after: str
) -> None:
    for fields in ({"name": before + character + after}, {"name": "x", "nicknames": ["y", before + character]}):
        with pytest.raises(ValidationError) as refused:
            Person.model_validate(fields)
        assert [error["type"] for error in refused.value.errors()] == ["control_character"]


@given(st.sampled_from(FORBIDDEN_ALWAYS) | SURROGATES)
def test_a_multi_line_field_takes_line_breaks_but_no_other_control_character(character: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Person(name="x", address=f"Vei 1\n{character}")
    assert [error["type"] for error in refused.value.errors()] == ["control_character"]
