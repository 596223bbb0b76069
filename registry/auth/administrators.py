"""Who may use the administrators' desk: the holder of a current administrator's certificate.

The TLS handshake of the desk's listener already demands a certificate from the private CA that is not on
the CRL; here each request is checked once more against the administrators' list and the CRL (re-read
when they change on disk), so ``natreg keys revoke-admin`` takes effect on the next request, even on a
keep-alive connection, and a library's certificate (from the same CA) is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from plumbing.errors import DomainError, ErrorKind
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import AdministratorEntry, load_administrator_entries, revoked_serials
from registry.auth.libraries import parse_peer_certificate
from registry.auth.watched_files import FileStamps, file_stamps


@dataclass(frozen=True)
class Administrator:
    """An authenticated registry administrator: the name the audit log records, and the certificate used."""

    name: str
    certificate_serial: int


def _refused(code: str, message: str) -> DomainError:
    return DomainError(ErrorKind.FORBIDDEN, code, message)


class AdministratorDirectory:
    """Authenticates the desk's callers against the current administrators' list and CRL."""

    def __init__(
        self, layout: KeyLayout, *, revoked_in_database: Callable[[int], bool] = lambda _serial: False
    ) -> None:
        self._layout = layout
        # The registry database's revocations (`natreg keys revoke-admin` records them there too), so a
        # revocation reaches instances whose key folder has not got the new CRL.
        self._revoked_in_database = revoked_in_database
        self._stamps: FileStamps = ()
        self._entries: dict[str, AdministratorEntry] = {}
        self._revoked: frozenset[int] = frozenset()
        self.refresh()

    def refresh(self) -> None:
        stamps = file_stamps([self._layout.administrator_registry, self._layout.crl])
        if stamps == self._stamps:
            return
        self._entries = load_administrator_entries(self._layout)
        self._revoked = revoked_serials(self._layout)
        self._stamps = stamps

    def entries(self) -> list[AdministratorEntry]:
        self.refresh()
        return [self._entries[name] for name in sorted(self._entries)]

    def authenticate(self, peer_der: bytes | None) -> Administrator:
        if peer_der is None:
            raise _refused("client_certificate_required", "an administrator's certificate is required")
        self.refresh()
        peer = parse_peer_certificate(peer_der)
        if not peer.is_administrator:
            raise _refused("not_an_administrator", "this certificate is not an administrator's")
        entry = self._entries.get(peer.common_name)
        if (
            peer.serial in self._revoked
            or self._revoked_in_database(peer.serial)
            or (entry is not None and entry.revoked)
        ):
            raise _refused("administrator_revoked", "this administrator's certificate has been revoked")
        if entry is None or entry.certificate_serial != peer.serial:
            raise _refused("certificate_not_current", "this certificate is not the administrator's current one")
        return Administrator(name=entry.name, certificate_serial=peer.serial)
