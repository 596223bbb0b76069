"""Settings of one library node, read from ``NATREG_LIBRARY_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from plumbing.http.listener_settings import ListenerSettings
from plumbing.web.times import DEFAULT_TIME_ZONE, TimeZoneName


class LibrarySettings(ListenerSettings):
    model_config = SettingsConfigDict(env_prefix="NATREG_LIBRARY_", extra="forbid")

    library_id: str = Field(description="this library's id, as in `natreg keys add-library`")
    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; empty starts the embedded PostgreSQL in data_dir"
    )
    data_dir: Path = Field(default=Path(".natreg"), description="local data: the embedded PostgreSQL")
    keys_dir: Path = Field(default=Path("keys"), description="key material made by `natreg keys init`")
    registry_url: str = Field(default="https://localhost:8443", description="the registry's node API")
    registry_timeout_seconds: float = 5.0
    registry_retries: int = 3
    registry_insight_url: str = Field(
        default="https://localhost:8444/", description="the registry's insight page, linked from Min side"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8501, description="the node's HTTPS listener (staff API, Min side)")
    peer_enabled: bool = Field(default=True, description="serve the peer listener other library nodes call")
    peer_port: int = Field(
        default=8511, ge=0, le=65535, description="the peer listener (mutual TLS, library certificates; 0: a free one)"
    )
    peer_timeout_seconds: float = Field(default=5.0, gt=0, description="deadline of a call to another library's node")
    peer_overview_deadline_seconds: float = Field(
        default=3.0, gt=0, description="how long Min side's overview of all libraries waits for the others"
    )
    directory_max_age_seconds: float = Field(
        default=60.0, gt=0, description="how long the registry's library directory is cached"
    )
    sip2_enabled: bool = Field(default=True, description="serve SIP2 for self-service machines and door panels")
    sip2_port: int = Field(default=6001, ge=0, le=65535, description="the SIP2 listener's TCP port (0: a free one)")
    sip2_tls: bool = Field(default=False, description="SIP2 over TLS (node certificate)")
    policy_path: Path | None = Field(
        default=None, description="the lending policy (TOML); empty uses the built-in policy named by library_id"
    )
    timezone: TimeZoneName = Field(
        default=DEFAULT_TIME_ZONE, description="the library's time zone: what 'today' means, and times on its pages"
    )
    local_pin_pepper_path: Path | None = Field(
        default=None,
        description="pepper for local patrons' PINs; empty creates keys/libraries/<id>/pin-pepper.key on first start",
    )
    notice_log_path: Path | None = Field(
        default=None, description="where the default notice sender appends; empty is <data_dir>/notices-<id>.jsonl"
    )
    registry_sync_enabled: bool = Field(
        default=True, description="deliver queued registry writes and follow the change feed in the background"
    )
    registry_sync_interval_seconds: float = Field(default=5.0, gt=0, description="pause between sync rounds")
    interlibrary_delivery_enabled: bool = Field(
        default=True, description="deliver queued interlibrary messages to other library nodes in the background"
    )
    interlibrary_delivery_interval_seconds: float = Field(
        default=5.0, gt=0, description="pause between interlibrary delivery rounds"
    )
    registry_desk_wait_seconds: float = Field(
        default=2.0, ge=0, description="how long a desk request waits for its own writes to reach the registry"
    )
    outbox_payload_max_age_hours: float = Field(
        default=72.0, gt=0,
        description="longest a queued national ID or PIN waits (encrypted) for the registry before it is destroyed",
    )  # fmt: skip
    daily_run_enabled: bool = Field(default=True, description="run the daily circulation job inside the node")
    bootstrap_admin_password_file: Path | None = Field(
        default=None, description="if set and no admin exists, create staff account 'admin' with this password"
    )
    staff_token_hours: int = Field(default=12, ge=1, le=168, description="lifetime of a staff login token")

    eid_issuer: str | None = Field(
        default=None,
        description="the eID provider (OpenID Connect issuer, e.g. https://idporten.no); empty: no self-registration",
    )
    eid_client_id: str | None = Field(default=None, description="this library's client id at the eID provider")
    eid_client_secret_file: Path | None = Field(
        default=None, description="file holding the client secret at the eID provider (client_secret_basic)"
    )
    eid_redirect_uri: str | None = Field(
        default=None,
        description="the callback registered at the provider; empty: https://<this host>/minside/new-card/callback",
    )
    eid_ca_file: Path | None = Field(
        default=None, description="CA certificates to trust for the eID provider's TLS; empty: the system's"
    )
    eid_timeout_seconds: float = Field(default=10.0, gt=0, description="per-call timeout towards the eID provider")
    eid_acr_values: str = Field(
        default="idporten-loa-substantial", description="the level asked of the eID provider (at least substantial)"
    )

    @property
    def database_name(self) -> str:
        """The node's own database on the embedded server; never shared with another service."""
        return "natreg_library_" + self.library_id.replace("-", "_")

    @property
    def resolved_notice_log_path(self) -> Path:
        return self.notice_log_path or self.data_dir / f"notices-{self.library_id}.jsonl"
