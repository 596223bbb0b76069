"""The policy's ``[invoices]`` and ``[cards] barcode`` settings: the shipped values, and mistakes named by field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from local_library.policy import PolicyError, load_builtin_policy, load_policy


def test_the_shipped_policies_kid_settings() -> None:
    asker, sandnes = load_builtin_policy("asker"), load_builtin_policy("sandnes")
    assert (asker.invoices.kid_library_number, asker.invoices.kid_check) == ("3203", "mod10")
    assert (sandnes.invoices.kid_library_number, sandnes.invoices.kid_check) == ("1108", "mod11")
    assert asker.cards.barcode == sandnes.cards.barcode == "code128"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('kid_library_number = "3203"', 'kid_library_number = "32"', "invoices.kid_library_number: must be four"),
        ('kid_library_number = "3203"', "kid_library_number = 3203", "invoices.kid_library_number: Input should"),
        ('kid_check = "mod10"', 'kid_check = "luhn"', "invoices.kid_check: Input should be 'mod10' or 'mod11'"),
        ("guardian_liable_under = 18", 'guardian_liable_under = 18\nbarcode = "qr"', "cards.barcode: Input should"),
    ],
)
def test_a_wrong_setting_is_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = resources.files("local_library.policy").joinpath("asker.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "asker.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert expected in str(caught.value)
