"""One translation of the registry client's errors into the node's refusals (``registry_link.errors``)."""

from __future__ import annotations

import pytest

from local_library.registry_link.errors import as_domain_error, registry_errors_as_domain_errors
from plumbing.errors import DomainError, ErrorKind
from registry_contract.client import RegistryError, RegistryUnavailableError


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "pin_invalid", ErrorKind.FORBIDDEN),
        (403, "patron_not_linked", ErrorKind.FORBIDDEN),
        (404, "patron_not_found", ErrorKind.NOT_FOUND),
        (410, "card_replaced", ErrorKind.GONE),
        (422, "card_number_checksum", ErrorKind.INVALID),
        (423, "pin_locked", ErrorKind.LOCKED),
        (200, "unexpected_response", ErrorKind.UNAVAILABLE),
    ],
)
def test_a_refusal_keeps_the_registrys_code(status: int, code: str, kind: ErrorKind) -> None:
    error = as_domain_error(RegistryError(status, code, "refused"))
    assert (error.kind, error.code, error.retry_after_seconds) == (kind, code, None)


def test_a_throttled_refusal_passes_on_its_wait() -> None:
    throttled = RegistryError(429, "pin_attempts_throttled", "wait", {"retry_after_seconds": 12})
    error = as_domain_error(throttled)
    assert (error.kind, error.code, error.retry_after_seconds) == (ErrorKind.TOO_MANY_REQUESTS, throttled.code, 12)


def test_an_unreachable_registry_is_one_code_whatever_the_message() -> None:
    plain = as_domain_error(RegistryUnavailableError("timed out"))
    at_the_desk = as_domain_error(RegistryUnavailableError("timed out"), unavailable_message="lend later")
    assert {(each.kind, each.code, each.retry_after_seconds) for each in (plain, at_the_desk)} == {
        (ErrorKind.UNAVAILABLE, "registry_unavailable", 30)
    }
    assert at_the_desk.message == "lend later"


def test_the_block_form_translates_registry_errors_and_nothing_else() -> None:
    with pytest.raises(DomainError) as refused, registry_errors_as_domain_errors():
        raise RegistryError(423, "pin_locked", "locked")
    assert refused.value.code == "pin_locked"
    with pytest.raises(ValueError, match="ours"), registry_errors_as_domain_errors():
        raise ValueError("ours")
