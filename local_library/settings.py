"""Settings of one library node, read from ``NATREG_LIBRARY_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LibrarySettings(BaseSettings):
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
    host: str = "127.0.0.1"
    port: int = Field(default=8501, description="the node's HTTPS listener (staff API, Min side)")

    @property
    def database_name(self) -> str:
        """The node's own database on the embedded server; never shared with another service."""
        return "natreg_library_" + self.library_id.replace("-", "_")
