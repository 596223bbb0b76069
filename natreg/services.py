"""Running services in the foreground until Ctrl-C or SIGTERM, shutting down cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

from local_library.app import start_library
from local_library.settings import LibrarySettings
from plumbing.db.embedded import resolve_database_url
from registry.app import start_registry
from registry.settings import RegistrySettings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_signal() -> Iterator[asyncio.Event]:
    """An event set by Ctrl-C or SIGTERM.

    Enter it before starting anything, so a signal that arrives during start-up is not lost or turned into
    a KeyboardInterrupt halfway through, and shutdown always runs.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def serve_registry(settings: RegistrySettings) -> None:
    with stop_signal() as stop:
        await _serve_registry(settings, stop)


async def _serve_registry(settings: RegistrySettings, stop: asyncio.Event) -> None:
    database_url, embedded = await resolve_database_url(
        settings.database_url, settings.data_dir, settings.database_name
    )
    try:
        registry = await start_registry(settings.model_copy(update={"database_url": database_url}))
        print(f"registry node API {registry.api_url}  health {registry.health_url}", flush=True)  # noqa: T201
        try:
            await stop.wait()
        finally:
            await registry.stop()
    finally:
        if embedded is not None:
            embedded.stop()


async def serve_library(settings: LibrarySettings) -> None:
    with stop_signal() as stop:
        await _serve_library(settings, stop)


async def _serve_library(settings: LibrarySettings, stop: asyncio.Event) -> None:
    database_url, embedded = await resolve_database_url(
        settings.database_url, settings.data_dir, settings.database_name
    )
    try:
        library = await start_library(settings.model_copy(update={"database_url": database_url}))
        print(f"library {settings.library_id} {library.url}", flush=True)  # noqa: T201
        try:
            await stop.wait()
        finally:
            await library.stop()
    finally:
        if embedded is not None:
            embedded.stop()
