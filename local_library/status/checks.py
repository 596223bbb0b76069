"""Whether the registry answers this node: one authenticated round trip (``GET /v1/whoami``) that proves
certificates, credential and network end to end. The JSON status (``/status/registry``) and the desk's
registry status page both ask here."""

from __future__ import annotations

from local_library.registry_link.errors import registry_errors_as_domain_errors
from registry_contract.client import RegistryClient


async def registry_identity(registry: RegistryClient) -> str:
    """The library id the registry knows this node as; a ``DomainError`` (``registry_unavailable`` or the
    registry's refusal code) if it cannot be asked or refuses."""
    with registry_errors_as_domain_errors():
        identity = await registry.whoami()
    return identity.library_id
