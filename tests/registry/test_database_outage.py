"""The registry's database away: every request answers 503 database_unavailable with Retry-After, never 500."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from plumbing.db.pool import create_pool
from plumbing.errors import DomainError
from plumbing.http.problems import problem_middleware
from registry_contract.card_number import format_card_number
from registry_contract.client import RegistryUnavailableError
from registry_contract.models import RegisterPatron
from registry_contract.national_id import generate_synthetic_national_id
from tests.outage import separate_cluster
from tests.registry.conftest import CHEAP_PINS, RawApi
from tests.servers import registry_client, run_registry


async def test_a_registry_whose_database_is_stopped_answers_503_and_recovers(keys_dir: Path) -> None:
    async with separate_cluster() as cluster:
        registry = await run_registry(cluster.database_url, keys_dir, **CHEAP_PINS)
        raw = RawApi(registry, keys_dir)
        try:
            national_id = generate_synthetic_national_id(random.Random(3), birth_date=dt.date(1971, 2, 3))
            body = RegisterPatron(
                national_id=national_id, pin="4821", name="Under Driftsstans", email="drift@example.org"
            ).model_dump(mode="json")
            await cluster.stop()
            answers = [
                await raw.call("asker", "POST", "/v1/patrons", json=body, headers={"Idempotency-Key": "outage-1"}),
                await raw.call("asker", "GET", f"/v1/patrons/by-card/{format_card_number(1)}"),
                await raw.call("asker", "GET", f"/v1/patrons/{uuid.uuid4()}"),
                await raw.call("asker", "GET", "/v1/changes"),
            ]
            for answer in answers:
                assert answer.status == 503, answer.text
                assert answer.headers["Content-Type"].startswith("application/problem+json")
                assert answer.code == "database_unavailable"
                assert int(answer.headers["Retry-After"]) > 0

            await cluster.start()
            again = await raw.call("asker", "POST", "/v1/patrons", json=body, headers={"Idempotency-Key": "outage-1"})
            assert again.status == 201, again.text
        finally:
            await raw.close()
            await registry.stop()


async def test_the_typed_client_reports_a_503_as_unavailable_not_as_a_refusal(keys_dir: Path) -> None:
    async with separate_cluster() as cluster:
        registry = await run_registry(cluster.database_url, keys_dir, **CHEAP_PINS)
        try:
            await cluster.stop()
            async with registry_client(registry, keys_dir, "asker", retries=1, backoff_seconds=0.01) as asker:
                with pytest.raises(RegistryUnavailableError) as unavailable:
                    await asker.lookup_by_card(format_card_number(1))
                assert unavailable.value.status == 503
        finally:
            await registry.stop()


async def test_an_exhausted_pool_refuses_after_its_deadline(registry_database_url: str) -> None:
    pool = await create_pool(registry_database_url, min_size=1, max_size=1, acquire_timeout_seconds=0.2)
    try:
        async with pool.acquire():
            with pytest.raises(DomainError) as refused:
                async with pool.acquire():
                    pass
        assert refused.value.code == "database_unavailable"
        assert await pool.fetchval("SELECT 1") == 1  # the pool itself is fine afterwards
    finally:
        await pool.close()


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    ],
)
async def test_the_problem_middleware_maps_every_database_away_condition_to_503(error: Exception) -> None:
    async def failing(request: web.Request) -> web.Response:
        raise error

    app = web.Application(middlewares=[problem_middleware])
    app.router.add_get("/", failing)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/")
        assert response.status == 503
        assert (await response.json(content_type=None))["code"] == "database_unavailable"
        assert response.headers["Retry-After"]
