"""Registry and nodes apply one set of rules: one code and one status per refusal, one Argon2 wrapper, one set of
field types.

Read from the source where the rule is "declared once" (a second declaration fails here before it drifts
apart from the first), and checked by behaviour where the two services must give the same answer.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from pydantic import ValidationError

from local_library.patrons.models import ContactDetails
from local_library.patrons.pins import hash_new_pin
from plumbing.errors import DomainError, ErrorKind
from plumbing.http.problems import RequestValidationError
from registry_contract.models import ContactFields, PinChange, refuse_unreachable_contact
from registry_contract.pins import PinHasher, refuse_unfit_pin

REPO = Path(__file__).resolve().parents[2]
SERVICE_PACKAGES = ("plumbing", "registry_contract", "registry", "local_library", "natreg")
FIELD_TYPES = {"Name", "Email", "Phone", "PhoneNumber", "Gender", "ContactMethod"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (path.relative_to(REPO), ast.parse(path.read_text(encoding="utf-8")))
        for package in SERVICE_PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
    ]


def test_each_problem_code_has_one_status_in_both_services() -> None:
    kinds_by_code: dict[str, set[str]] = defaultdict(set)
    for _, module in _modules():
        for node in ast.walk(module):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("DomainError")):
                continue
            kind, code = [*node.args, None, None][:2]
            if isinstance(code, ast.Constant) and isinstance(code.value, str) and isinstance(kind, ast.Attribute):
                kinds_by_code[code.value].add(kind.attr)
    assert {"pin_invalid", "card_replaced", "pin_too_simple"} <= kinds_by_code.keys()
    assert {code: kinds for code, kinds in kinds_by_code.items() if len(kinds) > 1} == {}


def test_argon2_is_wrapped_once() -> None:
    users = {
        str(path)
        for path, module in _modules()
        for node in ast.walk(module)
        if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "argon2")
        or (isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "argon2" for alias in node.names))
    }
    assert users == {"plumbing/passwords.py"}


def test_the_field_types_are_declared_once() -> None:
    declared: dict[str, list[str]] = defaultdict(list)
    for path, module in _modules():
        for node in module.body:
            targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
            for target in targets:
                if isinstance(target, ast.Name) and target.id in FIELD_TYPES:
                    declared[target.id].append(str(path))
    assert declared
    assert {name: paths for name, paths in declared.items() if paths != ["registry_contract/field_types.py"]} == {}


@pytest.mark.parametrize("phone", ["+ 47 412 34 567", "+    12345"])
def test_a_phone_number_the_registry_refuses_is_refused_at_the_node_too(phone: str) -> None:
    # Accepted at the desk but refused by the registry, a national patron's change would stall in the outbox.
    with pytest.raises(ValidationError):
        ContactFields(name="Kari", phone_numbers=[phone], preferred_contact="sms")
    with pytest.raises(ValidationError):
        ContactDetails(phone=phone, preferred_contact="sms")


@pytest.mark.parametrize("phone", ["+47 412 34 567", "41234567", "+4741234567"])
def test_a_phone_number_the_registry_takes_is_taken_at_the_node(phone: str) -> None:
    assert ContactFields(name="Kari", phone_numbers=[phone], preferred_contact="sms").phone_numbers == [phone]
    assert ContactDetails(phone=phone, preferred_contact="sms").phone == phone


@pytest.mark.parametrize(
    ("pin", "code"), [("1234", "pin_too_simple"), ("7373", "pin_too_simple"), ("12a4", "pin_format")]
)
async def test_a_new_pin_is_refused_with_the_same_code_at_the_node_and_the_registry(pin: str, code: str) -> None:
    with pytest.raises(DomainError) as at_the_registry:
        refuse_unfit_pin(pin)
    with pytest.raises(DomainError) as at_the_node:
        await hash_new_pin(PinHasher(b"p" * 32, time_cost=1, memory_cost=1024), pin)
    assert (at_the_node.value.kind, at_the_node.value.code) == (at_the_registry.value.kind, code)


def test_an_unreachable_contact_method_has_one_code_in_a_request_and_in_the_domain() -> None:
    # Issue 10: the wire model refused it as `validation_failed`, a stored record corrected as
    # `contact_method_unreachable`. A request body and a merged record now name the same rule.
    with pytest.raises(ValidationError) as in_a_request:
        ContactFields(name="Kari", preferred_contact="sms")
    assert RequestValidationError(in_a_request.value).code == "contact_method_unreachable"
    with pytest.raises(DomainError) as in_the_domain:
        refuse_unreachable_contact("sms", [], [], None)
    assert (in_the_domain.value.kind, in_the_domain.value.code) == (ErrorKind.INVALID, "contact_method_unreachable")


def test_a_pin_in_a_request_is_refused_with_the_domain_code() -> None:
    with pytest.raises(ValidationError) as in_a_request:
        PinChange(new_pin="12a4")
    assert RequestValidationError(in_a_request.value).code == "pin_format"
