"""The live node API answers only what its OpenAPI document declares, and never a 5xx (schemathesis).

A real registry on port 0, called over mutual TLS with a library's certificate and credential. Schemathesis
generates requests from the document served at ``/openapi.json``, positive (valid by the schema) and
negative (invalid), for every operation; every answer must carry a declared status with a body of the
declared media type and schema, and none may be a server error. The run is derandomized and bounded, so it
finds the same things every time and takes about a minute on a small machine.

Some generated requests use patrons registered for the purpose, so that the operations are exercised past
"no such patron" as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from registry_contract.national_id import generate_synthetic_national_ids
from tests.registry.conftest import GOOD_PIN, RawApi, patron_body

JSON = "application/json"

LIBRARY = "asker"
# The patrons are registered at LIBRARY; the other library calls about patrons it is not linked to (yet).
CALLERS = (LIBRARY, "sandnes")
CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
    response_headers_conformance,
]  # fmt: skip
EXAMPLES_PER_OPERATION_AND_MODE = 40
PATRONS_PER_OPERATION = 3
REQUEST_TIMEOUT_SECONDS = 10
GeneratedCase = schemathesis.Case[Any]


@dataclass(frozen=True)
class KnownPatron:
    record: dict[str, Any]
    national_id: str


@dataclass
class LiveApi:
    """Blocking calls to the running registry as the libraries make them (certificate + credential each)."""

    base_url: str
    sessions: dict[str, requests.Session]
    # Each test has a database of its own, so a fixed series of synthetic numbers never collides.
    national_ids: Iterator[str] = field(default_factory=lambda: generate_synthetic_national_ids(2000, seed=9))
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def call(self, case: GeneratedCase, library: str = LIBRARY) -> schemathesis.Response:
        """Send the case as ``library`` and check the answer against the document; raises what the checks found."""
        session = self.sessions[library]
        # verify and cert per call: schemathesis passes its own (default) ones, which win over the session's.
        response = case.call(
            base_url=self.base_url, session=session, verify=session.verify, cert=session.cert,
            timeout=REQUEST_TIMEOUT_SECONDS,
        )  # fmt: skip
        case.validate_response(response, checks=CHECKS)
        return response

    def register_patrons(self, count: int) -> list[KnownPatron]:
        """Patrons linked to LIBRARY, for generated requests to act on."""
        patrons = []
        for _ in range(count):
            national_id = next(self.national_ids)
            response = self.sessions[LIBRARY].post(
                f"{self.base_url}/v1/patrons",
                data=patron_body(national_id, next(self.numbers)).model_dump_json(),
                headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
            assert response.status_code == 201, response.text
            patrons.append(KnownPatron(response.json(), national_id))
        return patrons


@contextlib.contextmanager
def live_api(registry: RunningRegistry, keys_dir: Path) -> Iterator[LiveApi]:
    layout = KeyLayout(keys_dir)
    with contextlib.ExitStack() as stack:
        sessions = {}
        for library in CALLERS:
            session = sessions[library] = stack.enter_context(requests.Session())
            # Otherwise REQUESTS_CA_BUNDLE or a proxy from the environment would override what is set here.
            session.trust_env = False
            session.verify = str(layout.ca_certificate)
            session.cert = (str(layout.library_client_certificate(library)), str(layout.library_client_key(library)))
            session.auth = (library, layout.library_credential(library).read_text().strip())
        yield LiveApi(registry.api_url, sessions)


def conformance_failures(document: dict[str, Any], api: LiveApi) -> list[str]:
    """Run every operation in both generation modes; return what failed (empty when all answers conform)."""
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"an operation of the document is not valid: {result.err()}")
            continue
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            check = _operation_check(operation, mode, api)
            try:
                check()
            # Schemathesis raises its check failures as a BaseExceptionGroup.
            except (Exception, FailureGroup) as error:  # noqa: BLE001 - every operation runs; all are reported
                failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


def _operation_check(operation: Any, mode: schemathesis.GenerationMode, api: LiveApi) -> Callable[[], None]:
    patrons = api.register_patrons(PATRONS_PER_OPERATION)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: a failure is reported as generated, which keeps a failing run as short as a passing one.
        phases=[Phase.explicit, Phase.generate],
        # The registered patrons make some cases slow to generate; that is expected, not a problem of the test.
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def check(case: GeneratedCase, data: st.DataObject) -> None:
        if data.draw(st.booleans(), label="about a registered patron"):
            patron = data.draw(st.sampled_from(patrons), label="patron")
            national_id = data.draw(st.sampled_from([patron.national_id, next(api.national_ids)]), label="national ID")
            _act_on(case, patron.record, national_id)
        api.call(case, data.draw(st.sampled_from(CALLERS), label="calling library"))

    return check


def _act_on(case: GeneratedCase, patron: dict[str, Any], national_id: str) -> None:
    """Point the generated request at a registered patron, past "no such patron" and "bad check digit".

    Only values the schema generated are replaced, so a negative case stays negative in its other parts.
    """
    known = {"patron_id": patron["patron_id"], "card_number": patron["card_number"]}
    if case.path_parameters:
        case.path_parameters = {name: known.get(name, value) for name, value in case.path_parameters.items()}
    if isinstance(case.body, dict):
        known |= {"national_id": national_id, "pin": GOOD_PIN}
        case.body = {name: known.get(name, value) for name, value in case.body.items()}
    if case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = f'"{patron["version"]}"'


async def _served_document(raw: RawApi) -> dict[str, Any]:
    served = await raw.call(LIBRARY, "GET", "/openapi.json")
    assert served.status == 200
    document: dict[str, Any] = served.json
    return document


async def test_the_live_api_answers_only_what_its_document_declares(
    registry: RunningRegistry, keys_dir: Path, raw: RawApi
) -> None:
    document = await _served_document(raw)
    with live_api(registry, keys_dir) as api:
        # Blocking HTTP in a worker thread: the registry under test runs on this event loop.
        failures = await asyncio.to_thread(conformance_failures, document, api)
    assert not failures, "\n\n".join(failures)


def _replay_a_registration(document: dict[str, Any], api: LiveApi) -> list[int]:
    operation = schemathesis.openapi.from_dict(document)["/v1/patrons"]["POST"]
    body = json.loads(patron_body(next(api.national_ids), 1).model_dump_json())
    case = operation.Case(body=body, headers={"Idempotency-Key": "replayed-registration"}, media_type=JSON)
    return [api.call(case).status_code for _ in range(2)]


async def test_a_replayed_registration_answers_a_declared_status(
    registry: RunningRegistry, keys_dir: Path, raw: RawApi
) -> None:
    document = await _served_document(raw)
    with live_api(registry, keys_dir) as api:
        statuses = await asyncio.to_thread(_replay_a_registration, document, api)
    assert statuses == [201, 200]


def _unlink_the_last_library(document: dict[str, Any], api: LiveApi) -> int:
    (patron,) = api.register_patrons(1)
    operation = schemathesis.openapi.from_dict(document)["/v1/patrons/{patron_id}/link"]["DELETE"]
    # The record goes with its last library, so the patron is present: card and PIN (issue 9 §4).
    proof = {"kind": "card_and_pin", "card_number": patron.record["card_number"], "pin": GOOD_PIN}
    case = operation.Case(
        path_parameters={"patron_id": patron.record["patron_id"]},
        body={"proof": proof},
        media_type="application/json",
    )
    return api.call(case).status_code


async def test_unlinking_the_last_library_answers_a_declared_status(
    registry: RunningRegistry, keys_dir: Path, raw: RawApi
) -> None:
    document = await _served_document(raw)
    with live_api(registry, keys_dir) as api:
        status = await asyncio.to_thread(_unlink_the_last_library, document, api)
    assert status == 204


async def test_the_check_fails_on_a_status_the_document_leaves_out(
    registry: RunningRegistry, keys_dir: Path, raw: RawApi
) -> None:
    """The check itself can fail: without its 404, reading an unknown patron is an undeclared answer."""
    document = await _served_document(raw)
    path = "/v1/patrons/{patron_id}"
    read = document["paths"][path]["get"]
    del read["responses"]["404"]
    document["paths"] = {path: {"get": read}}
    with live_api(registry, keys_dir) as api:
        failures = await asyncio.to_thread(conformance_failures, document, api)
    assert failures
    assert all("Undocumented status code" in failure and "Received: 404" in failure for failure in failures)
