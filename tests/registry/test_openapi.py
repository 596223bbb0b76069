"""The OpenAPI 3.1 document is served on both listeners and describes every endpoint, self-contained."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from registry.app import RunningRegistry
from registry.routes import ENDPOINTS
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
