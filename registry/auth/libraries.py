"""The registry's view of the libraries allowed to call it.

The library list (credential HMACs, current certificate serial, revoked flag) and the CRL are files
written by ``natreg keys``. They are re-read whenever they change on disk, and checked on every request,
so a revocation takes effect on the next request, even on a keep-alive connection that was accepted
before it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from plumbing.errors import DomainError, ErrorKind
from plumbing.keys.files import read_data_key_file
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import (
    ADMINISTRATOR_UNIT,
    LibraryEntry,
    credential_hmac,
    load_library_entries,
    revoked_serials,
)
from registry.auth.watched_files import FileStamps, file_stamps


@dataclass(frozen=True)
class CallingLibrary:
    """An authenticated caller of the node API."""

    library_id: str
    certificate_serial: int


@dataclass(frozen=True)
class PeerCertificate:
    common_name: str
    serial: int
    organisational_units: tuple[str, ...] = ()

    @property
    def is_administrator(self) -> bool:
        return ADMINISTRATOR_UNIT in self.organisational_units


@functools.lru_cache(maxsize=4096)
def parse_peer_certificate(der: bytes) -> PeerCertificate:
    """Parse once per distinct certificate; every request on every connection presents one."""
    certificate = x509.load_der_x509_certificate(der)
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else ""
    units = tuple(
        str(unit.value) for unit in certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    )
    return PeerCertificate(common_name=common_name, serial=certificate.serial_number, organisational_units=units)


def _refused(code: str, message: str) -> DomainError:
    return DomainError(ErrorKind.FORBIDDEN, code, message)


class LibraryDirectory:
    """Authenticates callers against the current library list and CRL."""

    def __init__(self, layout: KeyLayout) -> None:
        self._layout = layout
        self._credential_key = read_data_key_file(layout.data_key("credential"))
        self._stamps: FileStamps = ()
        self._entries: dict[str, LibraryEntry] = {}
        self._revoked: frozenset[int] = frozenset()
        self.refresh()

    def refresh(self) -> None:
        """Reload the library list and CRL if either changed; two stat calls when nothing did."""
        stamps = file_stamps([self._layout.library_registry, self._layout.crl])
        if stamps == self._stamps:
            return
        self._entries = load_library_entries(self._layout)
        self._revoked = revoked_serials(self._layout)
        self._stamps = stamps

    def entries(self) -> list[LibraryEntry]:
        """Every library in the list (revoked ones too), by id."""
        self.refresh()
        return [self._entries[library_id] for library_id in sorted(self._entries)]

    def display_name(self, library_id: str, language: str = "nb") -> str:
        """The name people read for a library (its id if it has none, or is not in the list)."""
        self.refresh()
        entry = self._entries.get(library_id)
        return entry.display_name(language) if entry is not None else library_id

    def authenticate(self, peer_der: bytes | None, authorization: str | None) -> CallingLibrary:
        if peer_der is None:
            raise _refused("client_certificate_required", "a client certificate is required")
        self.refresh()
        peer = parse_peer_certificate(peer_der)
        if peer.is_administrator:
            # An administrator's certificate opens the administrators' desk and nothing else.
            raise _refused("administrator_certificate", "an administrator's certificate cannot call the node API")
        entry = self._entries.get(peer.common_name)
        if peer.serial in self._revoked or (entry is not None and entry.revoked):
            raise _refused("library_revoked", "this library's access has been revoked")
        if entry is None or peer.serial not in entry.all_serials:
            raise _refused("certificate_not_current", "this certificate is not the library's current one")
        username, credential = _basic_credentials(authorization)
        if username != entry.library_id:
            raise _refused("library_mismatch", "the credentials belong to another library than the certificate")
        expected = credential_hmac(self._credential_key, entry.library_id, credential)
        if not hmac.compare_digest(expected, entry.credential_hmac):
            raise DomainError(ErrorKind.UNAUTHENTICATED, "credentials_invalid", "the credentials are not valid")
        return CallingLibrary(library_id=entry.library_id, certificate_serial=peer.serial)


def _basic_credentials(authorization: str | None) -> tuple[str, str]:
    if not authorization or not authorization.startswith("Basic "):
        raise DomainError(ErrorKind.UNAUTHENTICATED, "credentials_required", "library credentials are required")
    try:
        decoded = base64.b64decode(authorization.removeprefix("Basic "), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise DomainError(ErrorKind.UNAUTHENTICATED, "credentials_invalid", "the credentials are not valid") from None
    username, separator, credential = decoded.partition(":")
    if not separator:
        raise DomainError(ErrorKind.UNAUTHENTICATED, "credentials_invalid", "the credentials are not valid")
    return username, credential
