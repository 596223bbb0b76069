"""SIP2 terminal accounts: one per machine, created by ``natreg library add-terminal``.

The password is generated here and shown once; only its Argon2id hash is stored (the staff passwords'
hasher: a long random password needs no pepper). ``door`` marks a door panel's account, whose patron status
requests are access checks (unstaffed hours) rather than a kiosk's look-ups.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from typing import Literal

import asyncpg

from local_library.migrations import MIGRATIONS_PACKAGE
from local_library.settings import LibrarySettings
from local_library.staff.passwords import StaffPasswordHasher
from plumbing.db.pool import service_database
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind

Encoding = Literal["cp850", "utf-8"]
DEFAULT_HIDDEN_FIELDS = ("BD", "BE", "BF", "PB")
"""Home address, e-mail, phone and birth date stay off the machine's screen and receipts by default."""


@dataclass(frozen=True)
class Terminal:
    name: str
    password_hash: str
    encoding: Encoding
    crlf: bool
    institution_id: str
    hidden_fields: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    door: bool

    def allows(self, address: str) -> bool:
        """Whether a connection from ``address`` may use this account (no networks: from anywhere)."""
        if not self.networks:
            return True
        try:
            source = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(source, ipaddress.IPv6Address) and source.ipv4_mapped is not None:
            source = source.ipv4_mapped
        return any(source.version == network.version and source in network for network in self.networks)


def _terminal(row: asyncpg.Record) -> Terminal:
    return Terminal(
        name=row["name"],
        password_hash=row["password_hash"],
        encoding=row["encoding"],
        crlf=row["crlf"],
        institution_id=row["institution_id"],
        hidden_fields=frozenset(row["hidden_fields"]),
        networks=tuple(ipaddress.ip_network(str(network)) for network in row["networks"]),
        door=row["door"],
    )


async def terminal_by_name(conn: DbConnection, name: str) -> Terminal | None:
    row = await conn.fetchrow("SELECT * FROM sip2_terminals WHERE name = $1", name)
    return None if row is None else _terminal(row)


async def create_terminal(
    conn: DbConnection,
    hasher: StaffPasswordHasher,
    name: str,
    *,
    institution_id: str,
    encoding: Encoding = "cp850",
    crlf: bool = False,
    networks: tuple[str, ...] = (),
    door: bool = False,
    hidden_fields: tuple[str, ...] = DEFAULT_HIDDEN_FIELDS,
    password: str | None = None,
) -> str:
    """Create the account and return its password (generated unless given; shown once, stored as a hash)."""
    try:
        parsed = [str(ipaddress.ip_network(network, strict=False)) for network in networks]
    except ValueError as error:
        raise DomainError(ErrorKind.INVALID, "invalid_network", str(error)) from None
    # SIP2 passwords travel in a '|'-delimited field and are typed into machine set-up screens: letters and digits.
    password = password or secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")
    try:
        await conn.execute(
            "INSERT INTO sip2_terminals (name, password_hash, encoding, crlf, institution_id, hidden_fields,"
            " networks, door) VALUES ($1, $2, $3, $4, $5, $6, $7::cidr[], $8)",
            name, await hasher.hash_password(password), encoding, crlf, institution_id, list(hidden_fields),
            parsed, door,
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise DomainError(ErrorKind.CONFLICT, "terminal_exists", f"terminal {name!r} exists already") from None
    except asyncpg.CheckViolationError:
        raise DomainError(ErrorKind.INVALID, "invalid_terminal", "names are letters, digits, '.', '_' or '-'") from None
    return password


async def create_terminal_for_settings(settings: LibrarySettings, name: str, **options: object) -> str:
    """``natreg library add-terminal``: an account on the node described by ``settings``."""
    async with (
        service_database(
            settings.database_url, settings.data_dir, settings.database_name, MIGRATIONS_PACKAGE, max_size=1
        ) as pool,
        pool.acquire() as conn,
    ):
        return await create_terminal(conn, StaffPasswordHasher(), name, **options)  # type: ignore[arg-type]
