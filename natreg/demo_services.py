"""The demo's library service: a public OpenID Connect client ``demo-ebok`` registered at the demo registry, and
the lines that tell how to try the patron login with it (no extra listener: the login page is the registry's).

Its redirect URI is on loopback port 80, where nothing listens: after login the browser shows that it cannot
open the address, and the address bar holds the code, which the printed ``curl`` trades for tokens with the
printed PKCE verifier (as the service would).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from urllib.parse import urlencode

import asyncpg

from registry.oidc.clients import active_client, register_service
from registry.oidc.tokens import s256

DEMO_SERVICE = "demo-ebok"
DEMO_REDIRECT_URI = "http://127.0.0.1/demo-ebok/callback"


async def ensure_demo_service(pool: asyncpg.Pool) -> None:
    """Register ``demo-ebok`` once (a public client: no secret to show)."""
    async with pool.acquire() as connection, connection.transaction():
        if await active_client(connection, DEMO_SERVICE) is None:
            await register_service(
                connection, client_id=DEMO_SERVICE, names={"nb": "Demo e-bokbibliotek", "en": "Demo e-book library"},
                redirect_uris=[DEMO_REDIRECT_URI], claims=None, public=True, now=dt.datetime.now(dt.UTC),
            )  # fmt: skip


def how_to_try(public_url: str, keys_dir: Path) -> list[str]:
    """The lines the demo prints: an authorization URL with a fresh PKCE pair, and the token request to finish."""
    verifier = secrets.token_urlsafe(48)
    query = urlencode({
        "response_type": "code", "client_id": DEMO_SERVICE, "redirect_uri": DEMO_REDIRECT_URI, "scope": "openid",
        "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8), "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    })  # fmt: skip
    return [
        f"library-service login (OpenID Connect) {public_url}/.well-known/openid-configuration",
        f"           try it as the service {DEMO_SERVICE!r}: open {public_url}/oidc/authorize?{query}",
        "           and log in with a national card's number and PIN (register one at a staff desk first);",
        f"           the browser then cannot open {DEMO_REDIRECT_URI}?code=CODE (nothing listens there);",
        "           within a minute (codes are short-lived and single-use):",
        f"           curl --cacert {keys_dir / 'ca' / 'ca.crt'} -d grant_type=authorization_code"
        f" -d client_id={DEMO_SERVICE} --data-urlencode redirect_uri={DEMO_REDIRECT_URI}"
        f" -d code_verifier={verifier} -d code=CODE"
        f" {public_url}/oidc/token",
    ]


async def demo_service(pool: asyncpg.Pool, public_url: str, keys_dir: Path) -> list[str]:
    """Register the demo's service (once) and say how to try it."""
    await ensure_demo_service(pool)
    return how_to_try(public_url, keys_dir)
