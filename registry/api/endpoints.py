"""The node API's endpoint table: one list drives both the router and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from registry.api import models

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    response: type[BaseModel] | None
    request: type[BaseModel] | None = None
    success_status: int = 200
    headers: tuple[str, ...] = ()
    query: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()


HEADER_DESCRIPTIONS = {
    "Idempotency-Key": "unique per intended write; a retry with the same key returns the first outcome",
    "If-Match": 'the ETag (`"<version>"`) of the record the change is based on; a stale one gets 412',
    "Natreg-Purpose": "why the record is accessed; written to the audit log (default: the operation)",
}


def openapi_document(endpoints: list[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    used = {model for endpoint in endpoints for model in (endpoint.request, endpoint.response) if model is not None}
    _, schemas = models_json_schema(
        [(model, "serialization") for model in sorted(used, key=lambda model: model.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operation: dict[str, Any] = {
            "summary": endpoint.summary,
            "operationId": endpoint.handler.__name__,
            "parameters": [
                {
                    "name": name,
                    "in": "header",
                    "required": name != "Natreg-Purpose",
                    "schema": {"type": "string"},
                    "description": HEADER_DESCRIPTIONS[name],
                }
                for name in endpoint.headers
            ]
            + [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _path_parameters(endpoint.path)
            ]
            + [
                {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": text}
                for name, text in endpoint.query.items()
            ],
            "responses": {
                str(endpoint.success_status): _response(endpoint.response),
                "default": {
                    "description": "a refusal: RFC 9457 problem details with a stable `code`"
                    + (f" (e.g. {', '.join(endpoint.errors)})" if endpoint.errors else ""),
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            },
        }
        if endpoint.request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{endpoint.request.__name__}"}}
                },
            }
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    component_schemas = dict(schemas.get("$defs", {}))
    component_schemas["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string"},
            "detail": {"type": "string"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "security": [{"libraryCredentials": []}],
        "paths": paths,
        "components": {
            "schemas": component_schemas,
            "securitySchemes": {
                "libraryCredentials": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "the library's id and credential; the client certificate must be the same library's",
                }
            },
        },
    }


def _response(model: type[BaseModel] | None) -> dict[str, Any]:
    if model is None:
        return {"description": "done"}
    return {
        "description": model.__doc__.strip().splitlines()[0] if model.__doc__ else model.__name__,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
    }


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


__all__ = ["Endpoint", "models", "openapi_document"]
