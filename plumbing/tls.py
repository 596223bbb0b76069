"""TLS contexts for every listener and client, all TLS 1.3 only and all trusting only the private CA.

Certificates and the CRL change while services run (`natreg keys renew`, `natreg keys refresh-crl`, a
revocation), so listeners and the node's client pick up changed files for their next handshake, with no
restart: a server keeps a front context for its socket and, in the SNI callback of every handshake (called
with or without a server name), hands the connection the context built from the current files; a client
context reloads its certificate chain before it opens a new connection. A context cannot drop a CRL once
loaded, which is why the server builds a fresh context instead of loading into the live one.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from plumbing.keys.layout import KeyLayout

logger = logging.getLogger(__name__)

FileStamps = tuple[tuple[int, int, int], ...]


def _tls13_only(context: ssl.SSLContext) -> ssl.SSLContext:
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def _stamps(paths: Sequence[Path]) -> FileStamps:
    """Identify the files' current versions (an atomic replacement changes the inode)."""
    stamps = []
    for path in paths:
        try:
            status = path.stat()
        except FileNotFoundError:
            stamps.append((0, 0, 0))
        else:
            stamps.append((status.st_mtime_ns, status.st_size, status.st_ino))
    return tuple(stamps)


class ReloadingServerContext:
    """A listener's TLS context that follows its files: each new handshake gets a context built from them.

    ``front`` is what the listener is given (its callback keeps this object alive). Its SNI callback
    checks the files (a few ``stat`` calls) and swaps the connection onto the current context; a build that
    fails (say, a key and certificate written a moment apart) keeps the previous context and is retried
    when the files change again.
    """

    def __init__(self, build: Callable[[], ssl.SSLContext], watched: Sequence[Path]) -> None:
        self._build = build
        self._watched = tuple(watched)
        self._stamps = _stamps(self._watched)
        self._current = build()
        self.reloads = 0
        self.front = build()
        self.front.sni_callback = self._select

    @property
    def current(self) -> ssl.SSLContext:
        return self._current

    def refresh(self) -> None:
        stamps = _stamps(self._watched)
        if stamps == self._stamps:
            return
        self._stamps = stamps
        try:
            self._current = self._build()
        except (OSError, ssl.SSLError, ValueError):
            logger.exception("TLS files changed but cannot be loaded; keeping the previous certificates and CRL")
            return
        self.reloads += 1
        logger.info("TLS files changed; new handshakes use the new certificates and CRL")

    def _select(self, ssl_object: ssl.SSLObject, server_name: str | None, front: ssl.SSLContext) -> None:
        # An exception here would fail the handshake; a broken reload must not take the listener down.
        try:
            self.refresh()
        except Exception:
            logger.exception("checking the TLS files failed; serving with the loaded context")
        ssl_object.context = self._current


def _mutual_tls_server_context(layout: KeyLayout, certificate: Path, key: Path) -> ssl.SSLContext:
    context = _tls13_only(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    context.load_cert_chain(certificate, key)
    context.load_verify_locations(cafile=layout.ca_certificate)
    context.load_verify_locations(cafile=layout.crl)
    context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def registry_node_api_context(layout: KeyLayout) -> ssl.SSLContext:
    """The node API listener: a client certificate from our CA is required and checked against the CRL.

    The CRL guards new handshakes (and is re-read when it changes); the registry re-reads it per request as
    well, because a context cannot drop connections that were accepted before a revocation.
    """
    certificate, key = layout.registry_server_certificate, layout.registry_server_key
    watched = [certificate, key, layout.ca_certificate, layout.crl]
    return ReloadingServerContext(lambda: _mutual_tls_server_context(layout, certificate, key), watched).front


def library_peer_server_context(layout: KeyLayout, library_id: str) -> ssl.SSLContext:
    """A node's peer listener for other nodes: like the node API, a library's client certificate from our CA,
    checked against the CRL. Which library it is, and whether it is current, the node checks per request against
    the registry's directory (``local_library.federation``).
    """
    certificate, key = layout.library_server_certificate(library_id), layout.library_server_key(library_id)
    watched = [certificate, key, layout.ca_certificate, layout.crl]
    return ReloadingServerContext(lambda: _mutual_tls_server_context(layout, certificate, key), watched).front


def registry_admin_desk_context(layout: KeyLayout) -> ssl.SSLContext:
    """The administrators' desk: like the node API, a client certificate from our CA, checked against the CRL.

    Which certificates are administrators' (and not libraries') the desk decides per request
    (``registry.auth.administrators``); the handshake only proves the certificate is ours and not revoked.
    """
    return registry_node_api_context(layout)


def public_server_context(certificate: str | Path, key: str | Path) -> ssl.SSLContext:
    """A listener for browsers: server authentication only, following renewals of its certificate."""

    def build() -> ssl.SSLContext:
        context = _tls13_only(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
        context.load_cert_chain(certificate, key)
        return context

    return ReloadingServerContext(build, [Path(certificate), Path(key)]).front


class ReloadingClientContext(ssl.SSLContext):
    """A client context that reloads its certificate chain, when the files changed, before a new connection.

    asyncio (and so aiohttp's connector) calls ``wrap_bio`` once per new connection; loading a chain into a
    live context affects only connections made after it.
    """

    _certificate: Path
    _key: Path
    _chain_stamps: FileStamps

    @classmethod
    def create(cls, ca_certificate: Path, certificate: Path, key: Path) -> ReloadingClientContext:
        context = cls(ssl.PROTOCOL_TLS_CLIENT)
        _tls13_only(context)
        context.load_verify_locations(cafile=ca_certificate)
        context._certificate = certificate
        context._key = key
        context._chain_stamps = _stamps([certificate, key])
        context.load_cert_chain(certificate, key)
        return context

    def reload_chain_if_changed(self) -> None:
        stamps = _stamps([self._certificate, self._key])
        if stamps == self._chain_stamps:
            return
        self._chain_stamps = stamps
        try:
            self.load_cert_chain(self._certificate, self._key)
        except (OSError, ssl.SSLError):
            logger.exception("client certificate files changed but cannot be loaded; keeping the previous ones")
            return
        logger.info("client certificate reloaded for new connections")

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.reload_chain_if_changed()
        return super().wrap_bio(*args, **kwargs)


def library_client_context(layout: KeyLayout, library_id: str) -> ssl.SSLContext:
    """What a library node presents to the registry: its client certificate, trusting only our CA."""
    return ReloadingClientContext.create(
        layout.ca_certificate,
        layout.library_client_certificate(library_id),
        layout.library_client_key(library_id),
    )
