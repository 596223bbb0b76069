"""Domain errors shared by both services.

Domain code raises these and knows nothing of HTTP; one middleware (``plumbing.http.problems``) maps the
``kind`` of each to a status code and renders RFC 9457 problem+json with the stable ``code``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic_core import PydanticCustomError

# A validation error that is one of our rules names the rule in its context: the problem's code is then the
# rule's code, the same code the domain raises for it elsewhere (one code per rule across both services).
RULE_CONTEXT_KEY = "rule"


def rule_violation(code: str, message: str) -> PydanticCustomError:
    """Raise this from a pydantic validator for a rule that has its own problem code."""
    return PydanticCustomError(code, message, {RULE_CONTEXT_KEY: code})


class ErrorKind(Enum):
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    PRECONDITION_FAILED = "precondition_failed"
    PRECONDITION_REQUIRED = "precondition_required"
    GONE = "gone"
    LOCKED = "locked"
    TOO_MANY_REQUESTS = "too_many_requests"
    UNAVAILABLE = "unavailable"


class DomainError(Exception):
    """A refusal with a stable machine-readable code and a human message safe to show the caller.

    Messages must never contain national IDs, PINs, credentials or other personal data.
    """

    def __init__(
        self,
        kind: ErrorKind,
        code: str,
        message: str,
        *,
        extra: dict[str, Any] | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.retry_after_seconds = retry_after_seconds
