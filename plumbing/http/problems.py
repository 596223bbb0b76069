"""RFC 9457 problem+json: the one place where errors become HTTP responses.

Every refusal carries a stable ``code``. Unexpected exceptions are logged and answered with a generic
500 that reveals nothing about the internals.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from plumbing.db.availability import database_unavailable, is_database_unavailable
from plumbing.errors import RULE_CONTEXT_KEY, DomainError, ErrorKind
from plumbing.http.bodies import within_read_timeout
from plumbing.http.error_log import log_unhandled
from plumbing.text import CONTROL_CHARACTER, CONTROL_CHARACTER_MESSAGE, has_control_character

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
ModelT = TypeVar("ModelT", bound=BaseModel)

STATUS_BY_KIND = {
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.PRECONDITION_FAILED: 412,
    ErrorKind.PRECONDITION_REQUIRED: 428,
    ErrorKind.GONE: 410,
    ErrorKind.LOCKED: 423,
    ErrorKind.TOO_MANY_REQUESTS: 429,
    ErrorKind.UNAVAILABLE: 503,
}

# Codes for refusals aiohttp itself raises before a view runs.
CODE_BY_HTTP_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def problem_response(
    status: int,
    code: str,
    title: str,
    *,
    detail: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {"type": f"urn:natreg:problem:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if extra:
        body.update(extra)
    return web.Response(status=status, text=json.dumps(body), content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def _validation_errors(error: ValidationError) -> list[dict[str, Any]]:
    # The offending input is left out on purpose: it may be a national ID or a PIN.
    return [
        {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"], "type": item["type"]}
        for item in error.errors(include_input=False, include_url=False)
    ]


async def parse_json_body(request: web.Request, model: type[ModelT]) -> ModelT:
    """Parse and validate a JSON body; every failure is a 4xx problem, never a 500."""
    if request.content_type != "application/json":
        raise DomainError(ErrorKind.INVALID, "unsupported_media_type", "the body must be application/json")
    raw = await within_read_timeout(request, request.read())
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise RequestValidationError(error) from None


class RequestValidationError(Exception):
    """A request body or query failed validation."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__("request validation failed")
        self.errors = _validation_errors(error)
        # One code per rule in both services: a control character anywhere is named as such, and so is any
        # other rule a field type checks (``plumbing.errors.rule_violation``), e.g. a PIN that is not 4 digits.
        types = {item["type"] for item in self.errors}
        rules = [
            str(item["ctx"][RULE_CONTEXT_KEY])
            for item in error.errors(include_input=False, include_url=False)
            if RULE_CONTEXT_KEY in item.get("ctx", {})
        ]
        if CONTROL_CHARACTER in types:
            self.code = CONTROL_CHARACTER
        elif rules:
            self.code = rules[0]
        else:
            self.code = "validation_failed"


def parse_query(request: web.Request, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as error:
        raise RequestValidationError(error) from None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        _refuse_control_characters_in_url(request)
        return await handler(request)
    except DomainError as error:
        headers = {}
        if error.retry_after_seconds is not None:
            headers["Retry-After"] = str(error.retry_after_seconds)
        if error.kind is ErrorKind.UNAUTHENTICATED:
            headers["WWW-Authenticate"] = 'Basic realm="natreg"'
        return problem_response(
            STATUS_BY_KIND[error.kind], error.code, error.message, extra=error.extra, headers=headers
        )
    except RequestValidationError as error:
        return problem_response(422, error.code, "the request is not valid", extra={"errors": error.errors})
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = CODE_BY_HTTP_STATUS.get(error.status, f"http_{error.status}")
        headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else {}
        return problem_response(error.status, code, error.reason, headers=headers)
    except Exception as error:  # noqa: BLE001 - the last resort: logged (without values) by log_unhandled
        if is_database_unavailable(error):
            # The database is restarting or away: "try again" (which clients retry), not a fault.
            logger.warning("database unavailable (%s); answered 503", type(error).__name__)
            unavailable = database_unavailable()
            return problem_response(
                503, unavailable.code, unavailable.message,
                headers={"Retry-After": str(unavailable.retry_after_seconds)},
            )  # fmt: skip
        # Never echo it, and log no value: the path and the exception's text can carry personal data.
        log_unhandled(logger, request, error)
        return problem_response(500, "internal_error", "internal error")


def _refuse_control_characters_in_url(request: web.Request) -> None:
    """Path parameters and query values obey the same text rule as bodies (a NUL would reach the database)."""
    fields = [(f"path.{name}", value) for name, value in request.match_info.items()]
    fields += [(f"query.{key}", key + value) for key, value in request.query.items()]
    refused = [name for name, value in fields if has_control_character(value)]
    if refused:
        errors = [
            {"field": "query" if has_control_character(name) else name, "message": CONTROL_CHARACTER_MESSAGE,
             "type": CONTROL_CHARACTER}
            for name in refused
        ]  # fmt: skip
        raise DomainError(ErrorKind.INVALID, CONTROL_CHARACTER, CONTROL_CHARACTER_MESSAGE, extra={"errors": errors})
