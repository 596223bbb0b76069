"""Starting listeners and learning the port each one bound (port 0 means "any free port")."""

from __future__ import annotations

from aiohttp import web


async def start_site(runner: web.AppRunner, site: web.BaseSite) -> int:
    """Start ``site`` and return the port it bound."""
    known = len(runner.addresses)
    await site.start()
    # runner.addresses lists every site's sockets in the order the sites were started.
    return int(runner.addresses[known][1])


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
