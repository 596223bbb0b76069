"""How each service is laid out inside, read from the source: where app keys live, where SQL runs, what domain
code depends on, and where the registry client's errors become the node's.

Each rule is a function from a source tree to its violations, so the rule itself is checked on small trees
(it must find what it is meant to find) and then on the real one (it must find nothing).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "local_library")
QUERY_METHODS = {"fetch", "fetchval", "fetchrow", "execute", "executemany", "copy_records_to_table", "cursor"}
REGISTRY_CLIENT_ERRORS = {"RegistryError", "RegistryUnavailableError"}


def _modules(root: Path, package: str) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((root / package).rglob("*.py")):
        yield path.relative_to(root).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def app_keys_outside_their_module(root: Path) -> list[str]:
    """Every ``AppKey``/``RequestKey`` a service declares anywhere but its ``app_keys.py``."""
    found = []
    for service in SERVICES:
        for name, module in _modules(root, service):
            if name == f"{service}/app_keys.py":
                continue
            found += [
                f"{name}:{node.lineno}"
                for node in ast.walk(module)
                if isinstance(node, ast.Call) and _called_name(node) in {"AppKey", "RequestKey"}
            ]
    return found


def sql_in_views(root: Path) -> list[str]:
    """Every statement a node's view runs itself instead of calling a query function (the staff desk's
    modules are all views, its ``queries.py`` aside)."""
    found = []
    for name, module in _modules(root, "local_library"):
        desk_view = name.startswith("local_library/desk/") and not name.endswith("/queries.py")
        if not (name.endswith("/views.py") or desk_view):
            continue
        found += [
            f"{name}:{node.lineno}"
            for node in ast.walk(module)
            if isinstance(node, ast.Call) and _called_name(node) in QUERY_METHODS
        ]
    return found


def _is_web_layer(name: str) -> bool:
    # The app factory, its keys, request helpers, views, middleware and the Min side and desk sites read the app;
    # everything else is domain code and is handed what it needs. The federation's peer listener (its endpoint
    # table and middleware) and its HTTP client to other nodes are the node's HTTP edge, like the views.
    web_modules = {"local_library/app.py", "local_library/app_keys.py", "local_library/web.py"}
    web_modules |= {f"local_library/federation/peer_{part}.py" for part in ("server", "routes", "client")}
    return (
        name in web_modules
        or name.endswith("/views.py")
        or name == "local_library/staff/auth.py"
        or name.startswith(("local_library/minside/", "local_library/desk/"))
    )


def domain_modules_using_aiohttp(root: Path) -> list[str]:
    """Node domain modules that import aiohttp (and so could take the application as a service locator)."""
    found = []
    for name, module in _modules(root, "local_library"):
        if _is_web_layer(name):
            continue
        for node in ast.walk(module):
            imported = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(each.split(".")[0] == "aiohttp" for each in imported):
                found.append(name)
                break
    return found


def _caught_names(handler: ast.ExceptHandler) -> set[str]:
    caught = handler.type
    parts = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught is not None else []
    return {part.id if isinstance(part, ast.Name) else getattr(part, "attr", "") for part in parts}


def registry_errors_translated_in_place(root: Path) -> list[str]:
    """Handlers of registry-client errors that build the node's DomainError themselves, not through the one
    translation (``local_library.registry_link.errors``)."""
    found = []
    for name, module in _modules(root, "local_library"):
        if name == "local_library/registry_link/errors.py":
            continue
        for handler in ast.walk(module):
            if not isinstance(handler, ast.ExceptHandler) or not _caught_names(handler) & REGISTRY_CLIENT_ERRORS:
                continue
            for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
                if isinstance(node, ast.Call) and _called_name(node) == "DomainError":
                    found.append(f"{name}:{node.lineno}")
    return found


RULES = [app_keys_outside_their_module, sql_in_views, domain_modules_using_aiohttp, registry_errors_translated_in_place]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_services_keep_their_structure(rule: Callable[[Path], list[str]]) -> None:
    assert rule(REPO) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for service in SERVICES:
        (root / service).mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


VIEW_WITH_SQL = """
    async def view(request):
        async with request.app[POOL].acquire() as conn:
            rows = await outbox_status(conn)
        return await request.app[POOL].fetchval("SELECT 1")
"""
VIEW_TRANSLATING_ITSELF = """
    async def status(request):
        try:
            await client.whoami()
        except RegistryUnavailableError:
            raise DomainError(ErrorKind.UNAVAILABLE, "registry_unavailable", "away") from None
        except (ValueError, RegistryError) as error:
            raise as_domain_error(error) from None
"""
THE_TRANSLATION = """
    def as_domain_error(error):
        try:
            raise error
        except RegistryError:
            return DomainError(ErrorKind.GONE, "x", "y")
"""


@pytest.mark.parametrize(
    ("rule", "files", "expected"),
    [
        (
            app_keys_outside_their_module,
            {
                "registry/app_keys.py": "from aiohttp import web\nPOOL = web.AppKey('pool', object)\n",
                "registry/routes.py": "from aiohttp import web\n\nDOC = web.AppKey('doc', dict)\n",
                "local_library/app_keys.py": "from aiohttp import web\nSTAFF = web.RequestKey('staff', object)\n",
                "local_library/minside/views.py": "from aiohttp.web import AppKey\nSIGNER = AppKey('signer', str)\n",
            },
            ["registry/routes.py:3", "local_library/minside/views.py:2"],
        ),
        (
            sql_in_views,
            {
                "local_library/things/views.py": VIEW_WITH_SQL,
                "local_library/things/queries.py": "async def q(conn):\n    return await conn.fetch('SELECT 1')\n",
            },
            ["local_library/things/views.py:5"],
        ),
        (
            domain_modules_using_aiohttp,
            {
                "local_library/registry_link/login.py": "from aiohttp import web\n",
                "local_library/registry_link/sync.py": "import asyncio\n",
                "local_library/registry_link/views.py": "from aiohttp import web\n",
                "local_library/minside/pages.py": "from aiohttp import web\n",
                "local_library/app.py": "from aiohttp import web\n",
            },
            ["local_library/registry_link/login.py"],
        ),
        (
            registry_errors_translated_in_place,
            {
                "local_library/status/views.py": VIEW_TRANSLATING_ITSELF,
                "local_library/registry_link/errors.py": THE_TRANSLATION,
            },
            ["local_library/status/views.py:6"],
        ),
    ],
    ids=lambda value: value.__name__ if callable(value) else "",
)
def test_each_rule_finds_what_breaks_it(
    tmp_path: Path, rule: Callable[[Path], list[str]], files: dict[str, str], expected: list[str]
) -> None:
    assert rule(_tree(tmp_path, files)) == expected
