"""The node API's endpoint table: one list drives both the router and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from plumbing.http.problems import PROBLEM_CONTENT_TYPE
from registry_contract import models

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Codes = tuple[str, ...]
PURPOSE_HEADER = "Natreg-Purpose"


# Problem codes every request of a kind can meet, whatever the operation: the node authentication in front of
# every /v1 route, the request body and purpose header parsing, and the database behind it.
NODE_AUTHENTICATION: dict[int, Codes] = {
    401: ("credentials_required", "credentials_invalid"),
    403: ("client_certificate_required", "certificate_not_current", "library_revoked", "library_mismatch"),
}
BODY_REFUSALS: dict[int, Codes] = {413: ("body_too_large",), 422: ("validation_failed", "unsupported_media_type")}
QUERY_REFUSALS: dict[int, Codes] = {422: ("validation_failed",)}
PURPOSE_REFUSALS: dict[int, Codes] = {422: ("purpose_invalid",)}
PATRON_PATH_REFUSALS: dict[int, Codes] = {404: ("patron_not_found",)}
DATABASE_REFUSALS: dict[int, Codes] = {503: ("database_unavailable",)}
# Answers that tell the caller when to try again carry Retry-After; refused credentials carry the challenge.
RESPONSE_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "the authentication scheme", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {
            "description": "seconds to wait before trying again", "required": True, "schema": {"type": "integer"},
        }
    },
    503: {
        "Retry-After": {
            "description": "seconds to wait before trying again", "required": True, "schema": {"type": "integer"},
        }
    },
}  # fmt: skip
# Every answer with a patron record carries its version, for If-Match on the next change.
SUCCESS_HEADERS: dict[type[BaseModel], dict[str, Any]] = {
    models.PatronRecord: {
        "ETag": {
            "description": 'the record\'s version as `"<version>"`; send it back as If-Match', "required": True,
            "schema": {"type": "string"},
        }
    },
}  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    """One operation of the node API: its route, its models and every status it answers with.

    ``refusals`` are the operation's own problem codes by status; the refusals every request of its shape can
    meet (authentication, body, query, purpose header, patron path, database) are added by
    ``declared_refusals``. ``also_answers`` are successful answers besides ``success_status`` (status: when).
    """

    method: str
    path: str
    handler: Handler
    summary: str
    response: type[BaseModel] | None
    request: type[BaseModel] | None = None
    success_status: int = 200
    headers: tuple[str, ...] = ()
    query: dict[str, str] = field(default_factory=dict)
    refusals: Mapping[int, Codes] = field(default_factory=dict)
    also_answers: Mapping[int, str] = field(default_factory=dict)
    uses_database: bool = True

    def declared_refusals(self) -> dict[int, Codes]:
        shapes: list[Mapping[int, Codes]] = [NODE_AUTHENTICATION]
        if self.request is not None:
            shapes.append(BODY_REFUSALS)
        if self.query:
            shapes.append(QUERY_REFUSALS)
        if PURPOSE_HEADER in self.headers:
            shapes.append(PURPOSE_REFUSALS)
        if "patron_id" in _path_parameters(self.path):
            shapes.append(PATRON_PATH_REFUSALS)
        if self.uses_database:
            shapes.append(DATABASE_REFUSALS)
        merged: dict[int, list[str]] = {}
        for refusals in [*shapes, self.refusals]:
            for status, codes in refusals.items():
                known = merged.setdefault(status, [])
                known.extend(code for code in codes if code not in known)
        return {status: tuple(merged[status]) for status in sorted(merged)}

    def declared_statuses(self) -> set[int]:
        return {self.success_status, *self.also_answers, *self.declared_refusals()}


HEADER_DESCRIPTIONS = {
    "Idempotency-Key": "unique per intended write; a retry with the same key returns the first outcome",
    "If-Match": 'the ETag (`"<version>"`) of the record the change is based on; a stale one gets 412',
    PURPOSE_HEADER: "why the record is accessed; written to the audit log (default: the operation)",
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
                    "required": name != PURPOSE_HEADER,
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
            # Every status the operation answers, and no catch-all "default": an undeclared one is a bug.
            "responses": _responses(endpoint),
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
        "description": "RFC 9457 problem details; `code` is stable, one per rule",
        "required": ["type", "title", "status", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "description": "with `validation_failed`: what is wrong where (never the input itself)",
                "items": {
                    "type": "object",
                    "properties": {name: {"type": "string"} for name in ("field", "message", "type")},
                },
            },
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


def _responses(endpoint: Endpoint) -> dict[str, Any]:
    responses: dict[str, Any] = {str(endpoint.success_status): _response(endpoint.response)}
    for status, when in endpoint.also_answers.items():
        answer = _response(None if status == HTTPStatus.NO_CONTENT else endpoint.response)
        responses[str(status)] = answer | {"description": when}
    for status, codes in endpoint.declared_refusals().items():
        refusal: dict[str, Any] = {
            "description": f"{HTTPStatus(status).phrase}: " + ", ".join(f"`{code}`" for code in codes),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status in RESPONSE_HEADERS:
            refusal["headers"] = RESPONSE_HEADERS[status]
        responses[str(status)] = refusal
    return responses


def _response(model: type[BaseModel] | None) -> dict[str, Any]:
    if model is None:
        return {"description": "done"}
    response: dict[str, Any] = {
        "description": model.__doc__.strip().splitlines()[0] if model.__doc__ else model.__name__,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
    }
    if model in SUCCESS_HEADERS:
        response["headers"] = SUCCESS_HEADERS[model]
    return response


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


__all__ = ["Endpoint", "models", "openapi_document"]
