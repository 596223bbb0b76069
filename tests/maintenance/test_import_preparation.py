"""What the import's worker processes hand back: rows encrypted exactly like a registration, every nonce fresh."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import uuid

import pytest

from registry.bulk_import import importer
from registry.crypto.envelope import FieldCipher, Randomness, blind_index, unwrap_data_key
from registry.patrons import store
from registry_contract.national_id import generate_synthetic_national_ids
from tests.crypto.test_envelope import make_keyring

KEYRING = make_keyring()
NONCE_SIZE = 12


def _document(national_id: str, number: int) -> dict[str, object]:
    return {
        "national_id": national_id,
        "name": f"Åse Testperson {number}",
        "addresses": [{"lines": [f"Elveveien {number}", "c/o Strøm"], "postal_code": "1383", "city": "Asker"}],
        "phone_numbers": [f"+47 400{number:05d}"],
        "email": f"ase{number}@example.org",
        "preferred_contact": "email",
        "libraries": ["asker", "sandnes"],
        "home_library": "sandnes",
    }


def _prepare(documents: list[dict[str, object]]) -> list[importer._Outcome]:
    preparation = importer._Preparation(KEYRING, allow_synthetic=True, default_library=None)
    # Both spellings of a JSON line: as Python writes it (non-ASCII escaped) and as UTF-8 text.
    records: list[tuple[int, dict[str, object] | str]] = [
        (number, json.dumps(document, ensure_ascii=number % 2 == 0))
        for number, document in enumerate(documents, start=1)
    ]
    return preparation.prepare(records)


def test_a_batch_decrypts_to_its_input_and_no_random_value_repeats() -> None:
    ids = list(generate_synthetic_national_ids(300, seed=15))
    outcomes = _prepare([_document(national_id, number) for number, national_id in enumerate(ids)])
    seen: list[bytes] = []
    for number, (outcome, national_id) in enumerate(zip(outcomes, ids, strict=True)):
        assert not isinstance(outcome, importer.RowError)
        line, index, pin, values, libraries = outcome
        assert (line, index, pin, libraries) == (
            number + 1,
            blind_index(KEYRING, national_id),
            None,
            ("asker", "sandnes"),
        )
        assert len(values) == len(store.IMPORT_COLUMNS) - 2
        # Plain values only (they cross a process boundary, where objects cost more to pickle than to make).
        assert {type(value) for value in values} <= {str, bytes, int, type(None)}
        row = dict(zip(store.IMPORT_COLUMNS, (*values, None, None), strict=True))
        assert row["home_library"] == "sandnes"
        patron_id = uuid.UUID(row["patron_id"])
        assert patron_id.version == 4
        data_key = unwrap_data_key(KEYRING, row["wrapped_data_key"], patron_id)
        cipher = FieldCipher(data_key, patron_id)
        assert cipher.decrypt("national_id", row["national_id_ciphertext"]) == national_id
        assert cipher.decrypt("name", row["name_ciphertext"]) == f"Åse Testperson {number}"
        assert cipher.decrypt_json("addresses", row["addresses_ciphertext"]) == [
            {"lines": [f"Elveveien {number}", "c/o Strøm"], "postal_code": "1383", "city": "Asker", "country": "NO"}
        ]
        seen += [patron_id.bytes, data_key, row["wrapped_data_key"][5 : 5 + NONCE_SIZE]]
        seen += [
            value[1 : 1 + NONCE_SIZE]
            for column, value in row.items()
            if column.endswith("_ciphertext") and value is not None
        ]
    assert len(seen) == len(set(seen))
    # Two batches draw their own randomness too.
    again = _prepare([_document(ids[0], 0)])[0]
    assert not isinstance(again, importer.RowError)
    assert again[3][0] != outcomes[0][3][0]  # type: ignore[index]


def test_a_control_character_is_refused_whichever_way_the_line_spells_it() -> None:
    ids = list(generate_synthetic_national_ids(3, seed=16))
    preparation = importer._Preparation(KEYRING, allow_synthetic=True, default_library=None)
    lines = [
        json.dumps(_document(ids[0], 1) | {"name": "Ola\u0085Nordmann"}, ensure_ascii=False),
        json.dumps(_document(ids[1], 2) | {"email": "ola\u0000@example.org"}),
        json.dumps(_document(ids[2], 3)).replace("Elveveien 3", "Elveveien\\u001B3"),
    ]
    outcomes = preparation.prepare(list(enumerate(lines, start=1)))
    assert [(outcome.line, outcome.code) for outcome in outcomes if isinstance(outcome, importer.RowError)] == [
        (1, "row_invalid"),
        (2, "row_invalid"),
        (3, "row_invalid"),
    ]
    assert all(
        "control characters" in outcome.message for outcome in outcomes if isinstance(outcome, importer.RowError)
    )


def test_randomness_hands_out_each_byte_once_and_is_never_copied() -> None:
    randomness = Randomness(64)
    slices = [randomness.take(16) for _ in range(4)]
    assert len(set(slices)) == 4
    with pytest.raises(ValueError, match="used up"):
        randomness.take(1)
    for duplicate in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError):
            duplicate(Randomness(16))


def test_an_import_row_holds_what_a_registration_row_of_the_same_patron_holds() -> None:
    national_id = next(generate_synthetic_national_ids(1, seed=17))
    fields = store.PersonalFields(
        national_id=national_id, birth_date=dt.date(1990, 1, 1), gender="female", name="Kari Åsen", addresses=[],
        phone_numbers=["+47 40000001"], email=None, preferred_contact="sms",
    )  # fmt: skip
    values = store.new_patron_values(
        KEYRING, Randomness(store.PATRON_RANDOM_BYTES), national_id_index=b"i" * 32, fields=fields, home_library="asker"
    )
    imported = dict(zip(store.IMPORT_COLUMNS, (*values, 1234, "hash"), strict=True))
    registered = store.build_patron_row(
        KEYRING, national_id_index=b"i" * 32, card_serial=1234, fields=fields, home_library="asker", pin_hash="hash"
    ).as_tuple()
    assert set(store.IMPORT_COLUMNS) == set(store.INSERT_COLUMNS)
    for column, theirs in zip(store.INSERT_COLUMNS, registered, strict=True):
        mine = imported[column]
        if column == "patron_id":
            assert uuid.UUID(mine).version == theirs.version == 4
        elif column.endswith("_ciphertext") or column == "wrapped_data_key":
            # The same plaintext under a fresh key and nonces: the same length, other bytes.
            assert (mine is None) == (theirs is None), column
            assert mine is None or (len(mine) == len(theirs) and mine != theirs), column
        else:
            assert mine == theirs, column
