"""The private CA and everything it signs, plus per-library credentials.

ECDSA P-256 keys throughout: small, fast handshakes, and supported by every TLS 1.3 stack. The CA signs
the registry's server certificate, each library's client certificate (CN = library id) and each library
node's own server certificate, and publishes a certificate revocation list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from plumbing.keys.business_certificate import create_business_certificate
from plumbing.keys.files import (
    KeyMaterialError,
    ensure_private_dir,
    new_data_key_file,
    read_data_key_file,
    replace_file,
    write_new_file,
)
from plumbing.keys.layout import DATA_KEY_NAMES, NODE_LOCAL_KEY_FILES, KeyLayout

__all__ = [
    "ADMINISTRATOR_UNIT",
    "AdministratorEntry",
    "IssuedAdministrator",
    "KeyMaterialError",
    "LibraryEntry",
    "add_administrator",
    "add_library",
    "credential_hmac",
    "init_keys",
    "load_administrator_entries",
    "load_library_entries",
    "publish_revocations",
    "revoke_administrator",
    "revoke_library",
]

LIBRARY_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
DEFAULT_SERVER_NAMES = ("localhost", "127.0.0.1", "::1")
CA_VALIDITY = dt.timedelta(days=3650)
# Browsers and TLS scanners flag server certificates valid for more than 398 days; with the five minutes of
# back-dating every certificate stays below that. `natreg keys renew` issues the next one in time.
LEAF_VALIDITY = dt.timedelta(days=397)
# OpenSSL refuses every handshake once the CRL it checks has expired: a long-lived CRL that nobody re-signs
# is an outage on a date. So the CRL is short-lived and re-signed on a schedule (`natreg keys refresh-crl`,
# and the registry itself in the background) long before it runs out.
CRL_VALIDITY = dt.timedelta(days=7)
# Re-sign when less than this is left (the registry checks hourly; cron may run the command daily).
CRL_REFRESH_BEFORE = dt.timedelta(days=4)
# Where relying parties fetch the CRL: the registry's plain health listener serves it at /crl.
DEFAULT_CRL_URL = "http://localhost:8080/crl"
# Certificates that expire within this many days are renewed by `natreg keys renew` (and warned about).
DEFAULT_RENEW_WITHIN = dt.timedelta(days=30)
ORGANISATION = "natreg"
# Earlier certificates of a library still accepted after renewals (the previous two are plenty).
KEPT_EARLIER_SERIALS = 2
MAX_DISPLAY_NAME = 80


@dataclass(frozen=True)
class LibraryEntry:
    """What the registry knows about one library's credentials."""

    library_id: str
    credential_hmac: str
    certificate_serial: int
    revoked: bool
    # Serials of the library's earlier certificates that are still accepted: a renewal keeps the key, and a
    # node keeps presenting its previous certificate until it reloads the renewed file.
    earlier_serials: tuple[int, ...] = ()
    # When the current client certificate expires, so the registry can warn without holding the file.
    certificate_not_after: dt.datetime | None = None
    # What people read instead of the id, per language ("nb", "en"); empty: the id itself.
    display_names: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def all_serials(self) -> tuple[int, ...]:
        return (self.certificate_serial, *self.earlier_serials)

    def display_name(self, language: str = "nb") -> str:
        """The library's name in ``language``, else in bokmål, else its id."""
        return self.display_names.get(language) or self.display_names.get("nb") or self.library_id


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def validate_library_id(library_id: str) -> str:
    if not LIBRARY_ID_PATTERN.fullmatch(library_id):
        raise KeyMaterialError(
            f"library id {library_id!r} must be 2-32 characters of a-z, 0-9 and '-', starting with a letter"
        )
    return library_id


def _private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str, unit: str | None = None) -> x509.Name:
    unit_attributes = [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit)] if unit else []
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            *unit_attributes,
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _load_ca(layout: KeyLayout) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    try:
        key = serialization.load_pem_private_key(layout.ca_key.read_bytes(), password=None)
        certificate = x509.load_pem_x509_certificate(layout.ca_certificate.read_bytes())
    except FileNotFoundError:
        raise KeyMaterialError(f"no CA in {layout.ca_dir}; run `natreg keys init` first") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyMaterialError("the CA key must be an ECDSA key")
    return key, certificate


def _create_ca(layout: KeyLayout) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    name = _name("natreg private CA")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_new_file(layout.ca_key, _private_key_pem(key))
    write_new_file(layout.ca_certificate, _certificate_pem(certificate))
    _write_crl(layout, revoked_serials=())


def published_crl_url(layout: KeyLayout) -> str:
    """The CRL distribution point written into every certificate (``natreg keys init --crl-url``)."""
    try:
        return layout.crl_url_file.read_text().strip() or DEFAULT_CRL_URL
    except FileNotFoundError:
        return DEFAULT_CRL_URL


def _issue_leaf(
    layout: KeyLayout,
    *,
    common_name: str,
    usage: x509.ObjectIdentifier,
    server_names: Sequence[str] = (),
    key: ec.EllipticCurvePrivateKey | None = None,
    unit: str | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    ca_key, ca_certificate = _load_ca(layout)
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, unit))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + LEAF_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(published_crl_url(layout))],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    )
    if server_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_general_name(name) for name in server_names]), critical=False
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def library_node_common_name(library_id: str) -> str:
    """The subject of a library node's server certificate: what a calling node checks it reached."""
    return f"{library_id} library node"


def _issue_server_certificate(
    layout: KeyLayout, key_path: Path, certificate_path: Path, common_name: str, server_names: Sequence[str]
) -> None:
    names = list(dict.fromkeys([*DEFAULT_SERVER_NAMES, *server_names]))
    key, certificate = _issue_leaf(
        layout, common_name=common_name, usage=ExtendedKeyUsageOID.SERVER_AUTH, server_names=names
    )
    write_new_file(key_path, _private_key_pem(key))
    write_new_file(certificate_path, _certificate_pem(certificate))


def _write_crl(layout: KeyLayout, revoked_serials: Iterable[int], *, validity: dt.timedelta = CRL_VALIDITY) -> None:
    """Sign a fresh CRL listing ``revoked_serials``; serials already listed keep their revocation date."""
    ca_key, ca_certificate = _load_ca(layout)
    now = _now()
    previous = _load_crl(layout)
    # (``is not None``: an empty CRL is falsy, having no entries.)
    known_dates = {} if previous is None else {entry.serial_number: entry.revocation_date_utc for entry in previous}
    number = 1 if previous is None else _crl_number(previous) + 1
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_certificate.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + validity)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    for serial in sorted(set(revoked_serials)):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(known_dates.get(serial, now)).build()
        )
    crl = builder.sign(ca_key, hashes.SHA256())
    replace_file(layout.crl, crl.public_bytes(serialization.Encoding.PEM))


def _load_crl(layout: KeyLayout) -> x509.CertificateRevocationList | None:
    try:
        return x509.load_pem_x509_crl(layout.crl.read_bytes())
    except FileNotFoundError:
        return None


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    try:
        return int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    except x509.ExtensionNotFound:
        return 0


def crl_next_update(layout: KeyLayout) -> dt.datetime | None:
    """When the current CRL runs out (every TLS handshake with a library fails after it)."""
    crl = _load_crl(layout)
    return crl.next_update_utc if crl is not None else None


def refresh_crl(
    root: Path, *, if_expiring_within: dt.timedelta | None = None, validity: dt.timedelta = CRL_VALIDITY
) -> dt.datetime | None:
    """Re-sign the CRL with the same revocations and a new ``next_update``; return it (None: nothing done).

    With ``if_expiring_within`` only a CRL that runs out within that time (or is missing) is re-signed, so
    several registry instances and a cron job may all call this without piling up CRL numbers.
    """
    layout = KeyLayout(root)
    current = crl_next_update(layout)
    if if_expiring_within is not None and current is not None and current - _now() > if_expiring_within:
        return None
    _write_crl(layout, revoked_serials(layout) if current is not None else (), validity=validity)
    return crl_next_update(layout)


def revoked_serials(layout: KeyLayout) -> frozenset[int]:
    """Serial numbers on the current CRL."""
    crl = x509.load_pem_x509_crl(layout.crl.read_bytes())
    return frozenset(entry.serial_number for entry in crl)


def publish_revocations(root: Path, serials: Iterable[int]) -> bool:
    """Make sure the CRL lists every one of ``serials`` (added to those already on it); True if re-signed.

    The registry's database holds the revocations every instance enforces; an instance (or command) that
    holds the CA key writes the CRL file the TLS handshake checks from that same list.
    """
    layout = KeyLayout(root)
    wanted = set(serials)
    current = revoked_serials(layout) if layout.crl.exists() else frozenset()
    if wanted <= current:
        return False
    _write_crl(layout, current | wanted)
    return True


def credential_hmac(credential_key: bytes, library_id: str, credential: str) -> str:
    """The stored form of a library credential: a keyed hash, so the library list is useless if copied."""
    message = f"{library_id}\x00{credential}".encode()
    return hmac.new(credential_key, message, hashlib.sha256).hexdigest()


def _optional_time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def load_library_entries(layout: KeyLayout) -> dict[str, LibraryEntry]:
    try:
        document = json.loads(layout.library_registry.read_text())
    except FileNotFoundError:
        return {}
    return {
        library_id: LibraryEntry(
            library_id=library_id,
            credential_hmac=entry["credential_hmac"],
            certificate_serial=int(entry["certificate_serial"]),
            revoked=bool(entry["revoked"]),
            earlier_serials=tuple(int(serial) for serial in entry.get("earlier_serials", ())),
            certificate_not_after=(
                dt.datetime.fromisoformat(entry["certificate_not_after"])
                if entry.get("certificate_not_after")
                else None
            ),
            display_names=_display_names(entry.get("name")),
        )
        for library_id, entry in document["libraries"].items()
    }


def _display_names(stored: object) -> dict[str, str]:
    """A stored name: one string (every language) or one per language; lists written before names existed have none."""
    if isinstance(stored, str):
        return {"nb": stored}
    if isinstance(stored, dict):
        return {str(language): str(name) for language, name in stored.items() if name}
    return {}


def display_names(name: str | None, name_en: str | None = None) -> dict[str, str]:
    """The names to store for ``--name`` (bokmål, and every language without its own) and ``--name-en``."""
    names = {"nb": name.strip()} if name and name.strip() else {}
    if name_en and name_en.strip():
        names["en"] = name_en.strip()
    for value in names.values():
        if len(value) > MAX_DISPLAY_NAME or any(not character.isprintable() for character in value):
            raise KeyMaterialError(f"a library name must be printable and at most {MAX_DISPLAY_NAME} characters")
    return names


def set_library_display_names(root: Path, library_id: str, names: Mapping[str, str]) -> bool:
    """Give a library the names people read; return whether anything changed (the file is left alone if not)."""
    layout = KeyLayout(root)
    entries = load_library_entries(layout)
    entry = entries.get(library_id)
    if entry is None:
        raise KeyMaterialError(f"unknown library {library_id!r}")
    if dict(entry.display_names) == dict(names):
        return False
    entries[library_id] = dataclasses.replace(entry, display_names=dict(names))
    _save_library_entries(layout, entries)
    return True


def _save_library_entries(layout: KeyLayout, entries: dict[str, LibraryEntry]) -> None:
    document = {
        "libraries": {
            entry.library_id: {
                "credential_hmac": entry.credential_hmac,
                # A string, because JSON readers elsewhere may lose precision on 128-bit integers.
                "certificate_serial": str(entry.certificate_serial),
                "revoked": entry.revoked,
                "earlier_serials": [str(serial) for serial in entry.earlier_serials],
                "certificate_not_after": (
                    entry.certificate_not_after.isoformat() if entry.certificate_not_after else None
                ),
                "name": dict(entry.display_names),
            }
            for entry in sorted(entries.values(), key=lambda item: item.library_id)
        }
    }
    replace_file(layout.library_registry, (json.dumps(document, indent=2) + "\n").encode())


def add_library(
    root: Path, library_id: str, *, server_names: Sequence[str] = (), names: Mapping[str, str] | None = None
) -> list[Path]:
    """Issue a client certificate, a node server certificate and a fresh credential for one library.

    A library that exists and is not revoked is refused: re-issuing would silently replace its keys.
    A revoked library gets new keys (the old files are moved aside, never deleted, for the record).
    """
    layout = KeyLayout(root)
    validate_library_id(library_id)
    entries = load_library_entries(layout)
    existing = entries.get(library_id)
    if existing is not None and not existing.revoked:
        raise KeyMaterialError(f"library {library_id!r} already has keys; revoke it first to re-issue")
    library_dir = layout.library_dir(library_id)
    if library_dir.exists():
        retired = library_dir.with_name(f"{library_id}.revoked-{_now():%Y%m%dT%H%M%S}")
        library_dir.rename(retired)
        # The node's own keys (its local PIN pepper, its outbox key) belong to the node, not to the revoked
        # certificate: without them local PINs and queued registry writes would be lost.
        ensure_private_dir(library_dir)
        for name in NODE_LOCAL_KEY_FILES:
            if (retired / name).exists():
                (retired / name).rename(library_dir / name)

    client_key, client_certificate = _issue_leaf(layout, common_name=library_id, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    write_new_file(layout.library_client_key(library_id), _private_key_pem(client_key))
    write_new_file(layout.library_client_certificate(library_id), _certificate_pem(client_certificate))
    _issue_server_certificate(
        layout,
        layout.library_server_key(library_id),
        layout.library_server_certificate(library_id),
        common_name=library_node_common_name(library_id),
        server_names=server_names,
    )
    credential = secrets.token_urlsafe(32)
    write_new_file(layout.library_credential(library_id), credential.encode() + b"\n")

    credential_key = read_data_key_file(layout.data_key("credential"))
    entries[library_id] = LibraryEntry(
        library_id=library_id,
        credential_hmac=credential_hmac(credential_key, library_id, credential),
        certificate_serial=client_certificate.serial_number,
        revoked=False,
        certificate_not_after=client_certificate.not_valid_after_utc,
        # A re-issue keeps the name people know the library by.
        display_names=dict(names) if names else dict(existing.display_names) if existing else {},
    )
    _save_library_entries(layout, entries)
    return [layout.library_dir(library_id)]


def revoke_library(root: Path, library_id: str) -> None:
    """Put the library's certificate on the CRL and mark its credential revoked."""
    layout = KeyLayout(root)
    entries = load_library_entries(layout)
    entry = entries.get(library_id)
    if entry is None:
        raise KeyMaterialError(f"unknown library {library_id!r}")
    # Every certificate the library holds goes on the CRL, renewed ones included.
    _write_crl(layout, revoked_serials(layout) | set(entry.all_serials))
    entries[library_id] = dataclasses.replace(entry, revoked=True)
    _save_library_entries(layout, entries)


def init_keys(
    root: Path, libraries: Sequence[str] = (), *, server_names: Sequence[str] = (), crl_url: str | None = None,
    library_names: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:  # fmt: skip
    """Create whatever key material is missing; return a line per thing created.

    Existing files are left exactly as they are, so running this twice is safe and never replaces a key.
    ``crl_url`` (where the CRL is published) is remembered for every certificate issued later.
    ``library_names`` gives new libraries their display names (by language); without one a library is
    known by its id.
    """
    layout = KeyLayout(root)
    created: list[str] = []
    if crl_url is not None:
        ensure_private_dir(layout.ca_dir)
        replace_file(layout.crl_url_file, crl_url.encode() + b"\n")
    if not layout.ca_certificate.exists():
        _create_ca(layout)
        created.append(f"private CA in {layout.ca_dir}")
    if not layout.registry_server_certificate.exists():
        _issue_server_certificate(
            layout,
            layout.registry_server_key,
            layout.registry_server_certificate,
            common_name="natreg registry",
            server_names=server_names,
        )
        created.append(f"registry server certificate in {layout.registry_dir}")
    if create_business_certificate(layout):
        created.append(f"business certificate for the population register in {layout.registry_business_key.parent}")
    data_keys = [layout.kek(1)] if not any(layout.registry_data_dir.glob("kek-v*.key")) else []
    data_keys += [layout.data_key(name) for name in DATA_KEY_NAMES if not layout.data_key(name).exists()]
    for path in data_keys:
        new_data_key_file(path)
        created.append(f"data key {path.name}")
    known = load_library_entries(layout)
    for library_id in libraries:
        if library_id not in known:
            add_library(root, library_id, server_names=server_names, names=(library_names or {}).get(library_id))
            created.append(f"client certificate and credential for library {library_id!r}")
    return created


def add_key_encryption_key(root: Path) -> int:
    """Create the next KEK version; the registry wraps new data keys with it and rotation re-wraps old ones."""
    layout = KeyLayout(root)
    versions = [int(path.stem.removeprefix("kek-v")) for path in layout.registry_data_dir.glob("kek-v*.key")]
    version = max(versions, default=0) + 1
    new_data_key_file(layout.kek(version))
    return version


@dataclass(frozen=True)
class CertificateFile:
    """One certificate this key folder holds, for expiry warnings and renewal."""

    what: str
    path: Path
    not_after: dt.datetime


def certificate_files(layout: KeyLayout, libraries: Mapping[str, LibraryEntry] | None = None) -> list[CertificateFile]:
    """Every certificate this key folder knows of, revoked libraries' aside.

    A registry host in production holds no library's files; the library list remembers when each library's
    client certificate expires, so the registry can warn about those too. ``libraries``: that list as the
    registry's database has it (default: the key folder's own list, which a registry host may not have).
    """
    candidates: list[tuple[str, Path, LibraryEntry | None]] = [
        ("CA", layout.ca_certificate, None),
        ("registry server", layout.registry_server_certificate, None),
        ("population register business", layout.registry_business_certificate, None),
    ]
    for library_id, entry in sorted((load_library_entries(layout) if libraries is None else libraries).items()):
        if entry.revoked:
            continue
        candidates += [
            (f"library {library_id} client", layout.library_client_certificate(library_id), entry),
            (f"library {library_id} node server", layout.library_server_certificate(library_id), None),
        ]
    found = []
    for what, path, listed in candidates:
        try:
            certificate = x509.load_pem_x509_certificate(path.read_bytes())
        except FileNotFoundError:
            if listed is not None and listed.certificate_not_after is not None:
                found.append(CertificateFile(what, path, listed.certificate_not_after))
            continue
        found.append(CertificateFile(what, path, certificate.not_valid_after_utc))
    return found


def _renew_certificate(layout: KeyLayout, key_path: Path, certificate_path: Path) -> x509.Certificate:
    """Issue the same certificate again (same key, names and usage) for a full validity period."""
    old = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyMaterialError(f"{key_path} must hold an ECDSA key")
    names = old.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    usage = old.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    try:
        alternative = old.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        server_names = [str(name.value) for name in alternative]
    except x509.ExtensionNotFound:
        server_names = []
    _, certificate = _issue_leaf(
        layout, common_name=str(names[0].value), usage=next(iter(usage)), server_names=server_names, key=key
    )
    # Atomic replacement: a running service reloads the file for new handshakes and must never read half of it.
    replace_file(certificate_path, _certificate_pem(certificate))
    return certificate


def renew_certificates(root: Path, *, within: dt.timedelta = DEFAULT_RENEW_WITHIN) -> list[str]:
    """Renew every leaf certificate here that expires within ``within``; return a line per renewal.

    Keys are kept, so nothing else has to change hands. A renewed library client certificate becomes the
    library's current one, and the previous serial stays accepted (until revocation) because the node keeps
    presenting it until it reloads the file for its next connection. The CA is not renewed here.
    """
    layout = KeyLayout(root)
    deadline = _now() + within
    renewed: list[str] = []
    entries = load_library_entries(layout)
    pairs: list[tuple[str, Path, Path, str | None]] = [
        ("registry server", layout.registry_server_key, layout.registry_server_certificate, None)
    ]
    for library_id, entry in sorted(entries.items()):
        if entry.revoked:
            continue
        pairs += [
            (
                f"library {library_id} client",
                layout.library_client_key(library_id),
                layout.library_client_certificate(library_id),
                library_id,
            ),
            (
                f"library {library_id} node server",
                layout.library_server_key(library_id),
                layout.library_server_certificate(library_id),
                None,
            ),
        ]
    for what, key_path, certificate_path, client_of in pairs:
        try:
            current = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        except FileNotFoundError:
            continue
        if current.not_valid_after_utc > deadline:
            continue
        certificate = _renew_certificate(layout, key_path, certificate_path)
        if client_of is not None:
            entry = entries[client_of]
            entries[client_of] = dataclasses.replace(
                entry,
                certificate_serial=certificate.serial_number,
                earlier_serials=(entry.certificate_serial, *entry.earlier_serials)[:KEPT_EARLIER_SERIALS],
                certificate_not_after=certificate.not_valid_after_utc,
            )
            _save_library_entries(layout, entries)
        renewed.append(f"{what} certificate, valid until {certificate.not_valid_after_utc:%Y-%m-%d}")
    return renewed


# Registry administrators: a client certificate each, told apart from every library's by this organisational
# unit and by being listed in the registry's own list of administrators (never in the library list), so a
# library certificate never opens the administrators' desk and an administrator's never calls the node API.
ADMINISTRATOR_UNIT = "registry administrators"
ADMINISTRATOR_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
PKCS12_PASSWORD_BYTES = 18


@dataclass(frozen=True)
class AdministratorEntry:
    """What the registry knows about one administrator's certificate."""

    name: str
    certificate_serial: int
    revoked: bool
    certificate_not_after: dt.datetime | None = None


@dataclass(frozen=True)
class IssuedAdministrator:
    """The files ``natreg keys add-admin`` wrote, and the PKCS#12 password (shown once; also in its 0600 file)."""

    name: str
    folder: Path
    pkcs12_file: Path
    password_file: Path
    password: str = dataclasses.field(repr=False)


def validate_administrator_name(name: str) -> str:
    if not ADMINISTRATOR_NAME_PATTERN.fullmatch(name):
        raise KeyMaterialError(
            f"administrator name {name!r} must be 2-32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter"
        )
    return name


def load_administrator_entries(layout: KeyLayout) -> dict[str, AdministratorEntry]:
    try:
        document = json.loads(layout.administrator_registry.read_text())
    except FileNotFoundError:
        return {}
    return {
        name: AdministratorEntry(
            name=name,
            certificate_serial=int(entry["certificate_serial"]),
            revoked=bool(entry["revoked"]),
            certificate_not_after=_optional_time(entry.get("certificate_not_after")),
        )
        for name, entry in document["administrators"].items()
    }


def _save_administrator_entries(layout: KeyLayout, entries: dict[str, AdministratorEntry]) -> None:
    document = {
        "administrators": {
            entry.name: {
                "certificate_serial": str(entry.certificate_serial),
                "revoked": entry.revoked,
                "certificate_not_after": (
                    entry.certificate_not_after.isoformat() if entry.certificate_not_after else None
                ),
            }
            for entry in sorted(entries.values(), key=lambda item: item.name)
        }
    }
    replace_file(layout.administrator_registry, (json.dumps(document, indent=2) + "\n").encode())


def add_administrator(root: Path, name: str) -> IssuedAdministrator:
    """Issue an administrator's client certificate, and a PKCS#12 file of it and its key for a browser.

    The PKCS#12 file is encrypted with a fresh random password, written to a 0600 file beside it and
    returned to be shown once. An administrator who exists and is not revoked is refused (as for libraries).
    """
    layout = KeyLayout(root)
    validate_administrator_name(name)
    entries = load_administrator_entries(layout)
    existing = entries.get(name)
    if existing is not None and not existing.revoked:
        raise KeyMaterialError(f"administrator {name!r} already has a certificate; revoke it first to re-issue")
    folder = layout.administrator_dir(name)
    if folder.exists():
        folder.rename(folder.with_name(f"{name}.revoked-{_now():%Y%m%dT%H%M%S}"))
    key, certificate = _issue_leaf(
        layout, common_name=name, usage=ExtendedKeyUsageOID.CLIENT_AUTH, unit=ADMINISTRATOR_UNIT
    )
    _, ca_certificate = _load_ca(layout)
    password = secrets.token_urlsafe(PKCS12_PASSWORD_BYTES)
    bundle = pkcs12.serialize_key_and_certificates(
        name=f"natreg administrator {name}".encode(),
        key=key,
        cert=certificate,
        cas=[ca_certificate],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )
    write_new_file(layout.administrator_key(name), _private_key_pem(key))
    write_new_file(layout.administrator_certificate(name), _certificate_pem(certificate))
    write_new_file(layout.administrator_pkcs12(name), bundle)
    write_new_file(layout.administrator_pkcs12_password(name), password.encode() + b"\n")
    entries[name] = AdministratorEntry(
        name=name,
        certificate_serial=certificate.serial_number,
        revoked=False,
        certificate_not_after=certificate.not_valid_after_utc,
    )
    _save_administrator_entries(layout, entries)
    return IssuedAdministrator(
        name=name,
        folder=folder,
        pkcs12_file=layout.administrator_pkcs12(name),
        password_file=layout.administrator_pkcs12_password(name),
        password=password,
    )


def revoke_administrator(root: Path, name: str) -> None:
    """Put the administrator's certificate on the CRL and mark it revoked in the list."""
    layout = KeyLayout(root)
    entries = load_administrator_entries(layout)
    entry = entries.get(name)
    if entry is None:
        raise KeyMaterialError(f"unknown administrator {name!r}")
    _write_crl(layout, revoked_serials(layout) | {entry.certificate_serial})
    entries[name] = dataclasses.replace(entry, revoked=True)
    _save_administrator_entries(layout, entries)
