"""The client certificate a mutual-TLS request arrived with (the registry's node API, a node's peer listener)."""

from __future__ import annotations

import functools
import ssl

from aiohttp import web
from cryptography import x509
from cryptography.x509.oid import NameOID


def peer_certificate_der(request: web.Request) -> bytes | None:
    """The DER of the caller's verified certificate; None when the request did not come over (mutual) TLS."""
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    return ssl_object.getpeercert(binary_form=True)


@functools.lru_cache(maxsize=1024)
def certificate_identity(der: bytes) -> tuple[str, int]:
    """The certificate's common name and serial (parsed once per distinct certificate)."""
    certificate = x509.load_der_x509_certificate(der)
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return (str(names[0].value) if names else "", certificate.serial_number)
