"""The registry's view of the libraries allowed to call it.

The library list (credential HMACs, certificate serials, revoked flag, display names) and every revoked
serial live in the registry's database (``directory_store``), so every registry instance admits and
refuses the same callers. Each instance keeps a copy in memory, checked on every request (no I/O on the
request's path), and follows the database: it compares the directory's version every quarter second (this
works through PgBouncer in transaction mode) and also LISTENs on a direct connection, which brings a change
sooner where LISTEN reaches PostgreSQL. A revocation through any instance or the command line is refused by
all of them within a second, also on keep-alive connections accepted before it.

An instance that sees the key folder (``natreg keys``) imports its library list and CRL when they change,
and one that holds the CA key signs the CRL file (for new TLS handshakes) from the database's revocations.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from cryptography import x509
from cryptography.x509.oid import NameOID

from plumbing.db.types import DbConnection
from plumbing.errors import DomainError, ErrorKind
from plumbing.keys.files import read_data_key_file
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import (
    ADMINISTRATOR_UNIT,
    LibraryEntry,
    credential_hmac,
    load_library_entries,
    publish_revocations,
    revoked_serials,
)
from registry.auth.directory_store import (
    NOTIFY_CHANNEL,
    DirectorySnapshot,
    directory_version,
    import_key_folder_list,
    load_directory,
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


POLL_SECONDS = 0.25
logger = logging.getLogger(__name__)


async def import_key_folder(connection: DbConnection, layout: KeyLayout) -> None:
    """Import the key folder's library list and CRL into the directory (the command line and instances)."""
    crl = revoked_serials(layout) if layout.crl.exists() else frozenset()
    await import_key_folder_list(connection, load_library_entries(layout), crl)


class LibraryDirectory:
    """Authenticates callers against the directory in the database, as of this instance's latest copy."""

    def __init__(self, layout: KeyLayout) -> None:
        self._layout = layout
        self._credential_key = read_data_key_file(layout.data_key("credential"))
        self._stamps: FileStamps = ()
        self._snapshot = DirectorySnapshot(version=0)
        self._changed = asyncio.Event()
        # Callers refused as unknown wait for one look at the database together, not one each.
        self._synchronising = asyncio.Lock()

    @property
    def version(self) -> int:
        """The directory version this instance enforces (0 before the first load)."""
        return self._snapshot.version

    async def synchronise(self, pool: asyncpg.Pool) -> None:
        """One round: import the key folder if it changed, reload the directory if its version moved, and
        bring the CRL file up to the database's revocations where this instance holds the CA key."""
        stamps = file_stamps([self._layout.library_registry, self._layout.crl])
        async with pool.acquire() as connection:
            if stamps != self._stamps:
                await import_key_folder(connection, self._layout)
                self._stamps = stamps
            if await directory_version(connection) != self._snapshot.version:
                self._snapshot = await load_directory(connection)
            else:
                return
        if self._layout.ca_key.exists() and publish_revocations(self._layout.root, self._snapshot.revoked):
            logger.info("CRL re-signed with revocations from the registry database")
            self._stamps = file_stamps([self._layout.library_registry, self._layout.crl])

    async def follow(self, pool: asyncpg.Pool, listen: Callable[[], Awaitable[asyncpg.Connection]] | None) -> None:
        """Keep this instance's copy current until cancelled (the app's background job)."""
        listener: asyncpg.Connection | None = None
        try:
            while True:
                if listener is None and listen is not None:
                    listener = await self._listen(listen)
                try:
                    await self.synchronise(pool)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, DomainError):
                    # Keep enforcing the last copy; a database that is away refuses writes anyway.
                    logger.warning(
                        "could not refresh the library directory; enforcing the copy of version %s",
                        self._snapshot.version,
                    )
                if listener is not None and listener.is_closed():
                    listener = None
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), POLL_SECONDS)
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close(timeout=2)

    async def _listen(self, listen: Callable[[], Awaitable[asyncpg.Connection]]) -> asyncpg.Connection | None:
        try:
            connection = await listen()
            await connection.add_listener(NOTIFY_CHANNEL, lambda *_: self._changed.set())
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            logger.warning("cannot LISTEN for library directory changes; following by polling alone")
            return None
        return connection

    def entries(self) -> list[LibraryEntry]:
        """Every library in the list (revoked ones too), by id."""
        entries = self._snapshot.entries
        return [entries[library_id] for library_id in sorted(entries)]

    def display_name(self, library_id: str, language: str = "nb") -> str:
        """The name people read for a library (its id if it has none, or is not in the list)."""
        entry = self._snapshot.entries.get(library_id)
        return entry.display_name(language) if entry is not None else library_id

    def is_revoked(self, serial: int) -> bool:
        """Whether a certificate serial is revoked in the database (administrators' certificates too)."""
        return serial in self._snapshot.revoked

    async def authenticate_current(
        self, pool: asyncpg.Pool, peer_der: bytes | None, authorization: str | None
    ) -> CallingLibrary:
        """As ``authenticate``; a certificate this copy does not know yet (a library just added or renewed)
        is looked up once more in the database before it is refused. A revocation needs no such look: it
        only ever refuses, and reaches this copy within a second."""
        try:
            return self.authenticate(peer_der, authorization)
        except DomainError as refusal:
            if refusal.code != "certificate_not_current":
                raise
        async with self._synchronising:
            await self.synchronise(pool)
        return self.authenticate(peer_der, authorization)

    def authenticate(self, peer_der: bytes | None, authorization: str | None) -> CallingLibrary:
        if peer_der is None:
            raise _refused("client_certificate_required", "a client certificate is required")
        peer = parse_peer_certificate(peer_der)
        if peer.is_administrator:
            # An administrator's certificate opens the administrators' desk and nothing else.
            raise _refused("administrator_certificate", "an administrator's certificate cannot call the node API")
        snapshot = self._snapshot
        entry = snapshot.entries.get(peer.common_name)
        if peer.serial in snapshot.revoked or (entry is not None and entry.revoked):
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
