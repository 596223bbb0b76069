"""The staff HTTP API of a node: logins and roles, and each operation end to end with problem+json refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from local_library import app_keys
from local_library.app import create_app
from local_library.clock import FixedClock
from local_library.policy import PolicyError
from local_library.settings import LibrarySettings
from tests.library.conftest import FIRST_DAY, GOOD_PIN

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
Client = TestClient[web.Request, web.Application]
ADMIN_PASSWORD = "correct horse battery staple"

CATALOGUE = """barcode,title,material,audience,purchase_price_ore
F-1,Kon-Tiki,film,adult,19900
Q-1,Sult,quick_loan_book,adult,34900
B-1,Pelle og Proffen,book,child,24900
X-1,Ukjent,sculpture,adult,100
"""


def node_settings(library_id: str, database_url: str, keys_dir: Path, tmp_path: Path) -> LibrarySettings:
    password_file = tmp_path / "admin-password"
    password_file.write_text(ADMIN_PASSWORD, encoding="utf-8")
    return LibrarySettings(
        library_id=library_id,
        database_url=database_url,
        keys_dir=keys_dir,
        data_dir=tmp_path,
        registry_url="https://127.0.0.1:9",  # never called: these tests do not touch the registry
        local_pin_pepper_path=tmp_path / "pin-pepper.key",
        daily_run_enabled=False,
        bootstrap_admin_password_file=password_file,
    )


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, library_database_url: str, keys_dir: Path, tmp_path: Path
) -> tuple[Client, FixedClock]:
    app = create_app(node_settings("asker", library_database_url, keys_dir, tmp_path))
    clock = FixedClock(FIRST_DAY)
    app[app_keys.CLOCK] = clock
    return await aiohttp_client(app), clock


async def call(
    client: Client, method: str, path: str, *, token: str | None = None, json: Any = None, expect: int = 200
) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with client.request(method, path, json=json, headers=headers) as response:
        body = await response.json(content_type=None) if response.status != 204 else None
        assert response.status == expect, body
        if response.status >= 400:
            assert response.content_type == "application/problem+json"
        return body


async def log_in(client: Client, username: str, password: str) -> str:
    issued = await call(client, "POST", "/api/staff/login", json={"username": username, "password": password})
    token: str = issued["token"]
    return token


async def staff_tokens(client: Client) -> tuple[str, str]:
    admin = await log_in(client, "admin", ADMIN_PASSWORD)
    account = {"username": "desk1", "password": "another long password", "role": "desk"}
    await call(client, "POST", "/api/staff/accounts", token=admin, json=account, expect=201)
    return admin, await log_in(client, "desk1", "another long password")


async def test_staff_logins_are_limited_per_address_with_retry_after(client: tuple[Client, FixedClock]) -> None:
    """Password guessing at the staff login meets the per-source limit before any password hashing."""
    api, clock = client
    wrong = {"username": "admin", "password": "not the password"}
    for _ in range(10):
        await call(api, "POST", "/api/staff/login", json=wrong, expect=401)
    async with api.post("/api/staff/login", json={"username": "admin", "password": ADMIN_PASSWORD}) as limited:
        assert limited.status == 429
        assert limited.content_type == "application/problem+json"
        assert (await limited.json())["code"] == "login_rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
    clock.advance(seconds=30)
    await log_in(api, "admin", ADMIN_PASSWORD)


async def test_staff_must_log_in_and_only_admins_manage(client: tuple[Client, FixedClock], tmp_path: Path) -> None:
    api, _ = client
    assert (await call(api, "GET", "/api/staff/me", expect=401))["code"] == "login_required"
    assert (await call(api, "GET", "/api/staff/me", token="made-up", expect=401))["code"] == "token_invalid"
    wrong = {"username": "admin", "password": "not the password"}
    assert (await call(api, "POST", "/api/staff/login", json=wrong, expect=401))["code"] == "login_failed"

    admin, desk = await staff_tokens(api)
    assert await call(api, "GET", "/api/staff/me", token=desk) == {"username": "desk1", "role": "desk"}
    account = {"username": "desk2", "password": "yet another password", "role": "admin"}
    assert (await call(api, "POST", "/api/staff/accounts", token=desk, json=account, expect=403))["code"] == (
        "admin_required"
    )
    short = {"username": "desk2", "password": "short", "role": "desk"}
    assert (await call(api, "POST", "/api/staff/accounts", token=admin, json=short, expect=422))["code"] == (
        "validation_failed"
    )
    await call(api, "POST", "/api/staff/logout", token=desk, expect=204)
    await call(api, "GET", "/api/staff/me", token=desk, expect=401)
    assert (tmp_path / "pin-pepper.key").stat().st_mode & 0o777 == 0o600


async def import_catalogue(api: Client, admin: str, desk: str) -> dict[str, Any]:
    headers = {"Content-Type": "text/csv"}
    async with api.post(
        "/api/staff/items/import", data=CATALOGUE, headers={**headers, "Authorization": "Bearer " + desk}
    ) as refused:
        assert refused.status == 403
    async with api.post(
        "/api/staff/items/import", data=CATALOGUE, headers={**headers, "Authorization": "Bearer " + admin}
    ) as response:
        assert response.status == 200
        report: dict[str, Any] = await response.json()
    return report


async def test_a_day_at_the_asker_desk(client: tuple[Client, FixedClock]) -> None:
    api, clock = client
    admin, desk = await staff_tokens(api)
    report = await import_catalogue(api, admin, desk)
    assert (report["added"], [problem["line"] for problem in report["problems"]]) == (3, [5])

    registration = {
        "name": "Kari Nordmann",
        "birth_date": "1980-05-17",
        "email": "kari@example.org",
        "preferred_contact": "email",
        "pin": GOOD_PIN,
    }
    patron = await call(api, "POST", "/api/staff/patrons", token=desk, json=registration, expect=201)
    card = patron["card_number"]
    assert card.startswith("L")
    assert "pin" not in patron
    assert patron["has_pin"] is True

    # Asker asks every patron for their PIN at the desk too ("Alle lånere blir avkrevd pin-kode ved lån").
    without_pin = {"card_number": card, "barcode": "F-1"}
    assert (await call(api, "POST", "/api/staff/checkouts", token=desk, json=without_pin, expect=422))[
        "code"
    ] == "pin_required"
    wrong_pin = {**without_pin, "pin": "9071"}
    assert (await call(api, "POST", "/api/staff/checkouts", token=desk, json=wrong_pin, expect=403))[
        "code"
    ] == "pin_invalid"
    film = await call(
        api, "POST", "/api/staff/checkouts", token=desk, json={**without_pin, "pin": GOOD_PIN}, expect=201
    )
    assert film["due_on"] == (clock.today() + timedelta(days=7)).isoformat()

    kiosk = {"card_number": card, "barcode": "Q-1", "pin": "9999"}
    assert (await call(api, "POST", "/api/staff/kiosk/checkouts", token=desk, json=kiosk, expect=403))[
        "code"
    ] == "pin_invalid"
    quick = await call(
        api, "POST", "/api/staff/kiosk/checkouts", token=desk, json={**kiosk, "pin": GOOD_PIN}, expect=201
    )
    assert quick["due_on"] == (clock.today() + timedelta(days=10)).isoformat()

    other = await call(
        api, "POST", "/api/staff/patrons", token=desk, json={**registration, "email": "ola@example.org"}, expect=201
    )
    wants_quick = {"card_number": other["card_number"], "barcode": "Q-1"}
    refused = await call(api, "POST", "/api/staff/reservations", token=desk, json=wants_quick, expect=409)
    assert refused["code"] == "not_reservable"
    wants_film = {"card_number": other["card_number"], "barcode": "F-1"}
    reservation = await call(api, "POST", "/api/staff/reservations", token=desk, json=wants_film, expect=201)
    assert reservation["status"] == "waiting"
    renewal = await call(api, "POST", f"/api/staff/loans/{film['loan_id']}/renew", token=desk, expect=409)
    assert renewal["code"] == "reserved_by_another"

    returned = await call(api, "POST", "/api/staff/returns", token=desk, json={"barcode": "F-1"})
    assert returned["held_for"]["reference_number"]
    assert returned["held_for"]["pickup_deadline"] == (clock.today() + timedelta(days=5)).isoformat()

    account = await call(api, "GET", f"/api/staff/patrons/{patron['patron_id']}", token=desk)
    assert [loan["barcode"] for loan in account["loans"]] == ["Q-1"]

    lost = await call(api, "POST", f"/api/staff/patrons/{patron['patron_id']}/lost-card", token=desk)
    assert lost["fee"] is None
    assert lost["patron"]["card_number"] != card
    assert (await call(api, "GET", f"/api/staff/cards/{card}", token=desk, expect=410))["code"] == "card_replaced"

    run = await call(api, "POST", "/api/staff/daily-run", token=admin)
    assert run["notices_sent"] >= 3  # two receipts and the pickup notice
    assert (await call(api, "POST", "/api/staff/daily-run", token=admin))["notices_sent"] == 0


async def test_refusals_are_problem_documents_and_change_nothing(client: tuple[Client, FixedClock]) -> None:
    api, _ = client
    _, desk = await staff_tokens(api)
    institution = {
        "institution_name": "Solsikken barnehage",
        "responsible_person": "Ola Nordmann",
        "postal_address": "Postboks 1, 1371 Asker",
        "preferred_contact": "letter",
        "national": True,
    }
    refused = await call(api, "POST", "/api/staff/institutions", token=desk, json=institution, expect=409)
    assert refused["code"] == "institution_card_is_local"
    created = await call(
        api, "POST", "/api/staff/institutions", token=desk, json={**institution, "national": False}, expect=201
    )
    assert created["kind"] == "institution"

    minor = {"name": "Per", "birth_date": "2009-01-01", "phone": "+47 99999999", "preferred_contact": "sms"}
    assert (await call(api, "POST", "/api/staff/patrons", token=desk, json=minor, expect=422))[
        "code"
    ] == "guardian_required"
    trivial = {**minor, "birth_date": "1990-01-01", "pin": "1111"}
    assert (await call(api, "POST", "/api/staff/patrons", token=desk, json=trivial, expect=422))[
        "code"
    ] == "pin_too_simple"
    no_phone = {**minor, "phone": None}
    assert (await call(api, "POST", "/api/staff/patrons", token=desk, json=no_phone, expect=422))[
        "code"
    ] == "validation_failed"
    missing = {"card_number": "L99999999", "barcode": "nothing", "pin": GOOD_PIN}
    assert (await call(api, "POST", "/api/staff/checkouts", token=desk, json=missing, expect=404))[
        "code"
    ] == "patron_not_found"
    assert (await call(api, "POST", "/api/staff/loans/abc/renew", token=desk, expect=404))["code"] == "not_found"
    assert (await call(api, "GET", "/api/staff/patrons/not-a-uuid", token=desk, expect=404))["code"] == "not_found"
    async with api.post(
        "/api/staff/returns", data="{", headers={"Authorization": f"Bearer {desk}", "Content-Type": "application/json"}
    ) as bad:
        assert bad.status == 422
    pool = api.app[app_keys.POOL]
    assert await pool.fetchval("SELECT count(*) FROM patrons") == 1


async def test_concurrent_checkouts_over_http_lend_once(client: tuple[Client, FixedClock]) -> None:
    api, _ = client
    admin, desk = await staff_tokens(api)
    await import_catalogue(api, admin, desk)
    cards = []
    for email in ("a@example.org", "b@example.org"):
        body = {"name": "N", "birth_date": "1970-01-01", "email": email, "preferred_contact": "email", "pin": GOOD_PIN}
        cards.append((await call(api, "POST", "/api/staff/patrons", token=desk, json=body, expect=201))["card_number"])

    async def lend(card: str) -> int:
        async with api.post(
            "/api/staff/checkouts",
            json={"card_number": card, "barcode": "B-1", "pin": GOOD_PIN},
            headers={"Authorization": f"Bearer {desk}"},
        ) as response:
            return response.status

    assert sorted(await asyncio.gather(*(lend(card) for card in cards))) == [201, 409]


def test_an_invalid_policy_stops_the_start(library_database_url: str, keys_dir: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('library_id = "asker"\nloan_limit = "lots"\n', encoding="utf-8")
    settings = node_settings("asker", library_database_url, keys_dir, tmp_path).model_copy(
        update={"policy_path": policy}
    )
    with pytest.raises(PolicyError) as refused:
        create_app(settings)
    assert "loan_limit" in str(refused.value)
    assert str(policy) in str(refused.value)
