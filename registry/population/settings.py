"""Settings of the population register job, read from ``NATREG_REGISTRY_POPULATION_*`` environment variables.

Kept apart from ``registry.settings`` so the job's knobs live beside it; the registry's settings hold one of
these (``population``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DeathAction = Literal["wait_for_administrator", "erase_at_once"]


class PopulationRegisterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NATREG_REGISTRY_POPULATION_", extra="forbid")

    api_url: str | None = Field(
        default=None,
        description="the register's API for the rights package, e.g. https://folkeregisteret.api.skatteetaten.no"
        "/folkeregisteret/offentlig-med-hjemmel/api/v1; empty: the registry does not follow the register",
    )
    token_url: str | None = Field(
        default=None, description="the token endpoint (Maskinporten: https://maskinporten.no/token)"
    )
    audience: str | None = Field(
        default=None, description="the grant's audience, the token issuer (default: token_url's origin with '/')"
    )
    client_id: str = Field(default="natreg-registry", description="the registry's client id at the token issuer")
    scope: str = Field(default="folkeregister:deling/offentligmedhjemmel", description="scope asked for")
    poll_interval_seconds: float = Field(default=60, gt=0, description="wait between polls once the feed is read")
    timeout_seconds: float = Field(default=10, gt=0, description="per-call timeout towards the register")
    death_action: DeathAction = Field(
        default="wait_for_administrator",
        description="a death in the register files a death notice for an administrator, or erases at once",
    )
    backfill_calls_per_second: float = Field(
        default=1, gt=0, description="bulk lookups (1,000 people each) a backfill makes per second at most"
    )

    @property
    def enabled(self) -> bool:
        return self.api_url is not None and self.token_url is not None
