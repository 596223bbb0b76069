"""A national card at a SIP2 machine: checked at the registry, which keeps the one lockout for every library."""

from __future__ import annotations

import asyncio

import pysip2

from local_library import app_keys
from local_library.sip2.terminals import create_terminal
from registry.app import RunningRegistry
from tests.national.conftest import Node, NodeFactory
from tests.national.test_national_flows import PIN, _adult_registration

T = "20250303    100000"


async def _kiosk(node: Node) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    app = node.library.runner.app
    async with app[app_keys.POOL].acquire() as conn:
        password = await create_terminal(conn, app[app_keys.STAFF_HASHER], "kiosk", institution_id="x")
    reader, writer = await asyncio.open_connection("127.0.0.1", node.library.sip2_port)
    login = pysip2.LoginRequest(
        uid_algorithm="0", pwd_algorithm="0", login_user_id="kiosk", login_password=password, location_code=None
    )
    writer.write(pysip2.encode_message(login))
    assert pysip2.decode_message(await reader.readuntil(b"\r")).message.ok == "1"
    return reader, writer


async def _status(kiosk: tuple[asyncio.StreamReader, asyncio.StreamWriter], card: str, pin: str) -> tuple[str, str]:
    reader, writer = kiosk
    request = pysip2.PatronStatusRequest(
        language="000", transaction_date=T, institution_id="x", patron_identifier=card, terminal_password="",
        patron_password=pin,
    )  # fmt: skip
    writer.write(pysip2.encode_message(request))
    answer = pysip2.decode_message(await asyncio.wait_for(reader.readuntil(b"\r"), 30)).message
    return answer.valid_patron_password, answer.personal_name


async def test_a_national_card_at_a_sip2_machine_shares_the_registry_lockout(
    registry: RunningRegistry, start_node: NodeFactory
) -> None:
    asker = await start_node("asker", registry.api_url)
    sandnes = await start_node("sandnes", registry.api_url)
    _, registered = await _adult_registration(asker, seed=47)
    card, name = registered["patron"]["card_number"], registered["patron"]["name"]
    at_sandnes = await _kiosk(sandnes)
    # First visit at Sandnes, by machine: the registry checks card and PIN (and links the patron there).
    assert await _status(at_sandnes, card, PIN) == ("Y", name)
    at_asker = await _kiosk(asker)
    for _ in range(10):
        assert await _status(at_asker, card, "9071") == ("N", "")
    # Locked at Asker's machine is locked at Sandnes's too: the lockout lives with the card, in the registry.
    assert await _status(at_sandnes, card, PIN) == ("N", "")
    for _, writer in (at_sandnes, at_asker):
        writer.close()
