"""The catalogue: items of the policy's material types, imported from CSV once, bad rows reported by line."""

from __future__ import annotations

import pytest

from local_library.catalogue.importing import import_items_csv
from local_library.catalogue.queries import item_by_barcode
from local_library.policy import LibraryPolicy
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError

CSV = """barcode,title,material,audience,purchase_price_ore
A-1001,Sult,book,adult,34900
A-1002,Pelle og Proffen,book,child,
A-1003,Kon-Tiki,film,adult,19900
A-1004,Ukjent,sculpture,adult,100
A-1005,,book,adult,100
A-1006,Markens grøde,book,elderly,100
A-1001,Sult igjen,book,adult,100
A-1007,Kort lån,quick_loan_book,adult,-5
"""


async def test_import_loads_good_rows_and_reports_bad_ones_by_line(
    conn: DbConnection, asker_policy: LibraryPolicy
) -> None:
    report = await import_items_csv(conn, asker_policy, CSV)

    assert (report.added, report.already_present) == (3, 0)
    assert [problem.line for problem in report.problems] == [5, 6, 7, 8, 9]
    assert "sculpture" in report.problems[0].message
    assert "A-1001" in report.problems[3].message
    film = await item_by_barcode(conn, "A-1003")
    assert (film.material, film.audience, film.purchase_price_ore) == ("film", "adult", 19900)
    assert (await item_by_barcode(conn, "A-1002")).purchase_price_ore is None


async def test_importing_the_same_file_again_adds_nothing(conn: DbConnection, asker_policy: LibraryPolicy) -> None:
    await import_items_csv(conn, asker_policy, CSV)
    again = await import_items_csv(conn, asker_policy, CSV)
    assert (again.added, again.already_present) == (0, 3)
    assert await conn.fetchval("SELECT count(*) FROM items") == 3


async def test_quick_loans_are_asker_material_not_sandnes(
    conn: DbConnection, asker_policy: LibraryPolicy, sandnes_policy: LibraryPolicy
) -> None:
    text = "barcode,title,material,audience,purchase_price_ore\nQ-1,Hurtig,quick_loan_book,adult,10000\n"
    assert (await import_items_csv(conn, sandnes_policy, text)).problems[0].line == 2
    assert (await import_items_csv(conn, asker_policy, text)).added == 1


async def test_a_file_without_the_columns_is_refused(conn: DbConnection, asker_policy: LibraryPolicy) -> None:
    with pytest.raises(DomainError) as refused:
        await import_items_csv(conn, asker_policy, "barcode,title\nX-1,Sult\n")
    assert refused.value.code == "csv_header"


async def test_author_and_isbn_columns_are_optional_and_checked(
    conn: DbConnection, asker_policy: LibraryPolicy
) -> None:
    text = (
        "barcode,title,material,audience,purchase_price_ore,author,isbn\n"
        "H-1,Sult,book,adult,,Knut Hamsun,9788205000000\n"
        "H-2,Pan,book,adult,,,\n"
        "H-3,Victoria,book,adult,,Knut Hamsun,978-82\n"
    )
    report = await import_items_csv(conn, asker_policy, text)
    assert (report.added, [problem.line for problem in report.problems]) == (2, [4])
    sult, pan = await item_by_barcode(conn, "H-1"), await item_by_barcode(conn, "H-2")
    assert (sult.author, sult.isbn) == ("Knut Hamsun", "9788205000000")
    assert (pan.author, pan.isbn) == (None, None)
