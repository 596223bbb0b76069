"""The patron pages' forms: from posted fields to the domain's request models, refusals to words at the field
they are about, and the HTML of labelled inputs with their errors.

A form's problem is shown twice: in a summary at the top (``role="alert"``, so a screen reader hears it) and
next to the input it is about (``aria-describedby``, ``aria-invalid``). Pydantic's errors are mapped by field
and kind, the domain's refusals by code (``patron_texts``); a code without words falls back to a generic text
that names the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from pydantic import ValidationError

from plumbing.errors import DomainError
from plumbing.web.site import Form

from . import patron_texts  # noqa: F401 - registers the patron pages' words
from .pages import DeskContext
from .texts import TEXTS, Language, text

# The form field a domain refusal is about (refusals about no one field are shown in the summary only).
CODE_FIELDS: Mapping[str, str] = {
    "guardian_required": "guardian_name",
    "agreement_in_future": "signed_on",
    "agreement_date_invalid": "signed_on",
    "birth_date_in_future": "birth_date",
    "birth_date_and_gender_required": "birth_date",
    "pin_format": "pin",
    "pin_too_simple": "pin",
    "pins_differ": "pin_again",
    "confirmation_required": "confirm",
    "national_id_format": "national_id",
    "national_id_checksum": "national_id",
    "national_id_date": "national_id",
    "national_id_synthetic_not_allowed": "national_id",
    "national_id_birth_date_mismatch": "national_id",
    "national_id_already_registered": "national_id",
    "contact_method_unreachable": "preferred_contact",
    "address_in_norway_required": "postal_address",
    "pin_invalid": "presence_pin",
    "pin_locked": "presence_pin",
    "pin_attempts_throttled": "presence_pin",
    "pin_not_set": "presence_pin",
    "patron_presence_required": "presence_pin",
    "card_replaced": "card_number",
    "card_upgraded": "card_number",
    "card_erased": "card_number",
    "card_opted_out": "card_number",
    "card_unlinked": "card_number",
    "patron_not_found": "card_number",
}
"""``presence_pin`` stands for whichever field of the form holds the PIN the patron types to show presence."""

# How a posted field's name relates to the model's location of an error (``loc`` joined by dots).
_LOCATIONS: Mapping[str, str] = {
    "guardian.name": "guardian_name",
    "guardian.contact": "guardian_contact",
    "addresses.0.lines.0": "address_line",
    "addresses.0.lines": "address_line",
    "addresses.0.postal_code": "postal_code",
    "addresses.0.city": "city",
    "phone_numbers.0": "phone",
    "institution_name": "institution_name",
    "new_pin": "pin",
}
# Field-specific words for a value in the wrong format.
_FORMAT_KEYS: Mapping[str, str] = {
    "email": "field_email",
    "phone": "field_phone",
    "postal_code": "field_postal_code",
    "card_number": "field_card",
    "national_id": "code_national_id_format",
    "pin": "code_pin_format",
    "birth_date": "field_date",
}


@dataclass
class FormState:
    """What a form shows: the values typed (secrets never among them), and problems by field and overall."""

    values: Mapping[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    """Field name to the words shown next to it."""
    message: str | None = None

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def refusal_text(code: str, language: Language, **values: object) -> str:
    key = f"code_{code}"
    if key in TEXTS:
        return text(key, language, **values)
    return text("code_unknown", language, code=code)


def from_domain_error(
    error: DomainError, form: Form, language: Language, *, presence_pin: str = "pin", **values: object
) -> FormState:
    """The form again with the refusal in words, next to its field when it is about one."""
    words = refusal_text(error.code, language, **values)
    name = CODE_FIELDS.get(error.code)
    if name == "presence_pin":
        name = presence_pin
    return FormState(values=form, errors={name: words} if name else {}, message=words)


def from_validation_error(error: ValidationError, form: Form, language: Language, **values: object) -> FormState:
    """The form again with each problem pydantic found next to its field (the input itself is never echoed)."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"])
        name = _LOCATIONS.get(location, location.split(".")[0] if location else "preferred_contact")
        if name in errors:
            continue
        errors[name] = _problem_words(name, problem["type"], location, language, **values)
    return FormState(values=form, errors=errors, message=text("code_validation", language))


def _problem_words(name: str, kind: str, location: str, language: Language, **values: object) -> str:
    if not location:  # a check of the whole model: the contact method that has nothing to reach
        return refusal_text("contact_method_unreachable", language)
    if kind in {"missing", "string_too_short"}:
        return text("field_missing", language)
    if kind == "string_too_long":
        return text("field_too_long", language)
    if kind.startswith("date") or kind in {"string_pattern_mismatch", "value_error"}:
        key = _FORMAT_KEYS.get(name)
        if key is not None:
            return text(key, language, **values)
    return text("field_invalid", language)


def present(form: Mapping[str, str], *names: str) -> dict[str, str]:
    """The named fields that were filled in (stripped), so an empty box means "not given" to the model."""
    return {name: form[name].strip() for name in names if form.get(name, "").strip()}


def address_from(form: Mapping[str, str]) -> list[dict[str, Any]] | None:
    """The structured address of a national record, if any part of it was typed; None if none was."""
    parts = present(form, "address_line", "postal_code", "city")
    if not parts:
        return None
    return [{"lines": [parts.get("address_line", "")], "postal_code": parts.get("postal_code", ""),
             "city": parts.get("city", "")}]  # fmt: skip


def guardian_from(form: Mapping[str, str]) -> dict[str, str] | None:
    parts = present(form, "guardian_name", "guardian_contact")
    if not parts:
        return None
    return {"name": parts.get("guardian_name", ""), "contact": parts.get("guardian_contact", "")}


# HTML.

_INVALID = ' aria-invalid="true"'


def errors_summary(ctx: DeskContext, state: FormState) -> str:
    if state.message is None:
        return ""
    items = "".join(f"<li>{escape(words)}</li>" for words in dict.fromkeys(state.errors.values()))
    listed = f"<ul>{items}</ul>" if items and list(state.errors.values()) != [state.message] else ""
    return f'<div class="message" role="alert"><p>{escape(state.message)}</p>{listed}</div>'


def text_input(
    ctx: DeskContext, state: FormState, name: str, label_key: str, *, kind: str = "text", attributes: str = "",
    hint: str | None = None, value: str | None = None, label_values: Mapping[str, object] | None = None,
) -> str:  # fmt: skip
    """A labelled input with its hint and error tied to it (``aria-describedby``); ``attributes`` is HTML."""
    shown = state.value(name) if value is None else value
    described, after = _described(name, state, hint)
    invalid = _INVALID if name in state.errors else ""
    label = ctx.t(label_key, **(label_values or {}))
    return (
        f'<label for="{name}">{label}</label>'
        f'<input id="{name}" name="{name}" type="{kind}" value="{escape(shown)}"{described}{invalid} {attributes}>'
        f"{after}"
    )


def pin_input(ctx: DeskContext, state: FormState, name: str, label_key: str, *, hint: str | None = None,
              required: bool = True) -> str:  # fmt: skip
    """A PIN box: never filled in again after a refused post, never remembered by the browser."""
    needed = " required" if required else ""
    return text_input(
        ctx, state, name, label_key, kind="password", value="", hint=hint,
        attributes=f'inputmode="numeric" autocomplete="off" maxlength="16"{needed}',
    )  # fmt: skip


def contact_select(ctx: DeskContext, state: FormState, current: str | None = None) -> str:
    chosen = state.value("preferred_contact") or current or "email"
    options = "".join(
        f'<option value="{method}"{" selected" if method == chosen else ""}>{ctx.t(f"contact_{method}")}</option>'
        for method in ("email", "sms", "letter")
    )
    described, after = _described("preferred_contact", state, None)
    invalid = _INVALID if "preferred_contact" in state.errors else ""
    return (
        f'<label for="preferred_contact">{ctx.t("preferred_contact")}</label>'
        f'<select id="preferred_contact" name="preferred_contact"{described}{invalid}>{options}</select>{after}'
    )


def gender_select(ctx: DeskContext, state: FormState) -> str:
    """Gender for a national ID issued under the 2032 rules, which does not encode it; empty: from the number."""
    chosen = state.value("gender") or ""
    options = "".join(
        f'<option value="{value}"{" selected" if value == chosen else ""}>{ctx.t(key)}</option>'
        for value, key in (("", "gender_from_number"), ("female", "gender_female"), ("male", "gender_male"))
    )
    described, after = _described("gender", state, None)
    invalid = _INVALID if "gender" in state.errors else ""
    return (
        f'<label for="gender">{ctx.t("gender")}</label>'
        f'<select id="gender" name="gender"{described}{invalid}>{options}</select>{after}'
    )


def checkbox(ctx: DeskContext, state: FormState, name: str, label_key: str) -> str:
    described, after = _described(name, state, None)
    invalid = _INVALID if name in state.errors else ""
    return (
        f'<p><input type="checkbox" id="{name}" name="{name}" value="yes"{described}{invalid} required> '
        f'<label class="inline" for="{name}">{ctx.t(label_key)}</label></p>{after}'
    )


def _described(name: str, state: FormState, hint: str | None) -> tuple[str, str]:
    ids, after = [], ""
    if hint:
        ids.append(f"{name}_hint")
        after += f'<p class="hint" id="{name}_hint">{escape(hint)}</p>'
    if name in state.errors:
        ids.append(f"{name}_error")
        after += f'<p class="field-error" id="{name}_error">{escape(state.errors[name])}</p>'
    return (f' aria-describedby="{" ".join(ids)}"' if ids else ""), after


def form(ctx: DeskContext, action: str, fields: Iterable[str], button: str) -> str:
    """A posting form with the CSRF token, the fields (HTML) and one submit button (plain text).

    After a refused post the focus starts at the first field in error (the page's own first field otherwise),
    so the keyboard lands where the correction is needed.
    """
    inputs = "\n".join(fields)
    if _INVALID in inputs:
        inputs = inputs.replace(" autofocus", "").replace(_INVALID, f"{_INVALID} autofocus", 1)
    return (
        f'<form method="post" action="{escape(action)}" novalidate>{ctx.hidden_fields()}\n'
        + inputs
        + f'\n<p><button type="submit">{escape(button)}</button></p></form>'
    )


def with_values(state: FormState, values: Mapping[str, Any]) -> FormState:
    """A fresh form state showing ``values`` (from the stored patron) where nothing was typed."""
    merged = {name: "" if value is None else str(value) for name, value in values.items()}
    return FormState(values={**merged, **state.values}, errors=state.errors, message=state.message)
