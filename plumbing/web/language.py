"""The languages our pages speak: Norwegian bokmål first (the default), English second, and how a site picks one."""

from __future__ import annotations

from typing import Literal

from aiohttp import web

Language = Literal["nb", "en"]
LANGUAGES: tuple[Language, ...] = ("nb", "en")


def choose_language(request: web.Request, cookie: str, form_value: object = None) -> Language:
    """The language of this request: a posted form's ``lang``, then ``?lang=``, then the site's language cookie
    (``cookie``), then the browser's first choice (English only if it asks for English first), else bokmål."""
    for candidate in (form_value, request.query.get("lang"), request.cookies.get(cookie)):
        for language in LANGUAGES:
            if candidate == language:
                return language
    return "en" if request.headers.get("Accept-Language", "").lower().startswith("en") else "nb"


def other_language(language: Language) -> Language:
    """The language the page's switch offers."""
    return "en" if language == "nb" else "nb"
