"""The registry's HTTP views parse, call one domain function and serialise: SQL lives in the stores.

Read from the source: every string in a view module (``views.py`` anywhere under ``registry/``) that reads
like a statement fails here, so a query written into a view is moved to its domain's store before it ships.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Upper case, as every statement here is written; prose ("select a library from the list") is not SQL.
STATEMENT = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.DOTALL)


def _text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's with each placeholder as ``{}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def statements_in_views(root: Path) -> list[str]:
    """Each string literal of a view module under ``root`` that holds SQL, as 'file:line'."""
    found = set()
    for module in root.rglob("views.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            text = _text(node)
            if text is not None and STATEMENT.search(text):
                found.add(f"{module.relative_to(root.parent)}:{node.lineno}")  # type: ignore[attr-defined]
    return sorted(found)


def test_no_registry_view_holds_sql() -> None:
    assert statements_in_views(REPO / "registry") == []


def test_a_query_written_into_a_view_is_found(tmp_path: Path) -> None:
    views = tmp_path / "registry" / "feed" / "views.py"
    views.parent.mkdir(parents=True)
    views.write_text(
        'async def list_changes(connection):\n    return await connection.fetch(f"SELECT {COLUMNS} FROM change_feed")\n'
        "TITLE = 'select a library from the list'\n",
        encoding="utf-8",
    )
    assert statements_in_views(tmp_path / "registry") == ["registry/feed/views.py:2"]
