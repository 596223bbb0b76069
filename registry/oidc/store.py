"""All SQL of the library-service login: registered services, consents, logins in progress, access tokens.

Query functions take the connection first; the caller owns the transaction. Codes, consent handles, tokens and
client secrets are stored only as SHA-256 digests (they are 256 random bits, so a fast digest is enough).
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from plumbing.db.types import DbConnection

_CLIENT_COLUMNS = "client_id, name_nb, name_en, redirect_uris, claims, secret_digest, created_at, disabled_at"


async def insert_client(
    connection: DbConnection, *, client_id: str, name_nb: str, name_en: str, redirect_uris: list[str],
    claims: list[str], secret_digest: bytes | None, created_at: dt.datetime,
) -> bool:  # fmt: skip
    """False if a service with this id exists (the id is never reused: subjects are derived from it)."""
    inserted = await connection.fetchval(
        "INSERT INTO oidc_clients (client_id, name_nb, name_en, redirect_uris, claims, secret_digest, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (client_id) DO NOTHING RETURNING true",
        client_id, name_nb, name_en, redirect_uris, claims, secret_digest, created_at,
    )  # fmt: skip
    return bool(inserted)


async def client_row(connection: DbConnection, client_id: str) -> asyncpg.Record | None:
    return await connection.fetchrow(f"SELECT {_CLIENT_COLUMNS} FROM oidc_clients WHERE client_id = $1", client_id)  # noqa: S608


async def client_rows(connection: DbConnection) -> list[asyncpg.Record]:
    return await connection.fetch(f"SELECT {_CLIENT_COLUMNS} FROM oidc_clients ORDER BY client_id")  # noqa: S608


async def disable_client(connection: DbConnection, client_id: str, at: dt.datetime) -> bool:
    """Stop a service's logins; the codes and tokens it holds stop working too."""
    disabled = await connection.fetchval(
        "UPDATE oidc_clients SET disabled_at = coalesce(disabled_at, $2) WHERE client_id = $1 RETURNING true",
        client_id, at,
    )  # fmt: skip
    await connection.execute("DELETE FROM oidc_authorizations WHERE client_id = $1", client_id)
    await connection.execute("DELETE FROM oidc_access_tokens WHERE client_id = $1", client_id)
    return bool(disabled)


async def consented_claims(connection: DbConnection, patron_id: uuid.UUID, client_id: str) -> list[str] | None:
    claims: list[str] | None = await connection.fetchval(
        "SELECT claims FROM oidc_consents WHERE patron_id = $1 AND client_id = $2", patron_id, client_id
    )
    return claims


async def save_consent(
    connection: DbConnection, patron_id: uuid.UUID, client_id: str, claims: list[str], at: dt.datetime
) -> None:
    await connection.execute(
        "INSERT INTO oidc_consents (patron_id, client_id, claims, granted_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (patron_id, client_id) DO UPDATE SET claims = excluded.claims, granted_at = excluded.granted_at",
        patron_id, client_id, claims, at,
    )  # fmt: skip


async def withdraw_consent(connection: DbConnection, patron_id: uuid.UUID, client_id: str) -> bool:
    """Forget the patron's consent for the service and end the access it holds (the next login asks again)."""
    await connection.execute(
        "DELETE FROM oidc_access_tokens WHERE patron_id = $1 AND client_id = $2", patron_id, client_id
    )
    withdrawn = await connection.fetchval(
        "DELETE FROM oidc_consents WHERE patron_id = $1 AND client_id = $2 RETURNING true", patron_id, client_id
    )
    return bool(withdrawn)


async def count_login(connection: DbConnection, patron_id: uuid.UUID, client_id: str, at: dt.datetime) -> None:
    await connection.execute(
        "UPDATE oidc_consents SET last_login_at = $3, logins = logins + 1 WHERE patron_id = $1 AND client_id = $2",
        patron_id, client_id, at,
    )  # fmt: skip


async def services_of(connection: DbConnection, patron_id: uuid.UUID) -> list[asyncpg.Record]:
    """The services the patron agreed to log in to, most recently used first."""
    return await connection.fetch(
        """
        SELECT c.client_id, c.name_nb, c.name_en, s.claims, s.granted_at, s.last_login_at, s.logins
        FROM oidc_consents s JOIN oidc_clients c USING (client_id)
        WHERE s.patron_id = $1
        ORDER BY s.last_login_at DESC NULLS LAST, c.client_id
        """,
        patron_id,
    )


async def insert_authorization(
    connection: DbConnection, *, digest: bytes, kind: str, client_id: str, patron_id: uuid.UUID, redirect_uri: str,
    state: str | None, nonce: str | None, code_challenge: str, authenticated_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:  # fmt: skip
    await connection.execute(
        """
        INSERT INTO oidc_authorizations (digest, kind, client_id, patron_id, redirect_uri, state, nonce,
                                         code_challenge, authenticated_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """,
        digest, kind, client_id, patron_id, redirect_uri, state, nonce, code_challenge, authenticated_at,
        expires_at,
    )  # fmt: skip


async def sweep_expired(connection: DbConnection, now: dt.datetime, keep_redeemed_for: dt.timedelta) -> None:
    """Expired logins in progress and access tokens go as new ones are made, so the tables stay small. A redeemed
    code is kept a while longer, so that its replay is recognised (and its tokens revoked) rather than unknown."""
    await connection.execute(
        "DELETE FROM oidc_authorizations WHERE expires_at < $1 AND (redeemed_at IS NULL OR redeemed_at < $2)",
        now, now - keep_redeemed_for,
    )  # fmt: skip
    await connection.execute("DELETE FROM oidc_access_tokens WHERE expires_at < $1", now)


async def redeem_authorization(
    connection: DbConnection, digest: bytes, kind: str, now: dt.datetime
) -> asyncpg.Record | None:
    """Use the row once: the one statement that marks it redeemed returns it, to one caller only."""
    return await connection.fetchrow(
        """
        UPDATE oidc_authorizations SET redeemed_at = $3
        WHERE digest = $1 AND kind = $2 AND redeemed_at IS NULL
        RETURNING client_id, patron_id, redirect_uri, state, nonce, code_challenge, authenticated_at, expires_at
        """,
        digest, kind, now,
    )  # fmt: skip


async def redeemed_row(connection: DbConnection, digest: bytes, kind: str) -> asyncpg.Record | None:
    """The row if it was used already (a replay), for revoking what it gave and recording the attempt."""
    return await connection.fetchrow(
        "SELECT client_id, patron_id FROM oidc_authorizations"
        " WHERE digest = $1 AND kind = $2 AND redeemed_at IS NOT NULL",
        digest, kind,
    )  # fmt: skip


async def insert_access_token(
    connection: DbConnection, *, token_digest: bytes, code_digest: bytes, client_id: str, patron_id: uuid.UUID,
    expires_at: dt.datetime,
) -> None:  # fmt: skip
    await connection.execute(
        "INSERT INTO oidc_access_tokens (token_digest, code_digest, client_id, patron_id, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        token_digest, code_digest, client_id, patron_id, expires_at,
    )  # fmt: skip


async def revoke_tokens_of_code(connection: DbConnection, code_digest: bytes) -> None:
    await connection.execute("DELETE FROM oidc_access_tokens WHERE code_digest = $1", code_digest)


async def access_token_row(connection: DbConnection, token_digest: bytes, now: dt.datetime) -> asyncpg.Record | None:
    return await connection.fetchrow(
        """
        SELECT t.client_id, t.patron_id, c.claims FROM oidc_access_tokens t JOIN oidc_clients c USING (client_id)
        WHERE t.token_digest = $1 AND t.expires_at > $2 AND c.disabled_at IS NULL
        """,
        token_digest, now,
    )  # fmt: skip
