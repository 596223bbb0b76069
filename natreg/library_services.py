"""``natreg registry services …``: the library services (e-books, film) patrons log in to with their card.

A service is registered with its exact redirect URIs and the claims it may receive; a confidential one (a
server) gets a client secret, printed once here and stored only as a digest; ``--public`` registers an app
on the patron's device, which has no secret and relies on PKCE alone.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]


def services_add(arguments: argparse.Namespace) -> int:
    from registry.commands import add_library_service  # noqa: PLC0415 - keeps `natreg keys` free of server imports
    from registry.settings import RegistrySettings  # noqa: PLC0415

    registered = asyncio.run(
        add_library_service(
            RegistrySettings(), client_id=arguments.client_id,
            names={"nb": arguments.name, "en": arguments.name_en or arguments.name},
            redirect_uris=arguments.redirect_uri, claims=arguments.claim or None, public=arguments.public,
        )
    )  # fmt: skip
    client = registered.client
    print(f"registered library service {client.client_id!r} ({client.names['nb']})")
    print(f"  redirect URIs: {', '.join(client.redirect_uris)}")
    print(f"  claims: {', '.join(client.claims)}")
    if registered.secret is None:
        print("  public client: no secret; it must use PKCE (S256), as every client must")
    else:
        print(f"  client secret (shown only now; the registry keeps a digest): {registered.secret}")
    print("  the service finds everything else at <public site>/.well-known/openid-configuration")
    return 0


def services_list(arguments: argparse.Namespace) -> int:
    from registry.commands import list_library_services  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    for client in asyncio.run(list_library_services(RegistrySettings())):
        state = f"disabled {client.disabled_at:%Y-%m-%d}" if client.disabled_at else "active"
        kind = "confidential" if client.confidential else "public"
        print(f"{client.client_id}\t{client.names['nb']}\t{kind}\t{state}\t{' '.join(client.claims)}")
        for uri in client.redirect_uris:
            print(f"\t{uri}")
    return 0


def services_disable(arguments: argparse.Namespace) -> int:
    from registry.commands import disable_library_service  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    asyncio.run(disable_library_service(RegistrySettings(), arguments.client_id))
    print(f"library service {arguments.client_id!r} disabled: no new logins; its codes and tokens stop working")
    return 0


def add_service_commands(
    registry: argparse._SubParsersAction[argparse.ArgumentParser],
    add: Callable[[argparse._SubParsersAction[argparse.ArgumentParser], str, Command, str], argparse.ArgumentParser],
) -> None:
    services = registry.add_parser(
        "services", help="library services patrons log in to with their card"
    ).add_subparsers(dest="services_command", required=True)
    add_command = add(services, "add", services_add, "register a library service (OpenID Connect client)")
    add_command.add_argument("client_id", help="the service's id (client_id): lower-case letters, digits, dashes")
    add_command.add_argument("--name", required=True, help="the name patrons see (bokmål)")
    add_command.add_argument("--name-en", help="the name in English (default: --name)")
    add_command.add_argument(
        "--redirect-uri", action="append", required=True, help="an exact redirect URI (repeatable)"
    )
    add_command.add_argument(
        "--claim", action="append",
        help="a claim the service receives (repeatable): home_library, age_over_13, age_over_15, age_over_16, "
        "age_over_18, libraries, name, email; default: home_library and age_over_18",
    )  # fmt: skip
    add_command.add_argument("--public", action="store_true", help="an app without a secret (PKCE only)")
    add(services, "list", services_list, "list the registered library services")
    disable = add(services, "disable", services_disable, "stop a library service's logins")
    disable.add_argument("client_id")
