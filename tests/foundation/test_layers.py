"""The packages depend one way: plumbing ← the registry's contract ← the two services ← the tools.

Read from the source (every import statement, also those inside functions), so a lower layer that imports a
higher one, or one service that imports the other, fails here before it ships. A second check imports a
whole library node in a fresh interpreter and finds no module of the registry service loaded.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Layer of each top-level package: a package may import its own modules and those of lower layers only.
# The registry and the library node share a layer, so neither may import the other.
LAYERS = {"plumbing": 0, "registry_contract": 1, "registry": 2, "local_library": 2, "natreg": 3}


def imported_packages(source: str) -> set[str]:
    """The top-level packages a module's source imports (absolute imports; we use no relative ones)."""
    packages = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            packages.add(node.module.split(".")[0])
    return packages


def layer_violations(root: Path, layers: dict[str, int] = LAYERS) -> list[str]:
    """Every import under ``root`` that points sideways or up the layers, as 'file: imports package'."""
    violations = []
    for package, layer in layers.items():
        for module in sorted((root / package).rglob("*.py")):
            for imported in sorted(imported_packages(module.read_text(encoding="utf-8"))):
                if imported == package or imported not in layers:
                    continue
                if layers[imported] >= layer:
                    violations.append(f"{module.relative_to(root)}: imports {imported}")
    return violations


def test_the_packages_depend_one_way() -> None:
    assert layer_violations(REPO) == []


def test_every_package_of_the_distribution_has_a_layer() -> None:
    # A new top-level package must be given its place, or the check above would not look at it.
    packages = {path.parent.name for path in REPO.glob("*/__init__.py")} - {"tests"}
    assert packages == set(LAYERS)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("plumbing/db.py", "from registry_contract import models\n", "plumbing/db.py: imports registry_contract"),
        ("registry_contract/client.py", "import registry.app\n", "registry_contract/client.py: imports registry"),
        (
            "local_library/views.py",
            "def later():\n    from registry.patrons import store\n",
            "local_library/views.py: imports registry",
        ),
        ("registry/app.py", "from local_library import app\n", "registry/app.py: imports local_library"),
        ("plumbing/cli.py", "from natreg import demo\n", "plumbing/cli.py: imports natreg"),
    ],
)
def test_the_check_refuses_an_import_against_the_layers(
    tmp_path: Path, module: str, source: str, expected: str
) -> None:
    root = _tree(tmp_path, {f"{package}/__init__.py": "" for package in LAYERS} | {module: source})
    assert layer_violations(root) == [expected]


def test_the_check_allows_imports_down_the_layers(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {f"{package}/__init__.py": "" for package in LAYERS}
        | {
            "registry_contract/client.py": "from plumbing import tls\nimport aiohttp\n",
            "local_library/app.py": "from registry_contract.client import RegistryClient\nfrom plumbing import db\n",
            "natreg/cli.py": "import registry.app\nimport local_library.app\n",
        },
    )
    assert layer_violations(root) == []


def test_a_library_node_loads_no_module_of_the_registry_service() -> None:
    # Every module of the node, imported as a node process would: the registry service must not come along.
    probe = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import local_library
        for module in pkgutil.walk_packages(local_library.__path__, "local_library."):
            importlib.import_module(module.name)
        print(sorted(name for name in sys.modules if name == "registry" or name.startswith("registry.")))
        """
    )
    loaded = subprocess.run(  # noqa: S603 - our own interpreter running our own probe
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=120
    )
    assert loaded.stdout.strip() == "[]"
