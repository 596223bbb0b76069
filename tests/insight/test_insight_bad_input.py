"""The insight site's forms refuse control characters with the code every API of both services uses."""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp
import pytest

from plumbing.keys.layout import KeyLayout
from registry.app import RunningRegistry
from tests.insight.conftest import PIN, RegisteredPatron


@pytest.mark.parametrize("character", ["\x00", "\t", "\x7f", "\x9b"])
async def test_the_login_form_refuses_control_characters(
    registry: RunningRegistry, patron: RegisteredPatron, keys_dir: Path, character: str
) -> None:
    context = ssl.create_default_context(cafile=KeyLayout(keys_dir).ca_certificate)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
        for form in (
            {"card_number": patron.record.card_number + character, "pin": PIN, "lang": "en"},
            {"card_number": patron.record.card_number, "pin": character + PIN, "lang": "en"},
        ):
            async with session.post(registry.public_url + "/login", data=form) as response:
                assert response.status == 422
                assert response.content_type == "application/problem+json"
                problem = await response.json(content_type=None)
                assert problem["code"] == "control_character"
                assert "server" not in {name.lower() for name in response.headers}
