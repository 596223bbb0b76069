"""Synthetic patrons for the benchmark: import files and raw rows of the same shape.

National IDs are synthetic only (month + 80), so the data can never be a real person's; names, addresses and
contact details are made up from small word lists. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from registry.patrons.store import ENCRYPTED_COLUMNS
from registry_contract.national_id import generate_synthetic_national_ids

FIRST_NAMES = ("Ingrid", "Ola", "Kari", "Nils", "Sigrid", "Lars", "Astrid", "Per", "Solveig", "Knut", "Marit", "Odd")
LAST_NAMES = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Berg")
STREETS = ("Storgata", "Kirkeveien", "Skolegata", "Strandveien", "Parkveien", "Bakkegata", "Elvegata")
CITIES = (("1384", "Asker"), ("4306", "Sandnes"), ("0150", "Oslo"), ("5003", "Bergen"), ("7011", "Trondheim"))
# Typical plaintext bytes of each encrypted field of an imported patron (the columns follow the declaration).
_PLAINTEXT_SIZES = {
    "national_id": 11,
    "birth_date": 10,
    "gender": 6,
    "name": 14,
    "addresses": 70,
    "phone_numbers": 13,
    "email": 30,
    "preferred_contact": 5,
}


def patron_document(national_id: str, rng: random.Random, libraries: Sequence[str]) -> dict[str, Any]:
    """One import row: a national ID plus plausible contact fields, linked to one of ``libraries``."""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    postal_code, city = rng.choice(CITIES)
    library = libraries[int(rng.random() * len(libraries))]
    return {
        "national_id": national_id,
        "name": name,
        "addresses": [{"lines": [f"{rng.choice(STREETS)} {rng.randint(1, 120)}"], "postal_code": postal_code,
                       "city": city}],
        "phone_numbers": [f"+47{rng.randint(40_000_000, 99_999_999)}"],
        "email": f"{name.lower().replace(' ', '.')}{rng.randint(1, 9999)}@example.org",
        "preferred_contact": "email",
        "libraries": [library],
    }  # fmt: skip


def national_ids(count: int, seed: int) -> list[str]:
    return list(generate_synthetic_national_ids(count, seed))


def write_import_file(path: Path, ids: Sequence[str], libraries: Sequence[str], seed: int) -> None:
    """A JSONL file in the format ``natreg registry import`` reads."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for national_id in ids:
            out.write(json.dumps(patron_document(national_id, rng, libraries), separators=(",", ":")))
            out.write("\n")


def raw_patron_records(count: int, first_serial: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """Rows for the raw COPY baseline: the columns and sizes of an imported patron, random bytes for content.

    Sizes follow the envelope format (1 format byte + 12 nonce + text + 16 tag; the wrapped key is 65 bytes),
    so the baseline writes as many bytes per row as the import does.
    """

    rng = random.Random(seed)

    def sealed(size: int) -> bytes:
        return rng.randbytes(29 + size)

    for offset in range(count):
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            rng.randbytes(32),
            first_serial + offset,
            rng.randbytes(65),
            1,
            *(sealed(_PLAINTEXT_SIZES[column]) for column in ENCRYPTED_COLUMNS),
            "bench",
            None,
        )
