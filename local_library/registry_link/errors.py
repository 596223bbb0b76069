"""The one translation of the registry client's errors into this node's refusals.

Whatever part of the node talks to the registry (logins, the desk, national-card operations, the status
check), a registry refusal reaches the caller with the registry's own code and the matching status, and an
unreachable registry is ``registry_unavailable`` (503, with a hint when to try again): the same registry
answer is the same node answer everywhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryError, RegistryUnavailableError

REFUSAL_KINDS = {
    401: ErrorKind.FORBIDDEN,  # the patron's PIN, not the caller, failed: as for local cards
    403: ErrorKind.FORBIDDEN,
    404: ErrorKind.NOT_FOUND,
    410: ErrorKind.GONE,
    422: ErrorKind.INVALID,
    423: ErrorKind.LOCKED,
    429: ErrorKind.TOO_MANY_REQUESTS,
}
UNAVAILABLE_RETRY_SECONDS = 30
REGISTRY_UNREACHABLE = "the registry cannot be reached; try again"


def as_domain_error(
    error: RegistryError | RegistryUnavailableError, *, unavailable_message: str = REGISTRY_UNREACHABLE
) -> DomainError:
    """The node's refusal for a registry client error.

    A refusal keeps the registry's code (wrong PIN, throttled, locked, …); a throttled one names its wait in
    the problem body, so our own answer carries ``Retry-After`` too. ``unavailable_message`` lets a caller
    say what an outage means for what was asked (the code stays the same).
    """
    if isinstance(error, RegistryUnavailableError):
        return DomainError(
            ErrorKind.UNAVAILABLE,
            "registry_unavailable",
            unavailable_message,
            retry_after_seconds=UNAVAILABLE_RETRY_SECONDS,
        )
    wait = error.body.get("retry_after_seconds")
    return DomainError(
        REFUSAL_KINDS.get(error.status, ErrorKind.UNAVAILABLE),
        error.code,
        error.title or "the registry refused the request",
        retry_after_seconds=wait if isinstance(wait, int) and wait > 0 else None,
    )


@contextlib.contextmanager
def registry_errors_as_domain_errors(*, unavailable_message: str = REGISTRY_UNREACHABLE) -> Iterator[None]:
    """Run a block of registry calls; any registry client error leaves it as the node's refusal."""
    try:
        yield
    except (RegistryError, RegistryUnavailableError) as error:
        raise as_domain_error(error, unavailable_message=unavailable_message) from None
