"""The wire models and the store follow the one declaration of the permitted fields (BRIEF §2.1).

A field added to the record, a request or the encrypted columns without being declared in
``registry_contract.permitted_fields`` fails here; so does a declared field the record forgets.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import uuid

from pydantic import BaseModel

from registry.crypto.keyring import KeyRing
from registry.patrons import store
from registry_contract import models, permitted_fields
from registry_contract.models import PostalAddress
from registry_contract.permitted_fields import PERMITTED_FIELDS, Storage


def _names(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_the_declaration_lists_the_twelve_fields_of_the_privacy_statement() -> None:
    assert [field.statement_item for field in PERMITTED_FIELDS] == list(range(1, 13))
    assert len({field.name for field in PERMITTED_FIELDS}) == 12


def test_the_record_holds_exactly_the_permitted_fields_that_leave_the_registry() -> None:
    shown = {field.record_field for field in PERMITTED_FIELDS if field.record_field is not None}
    assert _names(models.PatronRecord) == shown | set(permitted_fields.TECHNICAL_RECORD_FIELDS)


def test_the_national_id_never_leaves_the_registry() -> None:
    national_id = permitted_fields.by_name("national_id")
    assert national_id.record_field is None
    assert national_id.storage is Storage.ENCRYPTED_WITH_BLIND_INDEX


def test_requests_carry_only_permitted_fields() -> None:
    permitted = {field.name for field in PERMITTED_FIELDS}
    technical = set(permitted_fields.TECHNICAL_RECORD_FIELDS)
    for model in (models.RegisterPatron, models.ContactUpdate, models.ContactFields, models.PatronPreview):
        assert _names(model) <= permitted | technical, model.__name__


def test_the_store_encrypts_exactly_the_fields_declared_encrypted() -> None:
    encrypted = {
        field.name
        for field in PERMITTED_FIELDS
        if field.storage in {Storage.ENCRYPTED, Storage.ENCRYPTED_WITH_BLIND_INDEX}
    }
    assert set(store.ENCRYPTED_COLUMNS) == encrypted
    assert {field.name for field in dataclasses.fields(store.PersonalFields)} == encrypted


def test_every_declared_patrons_column_is_written_at_registration() -> None:
    # Columns with a default (version, counters, times) are technical; every permitted one is written.
    declared = {column.name for field in PERMITTED_FIELDS for column in field.columns if column.table == "patrons"}
    assert declared <= set(store.INSERT_COLUMNS)


def test_what_is_encrypted_decrypts_to_the_same_record() -> None:
    keyring = KeyRing(
        keks={1: os.urandom(32)},
        blind_index_key=os.urandom(32),
        pin_pepper=os.urandom(32),
        audit_key=os.urandom(32),
        credential_key=os.urandom(32),
    )
    fields = store.PersonalFields(
        national_id="01018012345",
        birth_date=dt.date(1980, 1, 1),
        gender="female",
        name="Kari Nordmann",
        addresses=[PostalAddress(lines=["Storgata 1"], postal_code="0155", city="Oslo")],
        phone_numbers=["+47 912 34 567"],
        email="kari@example.org",
        preferred_contact="sms",
    )
    row = store.build_patron_row(
        keyring, national_id_index=b"i" * 32, card_serial=7, fields=fields, home_library="asker", pin_hash=None
    )
    assert set(row.ciphertexts) == set(store.ENCRYPTED_COLUMNS)
    stored = dict(zip(store.INSERT_COLUMNS, row.as_tuple(), strict=True))
    fetched = {
        **{key: value for key, value in stored.items() if key != "national_id_ciphertext"},
        "libraries": ["asker"],
        "pin_set": False,
        "version": 1,
        "address_source": "library",
    }
    record = store.decrypt_record(keyring, fetched)  # type: ignore[arg-type]  # a mapping stands in for a row
    for field in PERMITTED_FIELDS:
        if field.record_field is not None and field.name in store.ENCRYPTED_COLUMNS:
            assert getattr(record, field.record_field) == getattr(fields, field.name), field.name
    assert record.patron_id == row.patron_id
    assert isinstance(record.patron_id, uuid.UUID)
