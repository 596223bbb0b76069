"""The registry's database away while a service redeems its code: a 503 the service can retry, and the code
not spent (the exchange is one transaction: it happens once or not at all)."""

from __future__ import annotations

import ssl
import uuid
from pathlib import Path

import aiohttp

from plumbing.keys.layout import KeyLayout
from registry_contract.models import RegisterPatron
from registry_contract.national_id import generate_synthetic_national_ids
from tests.oidc.conftest import EBOOK_CALLBACK, PatronBrowser, RegisteredPatron, RelyingParty, code_for, register
from tests.outage import separate_cluster
from tests.registry.conftest import CHEAP_PINS
from tests.servers import registry_client, run_registry


async def test_a_code_redeemed_while_the_database_is_away_answers_503_and_stays_good(
    keys_dir: Path, patron_browser: PatronBrowser
) -> None:
    async with separate_cluster() as cluster:
        registry = await run_registry(cluster.database_url, keys_dir, **CHEAP_PINS)
        try:
            national_id = next(generate_synthetic_national_ids(1, seed=uuid.uuid4().int % 10_000))
            async with registry_client(registry, keys_dir, "asker") as asker:
                record = await asker.register_patron(
                    RegisterPatron(national_id=national_id, name="Drift Stans", pin="4821", email="drift@example.org"),
                    idempotency_key=str(uuid.uuid4()),
                )
            patron = RegisteredPatron(record=record, national_id=national_id)
            service = await register(cluster.database_url, keys_dir, "ebok", [EBOOK_CALLBACK])
            party = RelyingParty(registry, service, EBOOK_CALLBACK, KeyLayout(keys_dir).ca_certificate)
            callback, verifier, nonce = await code_for(party, patron_browser, patron)
            code = callback.split("code=", 1)[1].split("&", 1)[0]

            await cluster.stop()
            assert service.secret is not None
            context = ssl.create_default_context(cafile=str(party.ca_file))
            async with (
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as http,
                http.post(
                    registry.public_url + "/oidc/token",
                    data={"grant_type": "authorization_code", "code": code, "redirect_uri": EBOOK_CALLBACK,
                          "code_verifier": verifier},
                    headers={"Authorization": aiohttp.encode_basic_auth("ebok", service.secret)},
                ) as response,
            ):  # fmt: skip
                assert response.status == 503
                assert int(response.headers["Retry-After"]) > 0
                assert (await response.json(content_type=None))["code"] == "database_unavailable"

            await cluster.start()
            token = await party.fetch_token(party.session(), callback, code_verifier=verifier)
            assert (await party.id_token_claims(token["id_token"], nonce))["home_library"] == "asker"
            party.close()
        finally:
            await registry.stop()
