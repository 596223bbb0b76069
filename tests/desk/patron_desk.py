"""A staff member at the desk's patron pages, driven over real HTTPS like a browser without JavaScript: read a
page, post its form with the page's CSRF token, follow the redirect."""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import aiohttp

from plumbing.keys.layout import KeyLayout
from tests.desk.conftest import csrf_of, desk_log_in

PATRON_URL = re.compile(r"/staff/patrons/([0-9a-f-]{36})")


@dataclass(frozen=True)
class Answer:
    status: int
    path: str
    query: str
    page: str

    @property
    def patron_id(self) -> str:
        found = PATRON_URL.search(self.path)
        assert found is not None, self.path
        return found.group(1)

    def field_error(self, name: str) -> str:
        """The words shown next to the input ``name`` (tied to it by ``aria-describedby``)."""
        found = re.search(rf'<p class="field-error" id="{name}_error">([^<]*)</p>', self.page)
        assert found is not None, f"no error at {name}: {self.page}"
        assert re.search(rf'id="{name}"[^>]*aria-describedby="[^"]*{name}_error', self.page), name
        return unescape(found.group(1))

    def value_of(self, name: str) -> str:
        found = re.search(rf'<input id="{name}" name="{name}" type="[a-z]+" value="([^"]*)"', self.page)
        assert found is not None, name
        return unescape(found.group(1))


class Desk:
    def __init__(self, client: aiohttp.ClientSession) -> None:
        self.client = client

    async def get(self, path: str) -> Answer:
        async with self.client.get(path) as response:
            return Answer(response.status, response.url.path, response.url.query_string, await response.text())

    async def post(self, path: str, fields: dict[str, str], *, csrf: str | None = None, lang: str = "nb") -> Answer:
        """Post ``fields`` to ``path`` with the token of the page at ``path`` (or the one given)."""
        if csrf is None:
            csrf = csrf_of((await self.get(path)).page)
        data = {"csrf": csrf, "lang": lang, **fields}
        async with self.client.post(path, data=data) as response:
            return Answer(response.status, response.url.path, response.url.query_string, await response.text())


def trusting_client(base_url: str, keys_dir: Path) -> aiohttp.ClientSession:
    context = ssl.create_default_context(cafile=str(KeyLayout(keys_dir).ca_certificate))
    return aiohttp.ClientSession(
        base_url=base_url, connector=aiohttp.TCPConnector(ssl=context), cookie_jar=aiohttp.CookieJar(unsafe=True)
    )


async def logged_in(client: aiohttp.ClientSession, username: str, password: str) -> Desk:
    response = await desk_log_in(client, username, password)
    assert response.status == 200, response.status
    return Desk(client)
