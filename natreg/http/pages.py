"""Small pieces every server-rendered page of ours uses: private cookies, form fields, security headers."""

from __future__ import annotations

from aiohttp import web

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
    """The text fields of a posted form (file uploads are not something our forms take)."""
    data = await request.post()
    return {key: value for key, value in data.items() if isinstance(value, str)}
