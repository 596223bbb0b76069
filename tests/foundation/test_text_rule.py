"""The control-character rule (plumbing.text), as properties over arbitrary text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from plumbing.text import PlainTextModel, control_characters_checked_in_json, control_characters_checked_in_texts

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


# --- the whole-input check of bulk import (plumbing.text.control_characters_checked_in_json) ----------------


class Imported(PlainTextModel):
    name: str
    lines: tuple[str, ...] = ()


@given(
    typed_text,
    st.sampled_from(FORBIDDEN_ALWAYS + LINE_BREAKS) | SURROGATES,
    typed_text,
    st.booleans(),
    st.booleans(),
)
def test_json_whose_strings_hold_a_control_character_is_never_passed_as_checked(
    before: str, character: str, after: str, ascii_only: bool, in_list: bool
) -> None:
    text = before + character + after
    document = {"name": "x", "lines": [text]} if in_list else {"name": text}
    # However the file spells it: escaped (any case of the hex digits) or, where JSON allows, as it is.
    encoded = json.dumps(document, ensure_ascii=ascii_only)
    for spelling in (encoded, encoded.upper().replace('"NAME"', '"name"').replace('"LINES"', '"lines"')):
        try:
            decoded = json.loads(spelling)
        except json.JSONDecodeError:
            continue
        context = control_characters_checked_in_json(spelling)
        assert context is None
        with pytest.raises(ValidationError) as refused:
            Imported.model_validate(decoded, context=context)
        assert "control_character" in [error["type"] for error in refused.value.errors()]


@given(typed_text, st.booleans())
def test_json_without_control_characters_is_checked_whole_and_validates(name: str, ascii_only: bool) -> None:
    encoded = json.dumps({"name": name, "lines": [name, "Vei 1"]}, ensure_ascii=ascii_only)
    context = control_characters_checked_in_json(encoded)
    if "\\" not in json.dumps(name, ensure_ascii=ascii_only)[1:-1]:
        assert context is not None  # the whole-input check let the per-field check step aside
    assert Imported.model_validate(json.loads(encoded), context=context).name == name


def test_only_the_checked_context_of_plumbing_text_switches_the_per_field_check_off() -> None:
    look_alike = {"control_characters_checked": True}
    with pytest.raises(ValidationError):
        Imported.model_validate({"name": "a\x00b"}, context=look_alike)


@given(st.lists(typed_text), st.sampled_from(FORBIDDEN_ALWAYS + LINE_BREAKS) | SURROGATES)
def test_texts_checked_whole_hold_no_control_character(texts: list[str], character: str) -> None:
    assert control_characters_checked_in_texts(texts) is not None
    assert control_characters_checked_in_texts([*texts, f"a{character}"]) is None
