"""docker-compose.yml describes the production topology, and only settings that exist (no engine here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from local_library.settings import LibrarySettings
from registry.settings import RegistrySettings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _services() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    services: dict[str, Any] = document["services"]
    return services


def test_one_database_per_service_and_keys_made_once() -> None:
    services = _services()
    assert set(services) == {
        "keys", "registry-db", "asker-db", "sandnes-db", "registry-1", "registry-2", "registry", "asker", "sandnes",
    }  # fmt: skip
    database_of = {
        "registry": services["registry-1"]["environment"]["NATREG_REGISTRY_DATABASE_URL"],
        "asker": services["asker"]["environment"]["NATREG_LIBRARY_DATABASE_URL"],
        "sandnes": services["sandnes"]["environment"]["NATREG_LIBRARY_DATABASE_URL"],
    }
    for service, url in database_of.items():
        assert f"@{service}-db/" in url, (service, url)
        assert services[f"{service}-db"]["image"].startswith("postgres:")
        instance = "registry-1" if service == "registry" else service
        assert services[instance]["depends_on"][f"{service}-db"]["condition"] == "service_healthy"
    assert services["keys"]["restart"] == "no"
    assert services["keys"]["command"].startswith("keys init")
    assert services["registry-1"]["depends_on"]["keys"]["condition"] == "service_completed_successfully"


def test_two_registry_instances_share_one_database_behind_a_tcp_balancer() -> None:
    services = _services()
    first, second = services["registry-1"], services["registry-2"]
    assert first["environment"] == second["environment"]
    assert first["command"] == second["command"] == "registry serve"
    # Each instance keeps its own copy of the erasure ledger.
    ledgers = [
        [volume for volume in instance["volumes"] if volume.endswith(":/ledger")] for instance in (first, second)
    ]
    assert len(ledgers[0]) == len(ledgers[1]) == 1
    assert ledgers[0] != ledgers[1]
    balancer = services["registry"]
    assert set(balancer["depends_on"]) == {"registry-1", "registry-2"}
    configuration = (COMPOSE.parent / "deploy" / "haproxy.cfg").read_text()
    assert "mode tcp" in configuration
    for port in ("8443", "8444", "8445"):
        assert f"registry-1:{port}" in configuration
        assert f"registry-2:{port}" in configuration
    for node in ("asker", "sandnes"):
        assert services[node]["environment"]["NATREG_LIBRARY_REGISTRY_URL"] == "https://registry:8443"


def test_every_setting_named_in_the_file_exists() -> None:
    prefixes = {"NATREG_REGISTRY_": RegistrySettings, "NATREG_LIBRARY_": LibrarySettings}
    named = [
        (variable, model)
        for service in _services().values()
        for variable in (service.get("environment") or {})
        for prefix, model in prefixes.items()
        if variable.startswith(prefix)
    ]
    assert named
    for variable, model in named:
        field = variable.removeprefix("NATREG_REGISTRY_").removeprefix("NATREG_LIBRARY_").lower()
        assert field in model.model_fields, variable
