"""``natreg demo``: the registry and three library nodes, asker, sandnes and stavanger, on one machine.

Everything it needs is made on first use: the embedded PostgreSQL in the data folder, one database per
service, and the key material. Ctrl-C stops the services and the database cleanly.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from local_library import app_keys
from local_library.app import RunningLibrary, start_library
from local_library.catalogue.importing import import_items_csv
from local_library.policy import load_builtin_policy
from local_library.settings import LibrarySettings
from local_library.sip2.terminals import create_terminal, terminal_by_name
from natreg.demo_services import demo_service
from natreg.eid_standin.demo import DEMO_EID_PORT, DemoEid, start_demo_eid
from natreg.population_standin import PopulationStandIn, RunningStandIn, start_standin, trusted_certificate_der
from natreg.services import stop_signal
from plumbing.db.embedded import EmbeddedPostgres, database_dsn, ensure_database
from plumbing.keys.files import write_new_file
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import add_administrator, init_keys, load_administrator_entries, set_library_display_names
from registry import app_keys as registry_app_keys
from registry.app import RunningRegistry, start_registry
from registry.federation.profiles import set_profile
from registry.population.settings import PopulationRegisterSettings
from registry.settings import RegistrySettings
from registry_contract.client import RegistryClient
from registry_contract.federation import FederationProfile

DEMO_LIBRARIES = ("asker", "sandnes", "stavanger")
DEMO_POPULATION_PORT = 8610
"""The stand-in population register (feed, bulk lookup and token endpoint on one listener, plain HTTP)."""
# The demo registry reads the stand-in's feed this often, so an event typed into its form shows soon.
DEMO_POPULATION_POLL_SECONDS = 3
DEMO_ADMINISTRATOR = "demo-admin"


@dataclass(frozen=True)
class DemoOptions:
    keys_dir: Path
    data_dir: Path
    database_url: str | None
    host: str
    registry_port: int
    health_port: int
    public_port: int
    first_library_port: int
    admin_port: int = 8445
    population_port: int = DEMO_POPULATION_PORT
    eid_port: int = DEMO_EID_PORT
    """The ID-porten stand-in (``natreg.eid_standin``); 0 picks a free port."""


async def stock_demo_catalogue(library: RunningLibrary) -> None:
    """A few items on each demo library's shelves, so lending can be tried at once (import is idempotent)."""
    app = library.runner.app
    text = resources.files("natreg").joinpath("demo_catalogue.csv").read_text(encoding="utf-8")
    async with app[app_keys.POOL].acquire() as connection, connection.transaction():
        await import_items_csv(connection, app[app_keys.POLICY], text)


DEMO_TERMINAL = "demo-kiosk"
DEMO_SIP2_PORT = 6001
DEMO_PEER_PORT = 8511


async def ensure_demo_terminal(library: RunningLibrary, data_dir: Path, library_id: str) -> str:
    """The demo's SIP2 terminal account ``demo-kiosk``, made once; its password is kept (0600) to be shown."""
    path = data_dir / f"{library_id}-demo-kiosk-password"
    if not path.exists():
        write_new_file(path, secrets.token_urlsafe(18).replace("-", "x").replace("_", "y").encode() + b"\n")
    password = path.read_text(encoding="utf-8").strip()
    app = library.runner.app
    async with app[app_keys.POOL].acquire() as connection:
        if await terminal_by_name(connection, DEMO_TERMINAL) is None:
            await create_terminal(
                connection, app[app_keys.STAFF_HASHER], DEMO_TERMINAL, institution_id=library_id, password=password
            )
    return password


def demo_admin_password_file(data_dir: Path, library_id: str) -> Path:
    """A random staff admin password per demo library, made once (0600) so the staff API can be tried."""
    path = data_dir / f"{library_id}-admin-password"
    if not path.exists():
        write_new_file(path, secrets.token_urlsafe(18).encode() + b"\n")
    return path


def name_demo_libraries(keys_dir: Path) -> None:
    """The registry shows each demo library by the name in its lending policy (ids are for machines)."""
    for library_id in DEMO_LIBRARIES:
        name = load_builtin_policy(library_id).name
        set_library_display_names(keys_dir, library_id, {"nb": name.nb, "en": name.en})


def demo_administrator(keys_dir: Path) -> tuple[Path, str]:
    """The demo administrator's PKCS#12 file and its password (made once; a demo prints what production hides)."""
    layout = KeyLayout(keys_dir)
    if DEMO_ADMINISTRATOR not in load_administrator_entries(layout):
        add_administrator(keys_dir, DEMO_ADMINISTRATOR)
    password_file = layout.administrator_pkcs12_password(DEMO_ADMINISTRATOR)
    return layout.administrator_pkcs12(DEMO_ADMINISTRATOR), password_file.read_text().strip()


async def register_demo_node(registry: RunningRegistry, library_id: str, library: RunningLibrary) -> None:
    """Enter the node's peer listener in the registry's library directory, as `natreg registry set-federation`
    would, and say where it is."""
    if library.peer_url is None:
        return
    profile = FederationProfile(node_url=library.peer_url, offers_interlibrary_requests=True)
    async with registry.runner.app[registry_app_keys.POOL].acquire() as connection:
        await set_profile(connection, library_id, profile)
    print(f"           peer listener for other libraries' nodes {library.peer_url}")


async def start_demo_population_register(options: DemoOptions) -> RunningStandIn:
    """The stand-in register, trusting the registry's business certificate; its people live in memory only."""
    layout = KeyLayout(options.keys_dir)
    state = PopulationStandIn(trusted_certificate_der(layout.registry_business_certificate))
    return await start_standin(state, options.host, options.population_port)


async def _start_demo_library(
    options: DemoOptions, server_dsn: str, registry: RunningRegistry, eid: DemoEid, *, offset: int, library_id: str
) -> RunningLibrary:
    """One demo library's node, its shelves and its SIP2 terminal, with what to print about them."""
    library_settings = LibrarySettings(
        library_id=library_id,
        keys_dir=options.keys_dir,
        data_dir=options.data_dir,
        registry_url=registry.api_url,
        registry_insight_url=registry.public_url + "/",
        host=options.host,
        # Port 0 gives each library a free port of its own (the test of the demo runs it so).
        port=options.first_library_port + offset if options.first_library_port else 0,
        sip2_port=DEMO_SIP2_PORT + offset if options.first_library_port else 0,
        peer_port=DEMO_PEER_PORT + offset if options.first_library_port else 0,
        bootstrap_admin_password_file=demo_admin_password_file(options.data_dir, library_id),
        **eid.library_settings(library_id),  # type: ignore[arg-type]
    )
    await ensure_database(server_dsn, library_settings.database_name)
    library = await start_library(
        library_settings.model_copy(update={"database_url": database_dsn(server_dsn, library_settings.database_name)})
    )
    eid.register_callback(library_id, library.url)
    await stock_demo_catalogue(library)
    print(f"library    {library_id:<10} {library.url}   Min side {library.url}/minside/")
    print(f"           staff login 'admin', password in {library_settings.bootstrap_admin_password_file}")
    print(f"           staff desk {library.url}/staff/ (log in as 'admin' with that password)")
    await register_demo_node(registry, library_id, library)
    kiosk_password = await ensure_demo_terminal(library, options.data_dir, library_id)
    print(
        f"           SIP2 {options.host}:{library.sip2_port}   terminal {DEMO_TERMINAL!r}"
        f" password {kiosk_password} (cp850, CR)"
    )
    return library


async def run_demo(options: DemoOptions) -> None:
    with stop_signal() as stop:
        await _run_demo(options, stop)


async def _run_demo(options: DemoOptions, stop: asyncio.Event) -> None:
    started = time.monotonic()
    for line in init_keys(options.keys_dir, DEMO_LIBRARIES):
        print(f"created {line}")
    name_demo_libraries(options.keys_dir)
    admin_pkcs12, admin_password = demo_administrator(options.keys_dir)
    embedded: EmbeddedPostgres | None = None
    if options.database_url:
        server_dsn = options.database_url
    else:
        embedded = EmbeddedPostgres(options.data_dir / "pgdata")
        embedded.start()
        server_dsn = embedded.dsn()
    registry: RunningRegistry | None = None
    libraries: list[RunningLibrary] = []
    population: RunningStandIn | None = None
    eid: DemoEid | None = None
    try:
        population = await start_demo_population_register(options)
        eid = await start_demo_eid(options.keys_dir, options.data_dir, options.host, options.eid_port, DEMO_LIBRARIES)
        registry_settings = RegistrySettings(
            keys_dir=options.keys_dir,
            data_dir=options.data_dir,
            host=options.host,
            port=options.registry_port,
            health_port=options.health_port,
            public_port=options.public_port,
            admin_port=options.admin_port,
            allow_synthetic_national_ids=True,
            population=PopulationRegisterSettings(
                api_url=population.api_url,
                token_url=population.token_url,
                poll_interval_seconds=DEMO_POPULATION_POLL_SECONDS,
            ),
            **eid.registry_settings(),  # type: ignore[arg-type]
        )
        await ensure_database(server_dsn, registry_settings.database_name)
        registry = await start_registry(
            registry_settings.model_copy(
                update={"database_url": database_dsn(server_dsn, registry_settings.database_name)}
            )
        )
        print(f"registry   node API {registry.api_url}   health {registry.health_url}")
        print(f"registry   insight page for patrons {registry.public_url}")
        print(f"registry   administrators' desk {registry.admin_url}/")
        print(f"           import {admin_pkcs12} in the browser, password {admin_password}")
        for line in await demo_service(
            registry.runner.app[registry_app_keys.POOL], registry.public_url, options.keys_dir
        ):
            print(line)
        print(f"population register (stand-in) {population.url}/   record a death, a move, a name change there")
        for offset, library_id in enumerate(DEMO_LIBRARIES):
            libraries.append(
                await _start_demo_library(options, server_dsn, registry, eid, offset=offset, library_id=library_id)
            )
        async with RegistryClient.for_library(
            registry.api_url, KeyLayout(options.keys_dir), DEMO_LIBRARIES[0]
        ) as client:
            identity = await client.whoami()
        print(f"the registry knows the {DEMO_LIBRARIES[0]} node as {identity.library_id!r}")
        for line in eid.instructions(libraries[0].url):
            print(line)
        print(f"all services up in {time.monotonic() - started:.1f} s; press Ctrl-C to stop")
        await stop.wait()
        print("stopping")
    finally:
        for library in reversed(libraries):
            await library.stop()
        if registry is not None:
            await registry.stop()
        if population is not None:
            await population.stop()
        if eid is not None:
            await eid.standin.stop()
        if embedded is not None:
            embedded.stop()
