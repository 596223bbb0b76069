"""What lets several service instances share one PostgreSQL through PgBouncer and follow a Patroni failover.

PgBouncer in transaction mode hands each transaction whatever server connection is free, so nothing may
live in a session: no session-level SET, advisory lock, LISTEN (except the registry's own dedicated
listener connection), cursor WITH HOLD, PREPARE or temporary table. And a database URL may list several
hosts with ``target_session_attrs=read-write``, the way a client follows the primary after a failover.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from plumbing.db.pool import create_pool
from tests.keep_alive import basic_authorization, library_connection, raw_whoami
from tests.servers import run_registry

ROOT = Path(__file__).resolve().parents[2]
SESSION_STATE = {
    "session-level advisory lock": re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\(", re.IGNORECASE),
    "session-level SET": re.compile(r"""(execute|fetch\w*)\(\s*f?["']{1,3}\s*SET\s+(?!LOCAL\b)""", re.IGNORECASE),
    "cursor WITH HOLD": re.compile(r"\bWITH\s+HOLD\b", re.IGNORECASE),
    "PREPARE statement": re.compile(r"""["']{1,3}\s*PREPARE\s""", re.IGNORECASE),
    "temporary table": re.compile(r"\bCREATE\s+TEMP(ORARY)?\s+TABLE\b", re.IGNORECASE),
    "LISTEN": re.compile(r"""\badd_listener\(|["']{1,3}\s*LISTEN\s""", re.IGNORECASE),
}
# The registry's library directory LISTENs on a connection of its own (never a pooled one).
ALLOWED = {("LISTEN", "registry/auth/libraries.py")}


def test_no_service_code_keeps_state_in_a_database_session() -> None:
    found = []
    for package in ("plumbing", "registry", "local_library", "registry_contract"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix not in {".py", ".sql"}:
                continue
            relative = path.relative_to(ROOT).as_posix()
            text = path.read_text()
            found += [
                f"{relative}: {what}"
                for what, pattern in SESSION_STATE.items()
                if pattern.search(text) and (what, relative) not in ALLOWED
            ]
    assert found == []


def _with_a_dead_host_first(database_url: str, dead_socket_dir: Path) -> str:
    """The same database behind a host list whose first host is down (as a failed primary would be)."""
    parts = urlsplit(database_url)
    live = parse_qs(parts.query)["host"][0]
    hosts = quote(f"{dead_socket_dir},{live}", safe="")
    return f"postgresql://postgres@{parts.path}?host={hosts}&target_session_attrs=read-write"


async def test_a_database_url_listing_several_hosts_reaches_the_writable_one(
    registry_database_url: str, own_keys_dir: Path, tmp_path: Path
) -> None:
    url = _with_a_dead_host_first(registry_database_url, tmp_path)
    pool = await create_pool(url)
    try:
        assert await pool.fetchval("SELECT NOT pg_is_in_recovery()") is True
    finally:
        await pool.close()
    registry = await run_registry(url, own_keys_dir)
    try:
        async with library_connection(registry.api_url, own_keys_dir, "asker") as (reader, writer):
            answer = await raw_whoami(writer, reader, basic_authorization(own_keys_dir, "asker"))
        assert answer.startswith(b"HTTP/1.1 200")
    finally:
        await registry.stop()
