"""The HTTPS door check end to end: a door account from `natreg library add-door`, staff recording the
agreement over the staff API, the door's answers, refusals of wrong tokens, and staff look-ups being logged."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from local_library import app_keys
from local_library.app import create_app
from local_library.clock import FixedClock
from natreg.cli import main
from tests.library.conftest import GOOD_PIN, OSLO
from tests.library.test_staff_api import AiohttpClient, Client, call, node_settings, staff_tokens

from .test_door_access import STAFFED, UNSTAFFED, move


@pytest.fixture
def node_environment(
    monkeypatch: pytest.MonkeyPatch, library_database_url: str, keys_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("NATREG_LIBRARY_DATABASE_URL", library_database_url)
    monkeypatch.setenv("NATREG_LIBRARY_KEYS_DIR", str(keys_dir))
    monkeypatch.setenv("NATREG_LIBRARY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NATREG_LIBRARY_LOCAL_PIN_PEPPER_PATH", str(tmp_path / "pin-pepper.key"))


async def _add_door(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    # The command runs its own event loop, so it runs in a thread of its own here.
    status = await asyncio.to_thread(main, ["library", "add-door", "--library", "asker", name])
    captured = capsys.readouterr()
    return status, captured.out.strip().splitlines()[-1] if status == 0 else captured.err


async def _door(client: Client, door: str, token: str, card: str, pin: str = GOOD_PIN, expect: int = 200) -> Any:
    return await call(
        client, "POST", f"/api/doors/{door}/access", token=token, json={"card_number": card, "pin": pin}, expect=expect
    )


@pytest.mark.usefixtures("node_environment")
async def test_a_door_account_opens_for_an_adult_with_the_agreement_and_refuses_wrong_tokens(
    aiohttp_client: AiohttpClient,
    pool: asyncpg.Pool,
    library_database_url: str,
    keys_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, token = await _add_door("main-entrance", capsys)
    assert status == 0
    assert len(token) >= 40
    status, error = await _add_door("main-entrance", capsys)
    assert status == 2
    assert "door_exists" in error
    stored = await pool.fetchval("SELECT token_digest FROM door_accounts WHERE door = 'main-entrance'")
    assert token.encode() not in stored

    app = create_app(node_settings("asker", library_database_url, keys_dir, tmp_path))
    clock = FixedClock(STAFFED)
    app[app_keys.CLOCK] = clock
    client = await aiohttp_client(app)
    _, desk = await staff_tokens(client)
    person = {
        "name": "Kari Nordmann", "birth_date": "1980-05-17", "email": "kari@example.org",
        "preferred_contact": "email", "pin": GOOD_PIN,
    }  # fmt: skip
    patron = await call(client, "POST", "/api/staff/patrons", token=desk, json=person, expect=201)
    card, patron_id = patron["card_number"], patron["patron_id"]
    agreement = f"/api/staff/patrons/{patron_id}/door-agreement"

    move(clock, UNSTAFFED)
    refused = await _door(client, "main-entrance", token, card)
    assert refused == {
        "admit": False,
        "reason": "no_agreement",
        "message_nb": "Du må signere avtale om meråpent i betjent åpningstid.",
        "message_en": "Sign the unstaffed-hours agreement during staffed hours first.",
    }
    # Agreements: recorded by staff only, with a date not in the future, for a patron who exists.
    await call(client, "PUT", agreement, json={"signed_on": "2025-03-01"}, expect=401)
    await call(client, "PUT", agreement, token=desk, json={"signed_on": "2030-01-01"}, expect=422)
    await call(client, "PUT", agreement, token=desk, json={"signed_on": "yesterday"}, expect=422)
    missing = "/api/staff/patrons/00000000-0000-4000-8000-000000000000/door-agreement"
    await call(client, "PUT", missing, token=desk, json={"signed_on": "2025-03-01"}, expect=404)
    await call(client, "PUT", agreement, token=desk, json={"signed_on": "2025-03-01"})
    assert await call(client, "GET", agreement, token=desk) == {"signed_on": "2025-03-01"}

    admitted = await _door(client, "main-entrance", token, card)
    assert (admitted["admit"], admitted["reason"]) == (True, "admitted")
    assert (await _door(client, "main-entrance", token, card, "0000"))["reason"] == "wrong_pin"

    # Wrong token, unknown door, no token: refused before the card is looked at, and nothing is logged.
    entries_before = await call(client, "GET", "/api/staff/door-entries", token=desk)
    for door, door_token in (("main-entrance", token[:-2] + "xx"), ("back-door", token), ("MAIN", token)):
        problem = await _door(client, door, door_token, card, expect=401)
        assert problem["code"] == "door_token_invalid"
    await call(
        client, "POST", "/api/doors/main-entrance/access", json={"card_number": card, "pin": GOOD_PIN}, expect=401
    )
    # A malformed body from a real door account is a problem, not a 500.
    await call(client, "POST", "/api/doors/main-entrance/access", token=token, json={"card": card}, expect=422)

    # Withdrawn agreement: refused again.
    await call(client, "DELETE", agreement, token=desk)
    assert (await _door(client, "main-entrance", token, card))["reason"] == "no_agreement"

    move(clock, clock.now().replace(hour=23, tzinfo=OSLO))
    assert (await _door(client, "main-entrance", token, card))["reason"] == "closed"

    # Staff look-ups: by patron, by door; each is itself logged with who asked.
    by_patron = await call(client, "GET", f"/api/staff/door-entries?patron_id={patron_id}", token=desk)
    # Only entries where the PIN was right carry the patron (closed: the card was not even checked).
    assert [e["reason"] for e in by_patron["entries"]] == ["no_agreement", "admitted", "no_agreement"]
    by_door = await call(client, "GET", "/api/staff/door-entries?door=main-entrance", token=desk)
    # The three refused tokens left no entry; the two checks after them did.
    assert len(by_door["entries"]) == len(entries_before["entries"]) + 2
    await call(client, "GET", "/api/staff/door-entries?patron_id=nope", token=desk, expect=422)
    await call(client, "GET", "/api/staff/door-entries", expect=401)
    lookups = await pool.fetch("SELECT staff_username, patron_id::text, door FROM door_entry_lookups ORDER BY 1")
    assert [tuple(row) for row in lookups] == [
        ("desk1", None, None),
        ("desk1", patron_id, None),
        ("desk1", None, "main-entrance"),
    ]


async def test_a_door_name_the_command_cannot_take(node_environment: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, error = await _add_door("Main Entrance", capsys)
    assert status == 2
    assert "door_name_invalid" in error
