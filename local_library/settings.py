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

    @property
    def database_name(self) -> str:
        """The node's own database on the embedded server; never shared with another service."""
        return "natreg_library_" + self.library_id.replace("-", "_")

    @property
    def resolved_notice_log_path(self) -> Path:
        return self.notice_log_path or self.data_dir / f"notices-{self.library_id}.jsonl"
