"""The insight site over real HTTPS: no lockout by strangers, no telling cards apart, limits per source,
server-held sessions, and the PIN asked again before the full national ID is shown."""

from __future__ import annotations

import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from plumbing.errors import DomainError
from plumbing.keys.layout import KeyLayout
from registry import app_keys
from registry.app import RunningRegistry
from registry.insight import service as insight
from registry.patrons.core import RegistryCore
from registry_contract.card_number import format_card_number
from registry_contract.pins import PinHasher
from tests.insight.conftest import PIN, RegisteredPatron
from tests.servers import registry_client

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
WRONG_PIN = "9071"
WRONG_PIN_TEXT = "Feil lånekortnummer eller PIN-kode."


@asynccontextmanager
async def browser_like(registry: RunningRegistry, keys_dir: Path) -> AsyncIterator[aiohttp.ClientSession]:
    context = ssl.create_default_context(cafile=str(KeyLayout(keys_dir).ca_certificate))
    async with aiohttp.ClientSession(
        base_url=registry.public_url,
        connector=aiohttp.TCPConnector(ssl=context),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    ) as client:
        yield client


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


async def _log_in(client: aiohttp.ClientSession, card_number: str, pin: str) -> tuple[int, str, dict[str, str]]:
    async with client.get("/?lang=nb") as start:
        token = _csrf(await start.text())
    form = {"csrf": token, "lang": "nb", "card_number": card_number, "pin": pin}
    async with client.post("/login", data=form) as response:
        return response.status, await response.text(), dict(response.headers)


async def _db(registry_database_url: str) -> asyncpg.Connection:
    return await asyncpg.connect(registry_database_url)


async def test_unknown_replaced_and_pinless_cards_answer_exactly_like_a_wrong_pin(
    registry: RunningRegistry, patron: RegisteredPatron, keys_dir: Path, registry_database_url: str
) -> None:
    # A replaced card (reported lost at Asker) and a card whose PIN was never set.
    async with registry_client(registry, keys_dir, "asker") as asker:
        replaced = await asker.report_lost_card(patron.record.patron_id, version=patron.record.version)
    connection = await _db(registry_database_url)
    try:
        old_card = patron.record.card_number
        unknown = await connection.fetchval("SELECT max(card_serial) + 500 FROM patrons")
        await connection.execute("UPDATE patrons SET pin_hash = NULL WHERE patron_id = $1", patron.record.patron_id)
    finally:
        await connection.close()
    async with browser_like(registry, keys_dir) as client:
        answers = [
            await _log_in(client, card, WRONG_PIN)
            for card in (old_card, replaced.card_number, format_card_number(unknown))
        ]
    for status, page, _ in answers:
        assert status == 401
        assert WRONG_PIN_TEXT in page
    assert len({page for _, page, _ in answers}) == 1


class CountingHasher(PinHasher):
    verifications = 0

    async def verify_pin(self, pin: str, encoded: str) -> bool:
        self.verifications += 1
        return await super().verify_pin(pin, encoded)


async def test_an_unknown_card_costs_the_same_argon2_work_as_a_wrong_pin(
    registry: RunningRegistry, patron: RegisteredPatron
) -> None:
    """Timing by counting: every answer at the insight login does exactly one Argon2 verification."""
    core = registry.runner.app[app_keys.CORE]
    hasher = CountingHasher(core.keyring.pin_pepper, time_cost=1, memory_cost=1024)
    counted = RegistryCore(
        pool=core.pool, current_keyring=lambda: core.keyring, pin_hasher=hasher, allow_synthetic_national_ids=True
    )
    hasher.verifications = 0
    for card_number, pin in [
        (format_card_number(999_999), PIN),
        (patron.record.card_number, WRONG_PIN),
        (patron.record.card_number, "12x"),
    ]:
        with pytest.raises(DomainError) as refused:
            await insight.log_in(counted, card_number, pin)
        assert refused.value.code == "pin_invalid"
    assert hasher.verifications == 3


async def test_strangers_online_cannot_lock_a_card_at_the_libraries(
    registry: RunningRegistry, patron: RegisteredPatron, keys_dir: Path, registry_database_url: str
) -> None:
    async with browser_like(registry, keys_dir) as client:
        for _ in range(3):
            assert (await _log_in(client, patron.record.card_number, WRONG_PIN))[0] == 401
        status, page, headers = await _log_in(client, patron.record.card_number, PIN)
        assert status == 429
        assert headers["Retry-After"] == "30"
        assert "For mange feil PIN-koder. Vent 30 sekunder" in page
    connection = await _db(registry_database_url)
    try:
        counters = await connection.fetchrow(
            "SELECT pin_failed_attempts, pin_online_failed_attempts FROM patrons WHERE patron_id = $1",
            patron.record.patron_id,
        )
        assert tuple(counters) == (0, 3)
        # Years of guessing online, however many: still never locked for good, only delayed.
        await connection.execute(
            "UPDATE patrons SET pin_online_failed_attempts = 5000, "
            "pin_online_last_failed_at = now() - interval '1 day' WHERE patron_id = $1",
            patron.record.patron_id,
        )
    finally:
        await connection.close()
    # The library door has its own counter: the patron at a kiosk is not held back by the stranger.
    async with registry_client(registry, keys_dir, "sandnes") as sandnes:
        assert (await sandnes.authenticate(patron.record.card_number, PIN)).patron_id == patron.record.patron_id
    async with browser_like(registry, keys_dir) as client:
        await _log_in(client, patron.record.card_number, PIN)
        async with client.get("/me") as response:
            assert response.url.path == "/me"


async def test_guessing_across_cards_from_one_address_is_limited(
    registry: RunningRegistry, patron: RegisteredPatron, keys_dir: Path
) -> None:
    async with browser_like(registry, keys_dir) as client:
        for serial in range(10):
            assert (await _log_in(client, format_card_number(900_000 + serial), WRONG_PIN))[0] == 401
        status, page, headers = await _log_in(client, format_card_number(900_010), WRONG_PIN)
        assert status == 429
        assert 1 <= int(headers["Retry-After"]) <= 30
        assert "For mange innloggingsforsøk herfra" in page
        # Refused before any PIN work: the patron's own right PIN does not get through either.
        assert (await _log_in(client, patron.record.card_number, PIN))[0] == 429


async def test_the_full_national_id_needs_the_pin_again(
    registry: RunningRegistry, patron: RegisteredPatron, keys_dir: Path
) -> None:
    async with browser_like(registry, keys_dir) as client:
        await _log_in(client, patron.record.card_number, PIN)
        async with client.get("/me?lang=nb") as response:
            token = _csrf(await response.text())
        for pin in ("", WRONG_PIN):
            async with client.post("/me/reveal", data={"csrf": token, "lang": "nb", "pin": pin}) as response:
                assert response.status == 401
                page = await response.text()
                assert patron.national_id not in page
                assert WRONG_PIN_TEXT in page
        async with client.post("/me/reveal", data={"csrf": token, "lang": "nb", "pin": PIN}) as response:
            assert response.status == 200
            assert patron.national_id in await response.text()


async def test_logout_ends_the_session_on_the_server_and_a_new_pin_ends_all(
    registry: RunningRegistry, patron: RegisteredPatron, keys_dir: Path
) -> None:
    async with browser_like(registry, keys_dir) as client:
        await _log_in(client, patron.record.card_number, PIN)
        saved = {cookie.key: cookie.value for cookie in client.cookie_jar if cookie.key == "natreg_insight"}
        assert saved
        async with client.get("/me?lang=nb") as response:
            token = _csrf(await response.text())
        async with client.post("/logout", data={"csrf": token, "lang": "nb"}) as response:
            assert "Du er logget ut." in await response.text()
    async with browser_like(registry, keys_dir) as replay, replay.get("/me?lang=nb", cookies=saved) as response:
        assert response.url.path == "/"
        assert "Økten er utløpt" in await response.text()

    async with browser_like(registry, keys_dir) as client:
        await _log_in(client, patron.record.card_number, PIN)
        async with client.get("/me") as response:
            assert response.url.path == "/me"
        async with registry_client(registry, keys_dir, "asker") as asker:
            await asker.change_pin(patron.record.patron_id, "5927")
        async with client.get("/me") as response:
            assert response.url.path == "/"


async def test_an_unknown_card_is_throttled_like_a_real_one(
    registry: RunningRegistry, patron: RegisteredPatron, keys_dir: Path
) -> None:
    """A real card's fourth wrong PIN is throttled; an unknown number's must be too, or it gives itself away."""
    outcomes = []
    async with browser_like(registry, keys_dir) as client:
        for card in (patron.record.card_number, format_card_number(900_123)):
            answers = [await _log_in(client, card, WRONG_PIN) for _ in range(4)]
            outcomes.append([(status, headers.get("Retry-After")) for status, _, headers in answers])
    assert outcomes[0] == outcomes[1] == [(401, None), (401, None), (401, None), (429, "30")]
