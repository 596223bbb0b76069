"""Small pieces every server-rendered page of ours uses: private cookies, form fields, security headers."""

from __future__ import annotations

from aiohttp import web

from plumbing.errors import DomainError, ErrorKind
from plumbing.http.bodies import within_read_timeout
from plumbing.text import CONTROL_CHARACTER, CONTROL_CHARACTER_MESSAGE, has_control_character

# What every HTML page of ours may do: nothing but its own stylesheet, forms only to itself, no framing.
BASE_SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def security_headers(content_security_policy: str) -> dict[str, str]:
    return {"Content-Security-Policy": content_security_policy, **BASE_SECURITY_HEADERS}


def set_private_cookie(response: web.StreamResponse, name: str, value: str, *, path: str = "/") -> None:
    """A cookie only our own HTTPS pages ever see: Secure, HttpOnly, SameSite=Strict."""
    response.set_cookie(name, value, secure=True, httponly=True, samesite="Strict", path=path)


async def form_fields(request: web.Request) -> dict[str, str]:
    """The text fields of a posted form (file uploads are not something our forms take).

    Our forms have only single-line fields (card number, PIN, tokens), so no field may hold a control character.
    """
    try:
        data = await within_read_timeout(request, request.post())
    except UnicodeDecodeError:  # aiohttp decodes a urlencoded body strictly
        raise DomainError(ErrorKind.INVALID, "form_encoding", "the form must be sent as UTF-8") from None
    fields = {key: value for key, value in data.items() if isinstance(value, str)}
    refused = sorted(key for key, value in fields.items() if has_control_character(key + value))
    if refused:
        errors = [
            {"field": _printable(key), "message": CONTROL_CHARACTER_MESSAGE, "type": CONTROL_CHARACTER}
            for key in refused
        ]
        raise DomainError(ErrorKind.INVALID, CONTROL_CHARACTER, CONTROL_CHARACTER_MESSAGE, extra={"errors": errors})
    return fields


def _printable(name: str) -> str:
    return "(unprintable field name)" if has_control_character(name) else name
