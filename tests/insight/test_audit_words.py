"""Every purpose and actor the code can record in the audit log has words in bokmål and English on the insight page.

The purposes are found in the source, not listed by hand: every call that passes a string literal (or a module
constant) where a function takes ``purpose``, and every default the node API gives (``_purpose(request, ...)``);
the actors from every ``Caller(actor=...)`` and ``AuditEvent(actor=...)``. A new purpose or kind of actor
without words fails here, naming it and the file it is in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

from registry.insight.audit_words import ACTORS, PROOFS, PURPOSES, actor_kind, actor_words, purpose_words
from registry_contract.models import PresenceProof

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("registry", "local_library", "registry_contract", "natreg")
# Functions whose parameter of another name is the purpose (the node API's default purpose).
PURPOSE_PARAMETERS = {"_purpose": "default"}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _constants(tree: ast.Module) -> dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.update({target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)})
    return found


def _literal(node: ast.expr, constants: dict[str, str]) -> str | None:
    """A string literal, a module constant's value, or an f-string's fixed start (``library:`` of an actor)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return None


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _purpose_positions(modules: list[tuple[Path, ast.Module]]) -> dict[str, int]:
    """Each function (by name) taking a purpose, and its purpose's position (``self`` not counted)."""
    positions = {}
    for _, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [argument.arg for argument in node.args.args if argument.arg != "self"]
                wanted = PURPOSE_PARAMETERS.get(node.name, "purpose")
                if wanted in names:
                    positions[node.name] = names.index(wanted)
    return positions


def recorded_purposes() -> set[tuple[str, str]]:
    modules = list(_modules())
    positions = _purpose_positions(modules)
    found = set()
    for path, tree in modules:
        constants = _constants(tree)
        for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
            name = _called_name(call)
            candidates = [keyword.value for keyword in call.keywords if keyword.arg == "purpose"]
            if name in positions and len(call.args) > positions[name]:
                candidates.append(call.args[positions[name]])
            for candidate in candidates:
                if isinstance(candidate, ast.JoinedStr):
                    continue  # a purpose built from another (the proof suffix): its parts are checked
                value = _literal(candidate, constants)
                if value is not None:
                    found.add((value, str(path.relative_to(ROOT))))
    return found


def recorded_actor_kinds() -> set[tuple[str, str]]:
    found = set()
    for path, tree in _modules():
        constants = _constants(tree)
        for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
            if _called_name(call) not in {"Caller", "AuditEvent", "cls"}:  # cls: Caller's own constructors
                continue
            for keyword in call.keywords:
                value = _literal(keyword.value, constants) if keyword.arg == "actor" else None
                if value is not None:
                    found.add((actor_kind(value), str(path.relative_to(ROOT))))
    return found


def test_the_scan_finds_the_purposes_and_actors_it_must() -> None:
    """The finder itself: it must see purposes of the node, the registry's defaults and its own, and actors."""
    purposes = {purpose for purpose, _ in recorded_purposes()}
    assert {"change feed", "lost card", "registration", "the patron's right of access", "erasure"} <= purposes
    assert {"patron", "library", "admin", "system"} <= {kind for kind, _ in recorded_actor_kinds()}


@pytest.mark.parametrize(("purpose", "where"), sorted(recorded_purposes()))
def test_every_recorded_purpose_has_words_in_both_languages(purpose: str, where: str) -> None:
    assert purpose in PURPOSES, f"{where} records the purpose {purpose!r}: add it to registry/insight/audit_words.py"
    assert set(PURPOSES[purpose]) == {"nb", "en"}


@pytest.mark.parametrize(("kind", "where"), sorted(recorded_actor_kinds()))
def test_every_kind_of_actor_has_words_in_both_languages(kind: str, where: str) -> None:
    assert kind in ACTORS, f"{where} records an actor of kind {kind!r}: add it to registry/insight/audit_words.py"
    assert set(ACTORS[kind]) == {"nb", "en"}


PROOF_KINDS = sorted(
    kind for proof in get_args(PresenceProof) for kind in get_args(proof.model_fields["kind"].annotation)
)


@pytest.mark.parametrize("kind", PROOF_KINDS)
def test_every_proof_of_presence_has_words(kind: str) -> None:
    assert set(PROOFS[kind]) == {"nb", "en"}
    assert purpose_words(f"link (proof: {kind})", "nb") == f"tilknytning til biblioteket ({PROOFS[kind]['nb']})"


def test_a_librarys_own_purpose_is_shown_as_sent_and_people_by_role() -> None:
    assert purpose_words("patron at the Sandnes desk", "nb") == "patron at the Sandnes desk"
    assert purpose_words("link (proof of presence)", "en") == "association with the library (you were present)"
    assert actor_words("admin:kari", None, "nb", lambda library, _: library) == "registerets administrator"
    assert actor_words("library:asker", "asker", "nb", lambda _, __: "Askerbibliotekene") == "Askerbibliotekene"
