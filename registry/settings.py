"""Settings of the registry service, read from ``NATREG_REGISTRY_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from plumbing.http.listener_settings import ListenerSettings
from plumbing.web.times import DEFAULT_TIME_ZONE, TimeZoneName
from registry.patrons.lookup_limits import LookupLimit
from registry.population.settings import PopulationRegisterSettings


class RegistrySettings(ListenerSettings):
    model_config = SettingsConfigDict(env_prefix="NATREG_REGISTRY_", extra="forbid")

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; empty starts the embedded PostgreSQL in data_dir"
    )
    database_name: str = Field(default="natreg_registry", description="database used on the embedded server")
    data_dir: Path = Field(default=Path(".natreg"), description="local data: the embedded PostgreSQL")
    keys_dir: Path = Field(default=Path("keys"), description="key material made by `natreg keys init`")
    host: str = "127.0.0.1"
    port: int = Field(default=8443, description="node API listener (mutual TLS)")
    health_port: int = Field(default=8080, description="plain HTTP listener that serves only /health")
    public_port: int = Field(default=8444, description="public HTTPS site: the patrons' insight page")
    admin_port: int = Field(
        default=8445, description="the administrators' desk (HTTPS, an administrator's client certificate required)"
    )
    erasure_ledger_path: Path | None = Field(
        default=None,
        description="append-only copy of the erasure ledger, kept apart from database backups "
        "(default: <data_dir>/erasure-ledger.jsonl)",
    )
    listen_database_url: str | None = Field(
        default=None,
        description="where the registry LISTENs for library directory changes: straight to PostgreSQL when "
        "database_url goes through PgBouncer in transaction mode (default: database_url; 'off': poll only)",
    )
    max_body_bytes: int = 64 * 1024
    allow_synthetic_national_ids: bool = Field(
        default=False, description="accept synthetic test numbers (month + 80); for test systems only"
    )
    pin_hash_concurrency: int = Field(default=2, ge=1, description="Argon2id hashes running at once")
    pin_hash_time_cost: int = Field(default=2, ge=1, description="Argon2id passes")
    pin_hash_memory_kib: int = Field(default=19456, ge=1024, description="Argon2id memory per hash")
    oidc_issuer: str | None = Field(
        default=None,
        description="the library-service login's issuer: the public site's https URL as services reach it "
        "(default: the public listener's own URL)",
    )
    operator_name: str = Field(default="natreg registry operator", description="the data controller's name")
    timezone: TimeZoneName = Field(
        default=DEFAULT_TIME_ZONE, description="the time zone of times on the insight page and administrators' desk"
    )
    crl_refresh_interval_seconds: float = Field(
        default=3600, ge=0, description="how often to check the CRL and re-sign it before it runs out; 0: never"
    )
    erasure_ledger_reconcile_interval_seconds: float = Field(
        default=300, ge=0, description="how often the ledger file and table are reconciled; 0: at start only"
    )

    population: PopulationRegisterSettings = Field(
        default_factory=PopulationRegisterSettings,
        description="following the population register (its own NATREG_REGISTRY_POPULATION_* variables)",
    )

    eid_issuer: str | None = Field(
        default=None, description="the national eID provider whose sign-ins prove a patron's presence; empty: none"
    )
    eid_client_ids: dict[str, str] = Field(
        default_factory=dict, description="each library's client id at the eID provider (JSON: library id to client id)"
    )
    eid_ca_file: Path | None = Field(
        default=None, description="CA certificates to trust for the eID provider's TLS; empty: the system's"
    )
    unlinked_lookups_per_window: int = Field(
        default=30, ge=1, description="lookups of patrons not linked to a library that it may make per window"
    )
    unlinked_lookup_window_seconds: int = Field(default=60, ge=1, le=86400, description="the window of that limit")

    @property
    def lookup_limit(self) -> LookupLimit:
        return LookupLimit(self.unlinked_lookups_per_window, self.unlinked_lookup_window_seconds)

    @property
    def erasure_ledger_file(self) -> Path:
        return self.erasure_ledger_path or self.data_dir / "erasure-ledger.jsonl"
