"""The stand-in in ``natreg demo``: ID-porten's place on its own port, trusted by the registry and the nodes.

It serves TLS with the private CA's registry server certificate (issued for localhost and 127.0.0.1), so the
nodes and the registry trust it through ``keys/ca/ca.crt`` as they would trust ID-porten's public one. Each
demo library gets a client id ``natreg-<library>`` and a fresh random secret per run (in the data folder,
0600); its callback is registered once the node's port is known.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from natreg.eid_standin.provider import RegisteredClient, RunningStandin, demo_identities, start_standin
from plumbing.keys.files import replace_file
from plumbing.keys.layout import KeyLayout
from plumbing.tls import public_server_context

DEMO_EID_PORT = 8600


def demo_client_id(library_id: str) -> str:
    return f"natreg-{library_id}"


@dataclass(frozen=True)
class DemoEid:
    standin: RunningStandin
    secret_files: dict[str, Path]
    ca_file: Path

    def instructions(self, library_url: str) -> list[str]:
        """What the demo prints: where the stand-in is and how to try self-registration."""
        people = [f"             {person.label}: {person.pid}" for person in self.standin.provider.identities]
        return [
            f"eID stand-in (in ID-porten's place; synthetic test identities only) {self.standin.url}",
            f"           get a library card: open {library_url}/minside/new-card and sign in as one of",
            *people,
        ]

    def library_settings(self, library_id: str) -> dict[str, object]:
        """The node's ``eid_*`` settings for this stand-in."""
        return {
            "eid_issuer": self.standin.url, "eid_client_id": demo_client_id(library_id),
            "eid_client_secret_file": self.secret_files[library_id], "eid_ca_file": self.ca_file,
        }  # fmt: skip

    def registry_settings(self) -> dict[str, object]:
        """The registry's ``eid_*`` settings: it verifies forwarded sign-ins against this stand-in."""
        clients = {library_id: demo_client_id(library_id) for library_id in self.secret_files}
        return {"eid_issuer": self.standin.url, "eid_client_ids": clients, "eid_ca_file": self.ca_file}

    def register_callback(self, library_id: str, library_url: str) -> None:
        """Accept the node's callback, by the address printed and by ``localhost``."""
        client = self.standin.provider.clients[demo_client_id(library_id)]
        port = library_url.rsplit(":", 1)[1]
        uris = {f"{library_url}/minside/new-card/callback", f"https://localhost:{port}/minside/new-card/callback"}
        self.standin.provider.clients[client.client_id] = RegisteredClient(
            client.client_id, client.client_secret, tuple(sorted(uris))
        )


async def start_demo_eid(keys_dir: Path, data_dir: Path, host: str, port: int, libraries: tuple[str, ...]) -> DemoEid:
    layout = KeyLayout(keys_dir)
    secret_files: dict[str, Path] = {}
    clients = []
    for library_id in libraries:
        secret = secrets.token_urlsafe(32)
        secret_file = data_dir / f"{library_id}-eid-client-secret"
        replace_file(secret_file, secret.encode())
        secret_files[library_id] = secret_file
        clients.append(RegisteredClient(demo_client_id(library_id), secret, ()))
    tls = public_server_context(layout.registry_server_certificate, layout.registry_server_key)
    standin = await start_standin(clients=clients, identities=demo_identities(), host=host, port=port, ssl_context=tls)
    return DemoEid(standin=standin, secret_files=secret_files, ca_file=layout.ca_certificate)
