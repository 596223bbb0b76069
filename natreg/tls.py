"""TLS contexts for every listener and client, all TLS 1.3 only and all trusting only the private CA."""

from __future__ import annotations

import ssl

from natreg.keys.layout import KeyLayout


def _tls13_only(context: ssl.SSLContext) -> ssl.SSLContext:
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def registry_node_api_context(layout: KeyLayout) -> ssl.SSLContext:
    """The node API listener: a client certificate from our CA is required and checked against the CRL.

    The CRL loaded here guards new handshakes; the registry re-reads it per request as well, because a
    context cannot drop connections that were accepted before a revocation.
    """
    context = _tls13_only(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    context.load_cert_chain(layout.registry_server_certificate, layout.registry_server_key)
    context.load_verify_locations(cafile=layout.ca_certificate)
    context.load_verify_locations(cafile=layout.crl)
    context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def public_server_context(certificate: str, key: str) -> ssl.SSLContext:
    """A listener for browsers: server authentication only."""
    context = _tls13_only(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    context.load_cert_chain(certificate, key)
    return context


def library_client_context(layout: KeyLayout, library_id: str) -> ssl.SSLContext:
    """What a library node presents to the registry: its client certificate, trusting only our CA."""
    context = _tls13_only(ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=layout.ca_certificate))
    context.load_cert_chain(layout.library_client_certificate(library_id), layout.library_client_key(library_id))
    return context
