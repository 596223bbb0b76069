"""The administrators' desk over real TLS with real certificates: who gets in, and what a decision does."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import html
import json
import re
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from natreg.cli import main
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import add_administrator, add_key_encryption_key, revoke_administrator
from registry.app import RunningRegistry
from registry_contract.client import card_and_pin
from tests.admin_desk.conftest import (
    ADMINISTRATOR,
    PIN,
    WaitingRequest,
    admin_session,
    client_context,
    file_request,
    library_session,
)
from tests.servers import registry_client

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _token(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


async def _page(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url) as response:
        return response.status, html.unescape(await response.text())


async def _post(session: aiohttp.ClientSession, url: str, form: dict[str, str]) -> aiohttp.ClientResponse:
    async with session.post(url, data=form, allow_redirects=False) as response:
        await response.read()
        return response


async def _request_row(database_url: str, request_id: uuid.UUID) -> asyncpg.Record:
    connection = await asyncpg.connect(database_url)
    try:
        row = await connection.fetchrow(
            "SELECT r.status, r.decided_by, r.decision_note, p.patron_id IS NOT NULL AS present "
            "FROM erasure_requests r LEFT JOIN patrons p USING (patron_id) WHERE request_id = $1",
            request_id,
        )
    finally:
        await connection.close()
    assert row is not None
    return row


async def _audit(database_url: str, actor: str) -> list[tuple[str, uuid.UUID | None]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT operation, patron_id FROM (SELECT operation, patron_id, occurred_at FROM audit_log WHERE actor = $1"
            " UNION ALL SELECT operation, patron_id, occurred_at FROM audit_pending WHERE actor = $1) a "
            "ORDER BY occurred_at",
            actor,
        )
    finally:
        await connection.close()
    return [(row["operation"], row["patron_id"]) for row in rows]


async def test_without_a_certificate_the_handshake_fails(registry: RunningRegistry, own_keys_dir: Path) -> None:
    connector = aiohttp.TCPConnector(ssl=client_context(own_keys_dir, None, None))
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientError):
            await _page(session, registry.admin_url + "/requests")


async def test_a_library_certificate_never_opens_the_desk(registry: RunningRegistry, own_keys_dir: Path) -> None:
    async with library_session(own_keys_dir, "asker") as session:
        status, page = await _page(session, registry.admin_url + "/requests?lang=en")
    assert status == 403
    assert "does not open the administrators' desk" in page
    assert "Deletion requests" not in page


async def test_an_administrator_certificate_never_calls_the_node_api(
    registry: RunningRegistry, own_keys_dir: Path
) -> None:
    async with admin_session(own_keys_dir) as session:
        credentials = base64.b64encode(f"{ADMINISTRATOR}:anything".encode()).decode()
        headers = {"Authorization": f"Basic {credentials}"}
        async with session.get(registry.api_url + "/v1/whoami", headers=headers) as response:
            assert response.status == 403
            assert (await response.json())["code"] == "administrator_certificate"


async def test_a_revoked_administrator_is_refused_at_once(registry: RunningRegistry, own_keys_dir: Path) -> None:
    async with admin_session(own_keys_dir) as session:
        status, _ = await _page(session, registry.admin_url + "/requests")
        assert status == 200
        revoke_administrator(own_keys_dir, ADMINISTRATOR)
        # The connection opened before the revocation is kept alive, and refused on its next request.
        status, page = await _page(session, registry.admin_url + "/requests?lang=en")
        assert status == 403
        assert "has been revoked" in page
    # A new connection does not get past the handshake (the certificate is on the CRL).
    async with admin_session(own_keys_dir) as session:
        with pytest.raises(aiohttp.ClientError):
            await _page(session, registry.admin_url + "/requests")


async def test_forms_need_the_token_bound_to_the_administrators_certificate(
    registry: RunningRegistry, own_keys_dir: Path, waiting: WaitingRequest, registry_database_url: str
) -> None:
    add_administrator(own_keys_dir, "ola")
    async with admin_session(own_keys_dir, "ola") as ola:
        _, page = await _page(ola, f"{registry.admin_url}/requests/{waiting.request_id}")
        olas_token = _token(page)
    decide = f"{registry.admin_url}/requests/{waiting.request_id}/decide"
    form = {"decision": "approve", "reason": "asked in person", "confirmed": "yes", "lang": "en"}
    async with admin_session(own_keys_dir) as kari:
        for token in (None, "forged", olas_token):
            response = await _post(kari, decide, form | ({"csrf": token} if token else {}))
            assert response.status == 403
        _, page = await _page(kari, f"{registry.admin_url}/requests/{waiting.request_id}?lang=en")
        assert "Approve and erase" in page
    row = await _request_row(registry_database_url, waiting.request_id)
    assert (row["status"], row["present"]) == ("pending", True)


async def test_approving_takes_a_confirmation_and_is_audited_under_the_administrators_name(
    registry: RunningRegistry, own_keys_dir: Path, waiting: WaitingRequest, registry_database_url: str
) -> None:
    patron = waiting.patron
    async with admin_session(own_keys_dir) as session:
        status, listing = await _page(session, registry.admin_url + "/requests?lang=nb")
        assert status == 200
        assert patron.card_number in listing
        assert "Sandnes bibliotek" in listing  # the filing library, by its name
        assert "Sletting" in listing

        _, shown = await _page(session, f"{registry.admin_url}/requests/{waiting.request_id}?lang=en")
        assert "Erik Erasmus" in shown
        assert "<li>Asker Library</li>" in shown  # English name where the library has one
        assert "<li>Sandnes bibliotek</li>" in shown  # else its one name
        decide = f"{registry.admin_url}/requests/{waiting.request_id}/decide"
        form = {"csrf": _token(shown), "lang": "en", "decision": "approve", "reason": "asked at Sandnes in person"}

        response = await _post(session, decide, form)
        assert response.status == 200
        assert (await _request_row(registry_database_url, waiting.request_id))["status"] == "pending"

        response = await _post(session, decide, form | {"confirmed": "yes"})
        assert response.status == 303
        assert response.headers["Location"] == f"/requests/{waiting.request_id}?decided=approved&lang=en"
        _, after = await _page(session, registry.admin_url + response.headers["Location"])
        assert "Approved: the record is erased." in after
        assert "asked at Sandnes in person" in after

        # A second press (another tab, a double click) changes nothing and says why.
        async with session.post(decide, data=form | {"confirmed": "yes"}) as again:
            assert again.status == 409
            assert "already been decided" in await again.text()

    row = await _request_row(registry_database_url, waiting.request_id)
    assert (row["status"], row["decided_by"], row["decision_note"], row["present"]) == (
        "approved", f"admin:{ADMINISTRATOR}", "asked at Sandnes in person", False,
    )  # fmt: skip
    operations = [operation for operation, _ in await _audit(registry_database_url, f"admin:{ADMINISTRATOR}")]
    assert operations[0] == "list_erasure_requests"
    assert "show_erasure_request" in operations
    assert "approved_deletion" in operations
    async with registry_client(registry, own_keys_dir, "asker") as asker:
        assert (await asker.changes(None, limit=1000)).changes[-1].change == "deleted"


async def test_rejecting_needs_a_reason_and_keeps_the_record(
    registry: RunningRegistry, own_keys_dir: Path, waiting: WaitingRequest, registry_database_url: str
) -> None:
    async with admin_session(own_keys_dir) as session:
        _, shown = await _page(session, f"{registry.admin_url}/requests/{waiting.request_id}?lang=en")
        decide = f"{registry.admin_url}/requests/{waiting.request_id}/decide"
        base = {"csrf": _token(shown), "lang": "en", "decision": "reject"}
        missing = await _post(session, decide, base | {"reason": "   ", "confirmed": "yes"})
        assert missing.status == 422
        too_long = await _post(session, decide, base | {"reason": "x" * 501, "confirmed": "yes"})
        assert too_long.status == 422
        unknown = await _post(session, decide, base | {"decision": "erase", "reason": "why", "confirmed": "yes"})
        assert unknown.status == 422
        assert (await _request_row(registry_database_url, waiting.request_id))["status"] == "pending"
        confirm = await _post(session, decide, base | {"reason": "filed for the wrong person"})
        assert confirm.status == 200
        done = await _post(session, decide, base | {"reason": "filed for the wrong person", "confirmed": "yes"})
        assert done.status == 303
        status, missing_page = await _page(session, f"{registry.admin_url}/requests/{uuid.uuid4()}?lang=en")
        assert (status, "No such request." in missing_page) == (404, True)
        status, _ = await _page(session, f"{registry.admin_url}/requests/not-a-uuid")
        assert status == 404
    row = await _request_row(registry_database_url, waiting.request_id)
    assert (row["status"], row["present"]) == ("rejected", True)


async def test_the_command_line_and_the_pages_share_one_implementation(
    registry: RunningRegistry, own_keys_dir: Path, registry_database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    deletion = await file_request(registry, own_keys_dir, name="Dina Deletion")
    death = await file_request(registry, own_keys_dir, name="Dag Death", kind="death_notice")
    monkeypatch.setenv("NATREG_REGISTRY_DATABASE_URL", registry_database_url)
    monkeypatch.setenv("NATREG_REGISTRY_KEYS_DIR", str(own_keys_dir))
    monkeypatch.setenv("NATREG_REGISTRY_DATA_DIR", str(own_keys_dir.parent / "cli-data"))
    monkeypatch.setenv("NATREG_ADMIN", "ops-anna")

    # Decided on the command line, shown as decided on the desk; decided on the desk, listed by the command.
    assert await asyncio.to_thread(main, ["admin", "deletion-requests", "reject", str(death.request_id),
                                          "--note", "not dead"]) == 0  # fmt: skip
    async with admin_session(own_keys_dir) as session:
        _, page = await _page(session, f"{registry.admin_url}/requests/{death.request_id}?lang=en")
        assert "rejected" in page
        assert "ops-anna" in page
        assert "not dead" in page
        _, pending = await _page(session, registry.admin_url + "/requests?lang=en")
        assert deletion.patron.card_number in pending
        assert death.patron.card_number not in pending
        _, deletion_page = await _page(session, f"{registry.admin_url}/requests/{deletion.request_id}?lang=en")
        form = {
            "csrf": _token(deletion_page),
            "lang": "en",
            "decision": "approve",
            "reason": "asked",
            "confirmed": "yes",
        }
        assert (await _post(session, f"{registry.admin_url}/requests/{deletion.request_id}/decide", form)).status == 303
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["admin", "deletion-requests", "list", "--status", "all"]) == 0
    listing = capsys.readouterr().out
    assert f"{deletion.request_id}  deletion     approved" in listing
    assert f"{death.request_id}  death_notice rejected" in listing
    assert f"card {death.patron.card_number}" in listing  # rejected: the record stays
    assert "card (erased)" in listing
    # Both doors record the same operations, each under its administrator's name.
    cli_operations = {operation for operation, _ in await _audit(registry_database_url, "admin:ops-anna")}
    desk_operations = {operation for operation, _ in await _audit(registry_database_url, f"admin:{ADMINISTRATOR}")}
    assert {"rejected_death_notice", "list_erasure_requests"} <= cli_operations
    assert {"approved_deletion", "list_erasure_requests", "show_erasure_request"} <= desk_operations


async def test_libraries_audit_and_keys_pages(
    registry: RunningRegistry, own_keys_dir: Path, registry_database_url: str
) -> None:
    async with registry_client(registry, own_keys_dir, "asker") as asker:
        await asker.whoami()
    async with admin_session(own_keys_dir) as session:
        for _ in range(50):  # the last-seen write is made off the request's path
            _, libraries = await _page(session, registry.admin_url + "/libraries?lang=en")
            asker_row = re.search(r"<tr><td>asker</td>.*?</tr>", libraries)
            if asker_row and "never" not in asker_row.group(0):
                break
            await asyncio.sleep(0.1)
        assert asker_row is not None
        assert "Asker Library" in asker_row.group(0)
        assert "active" in asker_row.group(0)
        oslo_row = re.search(r"<tr><td>oslo</td>.*?</tr>", libraries)
        assert oslo_row is not None
        assert "never" in oslo_row.group(0)

        _, audit = await _page(session, registry.admin_url + "/audit?lang=en")
        assert "Last sealed entry" in audit
        verified = await _post(session, registry.admin_url + "/audit/verify", {"csrf": _token(audit), "lang": "en"})
        assert verified.status == 200
        async with session.post(
            registry.admin_url + "/audit/verify", data={"csrf": _token(audit), "lang": "en"}
        ) as response:
            assert "The chain is intact" in await response.text()
        assert (await _post(session, registry.admin_url + "/audit/verify", {"lang": "en"})).status == 403

        await file_request(registry, own_keys_dir)
        add_key_encryption_key(own_keys_dir)
        _, keys = await _page(session, registry.admin_url + "/keys?lang=en")
        assert "<tr><td>1</td><td>1</td><td>no</td></tr>" in keys
        assert "<tr><td>2</td><td>0</td><td>yes</td></tr>" in keys
        assert "1 patrons have a data key wrapped by an older version" in keys
        assert "Valid until" in keys
        assert f"administrator {ADMINISTRATOR}" in keys
    operations = {operation for operation, _ in await _audit(registry_database_url, f"admin:{ADMINISTRATOR}")}
    assert {
        "admin_view_libraries",
        "admin_view_audit_chain",
        "admin_verify_audit_chain",
        "admin_view_keys",
    } <= operations


def test_pkcs12_file_opens_with_its_password(own_keys_dir: Path) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: PLC0415 - only this test needs it

    issued = add_administrator(own_keys_dir, "per")
    assert issued.password_file.stat().st_mode & 0o777 == 0o600
    assert issued.pkcs12_file.stat().st_mode & 0o777 == 0o600
    assert issued.password_file.read_text().strip() == issued.password
    bundle = pkcs12.load_pkcs12(issued.pkcs12_file.read_bytes(), issued.password.encode())
    assert bundle.cert is not None
    assert bundle.cert.certificate.subject.rfc4514_string() == "CN=per,OU=registry administrators,O=natreg"
    with pytest.raises(ValueError, match="Invalid password"):
        pkcs12.load_pkcs12(issued.pkcs12_file.read_bytes(), b"wrong")


async def test_a_request_whose_record_is_already_gone_can_still_be_closed(
    registry: RunningRegistry, own_keys_dir: Path, registry_database_url: str
) -> None:
    waiting = await file_request(registry, own_keys_dir, name="Otto Optout")
    async with registry_client(registry, own_keys_dir, "sandnes") as sandnes:
        await sandnes.unlink(waiting.patron.patron_id, card_and_pin(waiting.patron.card_number, PIN))
    async with registry_client(registry, own_keys_dir, "asker") as asker:
        await asker.opt_out(waiting.patron.patron_id, card_and_pin(waiting.patron.card_number, PIN))
    async with admin_session(own_keys_dir) as session:
        _, shown = await _page(session, f"{registry.admin_url}/requests/{waiting.request_id}?lang=en")
        assert "(the record is erased)" in shown
        assert "Erik" not in shown
        form = {"csrf": _token(shown), "lang": "en", "decision": "approve", "reason": "record already gone"}
        decide = f"{registry.admin_url}/requests/{waiting.request_id}/decide"
        assert (await _post(session, decide, form)).status == 200
        assert (await _post(session, decide, form | {"confirmed": "yes"})).status == 303
    row = await _request_row(registry_database_url, waiting.request_id)
    assert (row["status"], row["present"]) == ("approved", False)


async def test_the_keys_page_warns_of_an_administrator_certificate_about_to_expire(
    registry: RunningRegistry, own_keys_dir: Path
) -> None:
    layout = KeyLayout(own_keys_dir)
    document = json.loads(layout.administrator_registry.read_text())
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    document["administrators"][ADMINISTRATOR]["certificate_not_after"] = soon.isoformat()
    layout.administrator_registry.write_text(json.dumps(document))
    async with admin_session(own_keys_dir) as session:
        _, keys = await _page(session, registry.admin_url + "/keys?lang=en")
    assert f"the administrator {ADMINISTRATOR} certificate expires at {soon:%Y-%m-%dT%H:%M}Z" in keys
