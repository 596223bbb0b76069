"""Where every piece of key material lives inside the keys directory.

One place names the files so the writer (``natreg keys``) and the readers (the registry, the nodes, the
tests) cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_KEY_NAMES = ("blind-index", "pin-pepper", "audit", "credential")
# Keys a library node makes for itself on first start; they outlive a re-issue of its certificate.
NODE_PIN_PEPPER_FILE = "pin-pepper.key"
NODE_OUTBOX_KEY_FILE = "outbox.key"
NODE_LOCAL_KEY_FILES = (NODE_PIN_PEPPER_FILE, NODE_OUTBOX_KEY_FILE)


@dataclass(frozen=True)
class KeyLayout:
    """Paths inside one keys directory."""

    root: Path

    @property
    def ca_dir(self) -> Path:
        return self.root / "ca"

    @property
    def ca_key(self) -> Path:
        return self.ca_dir / "ca.key"

    @property
    def ca_certificate(self) -> Path:
        return self.ca_dir / "ca.crt"

    @property
    def crl(self) -> Path:
        return self.ca_dir / "crl.pem"

    @property
    def crl_url_file(self) -> Path:
        """Where the CRL is published (written into each certificate's CRL distribution point)."""
        return self.ca_dir / "crl-url"

    @property
    def registry_dir(self) -> Path:
        return self.root / "registry"

    @property
    def registry_server_key(self) -> Path:
        return self.registry_dir / "server.key"

    @property
    def registry_server_certificate(self) -> Path:
        return self.registry_dir / "server.crt"

    @property
    def registry_business_key(self) -> Path:
        """The RSA key that signs grants to the population register's token endpoint (Maskinporten)."""
        return self.registry_dir / "population" / "business.key"

    @property
    def registry_business_certificate(self) -> Path:
        """The business certificate ("virksomhetssertifikat") sent along with every grant (``x5c``)."""
        return self.registry_dir / "population" / "business.crt"

    @property
    def registry_data_dir(self) -> Path:
        """Data keys (KEKs, blind-index key, PIN pepper, audit key, credential key)."""
        return self.registry_dir / "data"

    @property
    def library_registry(self) -> Path:
        """The registry's list of libraries: credential HMACs, certificate serials, revocations."""
        return self.registry_dir / "libraries.json"

    def signing_keys(self, purpose: str) -> Path:
        """The registry's rotating token-signing keys for one purpose (``plumbing.keys.signing``)."""
        return self.registry_dir / "signing" / purpose

    def kek(self, version: int) -> Path:
        return self.registry_data_dir / f"kek-v{version}.key"

    def data_key(self, name: str) -> Path:
        return self.registry_data_dir / f"{name}.key"

    @property
    def insight_session_key(self) -> Path:
        """The registry's key for insight-site sessions (``plumbing.web.sessions``), next to its data keys."""
        return self.data_key("insight-session")

    @property
    def oidc_pairwise_key(self) -> Path:
        """The key that makes a patron's subject at each library service (``registry.oidc``): one per registry,
        kept for good (a new one gives every patron a new identity at every service)."""
        return self.data_key("oidc-pairwise")

    @property
    def administrator_registry(self) -> Path:
        """The registry's list of administrators: certificate serials and revocations (never in the library list)."""
        return self.registry_dir / "admins.json"

    @property
    def admin_desk_form_key(self) -> Path:
        """The key of the administrators' desk's form tokens (bound to the administrator's certificate)."""
        return self.data_key("admin-desk-form")

    def administrator_dir(self, name: str) -> Path:
        return self.root / "admins" / name

    def administrator_key(self, name: str) -> Path:
        return self.administrator_dir(name) / "admin.key"

    def administrator_certificate(self, name: str) -> Path:
        return self.administrator_dir(name) / "admin.crt"

    def administrator_pkcs12(self, name: str) -> Path:
        """Certificate and key in one file a browser imports."""
        return self.administrator_dir(name) / "admin.p12"

    def administrator_pkcs12_password(self, name: str) -> Path:
        return self.administrator_dir(name) / "admin.p12-password"

    def library_dir(self, library_id: str) -> Path:
        return self.root / "libraries" / library_id

    def library_client_key(self, library_id: str) -> Path:
        return self.library_dir(library_id) / "client.key"

    def library_client_certificate(self, library_id: str) -> Path:
        return self.library_dir(library_id) / "client.crt"

    def library_credential(self, library_id: str) -> Path:
        return self.library_dir(library_id) / "credential"

    def library_pin_pepper(self, library_id: str) -> Path:
        return self.library_dir(library_id) / NODE_PIN_PEPPER_FILE

    def library_outbox_key(self, library_id: str) -> Path:
        return self.library_dir(library_id) / NODE_OUTBOX_KEY_FILE

    def library_minside_session_key(self, library_id: str) -> Path:
        """A node's key for Min side sessions (``plumbing.web.sessions``), next to its PIN pepper."""
        return self.library_dir(library_id) / "minside-session.key"

    def library_desk_session_key(self, library_id: str) -> Path:
        """A node's key for staff desk sessions (``plumbing.web.sessions``), a key of its own next to Min side's."""
        return self.library_dir(library_id) / "desk-session.key"

    def library_server_key(self, library_id: str) -> Path:
        return self.library_dir(library_id) / "server.key"

    def library_server_certificate(self, library_id: str) -> Path:
        return self.library_dir(library_id) / "server.crt"
