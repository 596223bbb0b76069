"""Who is calling this node's peer listener, once the certificate and the directory have said so."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeerCaller:
    """Another library's node, authenticated by its client certificate and found current in the directory."""

    library_id: str
    certificate_serial: int
