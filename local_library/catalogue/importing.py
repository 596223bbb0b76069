"""Loading the catalogue from CSV: every good row once (idempotent by barcode), every bad row reported by line.

The header names the columns: ``barcode,title,material,audience,purchase_price_ore`` (the price may be
empty), and may add ``author`` and ``isbn`` (searched by other libraries' patrons ordering a copy). A bad
row does not stop the import: staff fix the reported lines and import the file again, and the
rows already loaded are recognised by barcode and left alone.
"""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError

from local_library.policy import LibraryPolicy, UnknownMaterialError
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

from .models import ImportReport, NewItem, RowProblem
from .queries import insert_item_if_new

CSV_COLUMNS = ("barcode", "title", "material", "audience", "purchase_price_ore")
OPTIONAL_CSV_COLUMNS = ("author", "isbn")
MAX_IMPORT_ROWS = 100_000


async def import_items_csv(conn: DbConnection, policy: LibraryPolicy, text: str) -> ImportReport:
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise DomainError(
            ErrorKind.INVALID,
            "csv_header",
            f"the CSV header must name the columns {', '.join(CSV_COLUMNS)}; missing: {', '.join(missing)}",
        )
    report = ImportReport()
    seen_in_file: dict[str, int] = {}
    for index, row in enumerate(reader):
        if index >= MAX_IMPORT_ROWS:
            raise DomainError(ErrorKind.INVALID, "csv_too_long", f"at most {MAX_IMPORT_ROWS} rows per import")
        line = reader.line_num
        item = _parse_row(row, line, policy, report)
        if item is None:
            continue
        if item.barcode in seen_in_file:
            message = f"barcode {item.barcode} already appears on line {seen_in_file[item.barcode]}"
            report.problems.append(RowProblem(line, message))
            continue
        seen_in_file[item.barcode] = line
        if await insert_item_if_new(conn, item):
            report.added += 1
        else:
            report.already_present += 1
    return report


def _parse_row(
    row: dict[str | None, str | None], line: int, policy: LibraryPolicy, report: ImportReport
) -> NewItem | None:
    if None in row:
        report.problems.append(RowProblem(line, "more fields than the header names"))
        return None
    values = {column: (row.get(column) or "").strip() for column in CSV_COLUMNS}
    optional = {column: (row.get(column) or "").strip() or None for column in OPTIONAL_CSV_COLUMNS}
    try:
        item = NewItem.model_validate(
            {**values, **optional, "purchase_price_ore": values["purchase_price_ore"] or None}
        )
        item.check_against(policy)
    except ValidationError as error:
        fields = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors(include_url=False, include_input=False)
        )
        report.problems.append(RowProblem(line, fields))
        return None
    except UnknownMaterialError as error:
        report.problems.append(RowProblem(line, error.message))
        return None
    return item
