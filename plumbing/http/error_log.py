"""Logging an unexpected exception without the values it carries.

A request path holds card numbers and patron ids; an exception's message can hold anything it was given
(asyncpg's text carries the database's ``DETAIL: Key (card_number)=(...)``, a driver error quotes the
argument it could not encode). So the log line names the route pattern (``/api/staff/cards/{card_number}``),
the exception types along the chain with the database's SQLSTATE and constraint, and the frames (file, line,
function, source line: code, never data). That is enough to find the bug and says nothing about a patron.
"""

from __future__ import annotations

import logging
import traceback

from aiohttp import web

_SCHEMA_ATTRIBUTES = ("sqlstate", "constraint_name", "table_name", "column_name")


def route_pattern(request: web.BaseRequest) -> str:
    """The matched route's pattern, never the concrete path."""
    match_info = getattr(request, "match_info", None)
    route = getattr(match_info, "route", None)
    resource = getattr(route, "resource", None)
    return resource.canonical if resource is not None else "(no route)"


def _name_of(error: BaseException) -> str:
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    # Names of the schema objects involved are safe (they are code); the values never are.
    schema = [f"{attribute}={value}" for attribute in _SCHEMA_ATTRIBUTES if (value := getattr(error, attribute, None))]
    return f"{name} ({', '.join(schema)})" if schema else name


def describe_without_values(error: BaseException) -> str:
    """The exception chain as types and frames, without any exception's message."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        parts.append(f"{_name_of(current)}\n{frames}".rstrip())
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\ncaused by ".join(parts)


def log_unhandled(logger: logging.Logger, request: web.BaseRequest, error: BaseException) -> None:
    logger.error("unhandled error in %s %s: %s", request.method, route_pattern(request), describe_without_values(error))
