"""The OpenAPI 3.1 document is served on both listeners and describes every endpoint, self-contained."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from registry.app import RunningRegistry, create_app
from registry.routes import ENDPOINTS, openapi
from registry.settings import RegistrySettings
from registry_contract.endpoints import Endpoint
from registry_contract.models import PatronRecord
from tests.registry.conftest import RawApi


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _check(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert operations == {(endpoint.method, endpoint.path) for endpoint in ENDPOINTS}
    refs = set(_refs(document))
    assert "#/components/schemas/PatronRecord" in refs
    for ref in refs:
        assert isinstance(_resolve(document, ref), dict), ref


async def test_openapi_on_the_health_listener(registry: RunningRegistry) -> None:
    url = registry.health_url.removesuffix("/health") + "/openapi.json"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        document = await response.json()
    _check(document)


async def test_openapi_on_the_node_api_listener(raw: RawApi) -> None:
    answer = await raw.call("asker", "GET", "/openapi.json")
    assert answer.status == 200
    _check(answer.json)


@pytest.mark.parametrize("path", ["/v1/whoami", "/v1/changes", "/v1/patrons/lookup"])
async def test_the_health_listener_serves_nothing_of_the_api(registry: RunningRegistry, path: str) -> None:
    url = registry.health_url.removesuffix("/health") + path
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 404
        assert (await response.json(content_type="application/problem+json"))["code"] == "not_found"


# Paths the app serves outside the node API's table (unauthenticated, on both listeners).
OUTSIDE_THE_TABLE = {"/health", "/openapi.json", "/crl"}


def test_every_route_of_the_app_is_an_operation_of_the_document(keys_dir: Path, tmp_path: Path) -> None:
    # Building the app opens nothing: the database is reached only when it starts.
    app = create_app(RegistrySettings(database_url="postgresql://unused/unused", keys_dir=keys_dir, data_dir=tmp_path))
    routes = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.resource.canonical not in OUTSIDE_THE_TABLE
        and route.method != "HEAD"  # aiohttp adds HEAD to every GET on its own
    }  # fmt: skip
    document = openapi()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert routes == operations


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: f"{endpoint.method} {endpoint.path}")
def test_every_operation_declares_each_status_it_answers_and_no_default(endpoint: Endpoint) -> None:
    document = openapi()
    responses = document["paths"][endpoint.path][endpoint.method.lower()]["responses"]
    assert "default" not in responses
    assert {int(status) for status in responses} == endpoint.declared_statuses()
    # Every /v1 request passes the node authentication first.
    assert {endpoint.success_status, 401, 403} <= endpoint.declared_statuses()
    for status, response in responses.items():
        assert response["description"], status
        if int(status) >= 400:
            assert response["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, status
            for code in endpoint.declared_refusals()[int(status)]:
                assert f"`{code}`" in response["description"]
        elif int(status) == 204:
            assert "content" not in response
        else:
            assert list(response["content"]) == ["application/json"], status
            if endpoint.response is PatronRecord:
                # The version for If-Match on the next change.
                assert response["headers"]["ETag"]["required"] is True
        if int(status) in {429, 503}:
            assert response["headers"]["Retry-After"]["required"] is True


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        # An idempotent replay answers with the first outcome, the record, as 200.
        ("POST", "/v1/patrons", 200),
        # Unlinking the patron's last library erases the record: nothing left to answer with.
        ("DELETE", "/v1/patrons/{patron_id}/link", 204),
        # Before any parsing or lookup, the library is authenticated (missing certificate or credential).
        ("PUT", "/v1/patrons/{patron_id}/pin", 401),
        ("GET", "/v1/changes", 403),
        # Every operation that reaches the database can find it unavailable.
        ("GET", "/v1/patrons/{patron_id}", 503),
        ("POST", "/v1/patrons/authenticate", 429),
        ("POST", "/v1/patrons/authenticate", 423),
        ("PATCH", "/v1/patrons/{patron_id}", 428),
        ("POST", "/v1/patrons/{patron_id}/lost-card", 412),
        ("POST", "/v1/patrons", 409),
        ("POST", "/v1/patrons", 413),
    ],
)
def test_statuses_the_api_answers_are_declared(method: str, path: str, status: int) -> None:
    assert str(status) in openapi()["paths"][path][method.lower()]["responses"]
