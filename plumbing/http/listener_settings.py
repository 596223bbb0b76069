"""Settings every service's listeners share: how long a connection may stay silent, and the publicly trusted
certificate for the site browsers see (the private CA's otherwise). Each service's settings inherit them under
its own environment prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from plumbing.http.listeners import DEFAULT_READ_TIMEOUT_SECONDS


class ListenerSettings(BaseSettings):
    read_timeout_seconds: float = Field(
        default=DEFAULT_READ_TIMEOUT_SECONDS,
        gt=0,
        description="a connection silent (or sending its headers or body) this long is closed, on every listener",
    )
    public_tls_cert_path: Path | None = Field(
        default=None,
        description="publicly trusted certificate chain for the site browsers see (default: the private CA's)",
    )
    public_tls_key_path: Path | None = Field(default=None, description="its private key")

    @model_validator(mode="after")
    def _public_certificate_comes_with_its_key(self) -> Self:
        if (self.public_tls_cert_path is None) != (self.public_tls_key_path is None):
            raise ValueError("set both public_tls_cert_path and public_tls_key_path, or neither")
        return self
