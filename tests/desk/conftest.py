"""The staff desk over real HTTPS: Min side's test node (``create_app``, fixed clock) with staff accounts.

The node is the same one Min side's tests use; two accounts, one per role, are made with its own hasher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import aiohttp
import pytest

from local_library import app_keys
from local_library.staff.accounts import create_staff_account
from tests.minside.conftest import Node, asker_policy, clock, conn, hasher, node, pool, shelf

__all__ = ["asker_policy", "clock", "conn", "hasher", "node", "pool", "shelf"]

DESK_PASSWORD = "skranke-passord-1"
ADMIN_PASSWORD = "admin-passord-123"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Staff:
    desk: str
    admin: str


@pytest.fixture
async def staff(node: Node) -> Staff:
    hasher = node.app[app_keys.STAFF_HASHER]  # the node's own: its logins verify what is made here
    async with node.pool.acquire() as connection:
        await create_staff_account(connection, "kari.skranke", DESK_PASSWORD, "desk", hasher=hasher)
        await create_staff_account(connection, "ola.admin", ADMIN_PASSWORD, "admin", hasher=hasher)
    return Staff(desk="kari.skranke", admin="ola.admin")


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


async def desk_log_in(
    client: aiohttp.ClientSession, username: str, password: str, lang: str = "nb"
) -> aiohttp.ClientResponse:
    async with client.get(f"/staff/login?lang={lang}") as start:
        token = csrf_of(await start.text())
    form = {"csrf": token, "lang": lang, "username": username, "password": password}
    response = await client.post("/staff/login", data=form)
    await response.read()
    return response
