"""Typed keys for everything the registry application holds, in one place."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from plumbing.keys.layout import KeyLayout
from registry.audit.sealer import SealerState
from registry.auth.libraries import LibraryDirectory
from registry.patrons.core import RegistryCore
from registry.settings import RegistrySettings

SETTINGS = web.AppKey("settings", RegistrySettings)
POOL = web.AppKey("pool", asyncpg.Pool)
KEY_LAYOUT = web.AppKey("key_layout", KeyLayout)
LIBRARY_DIRECTORY = web.AppKey("library_directory", LibraryDirectory)
CORE = web.AppKey("core", RegistryCore)
SEALER_STATE = web.AppKey("sealer_state", SealerState)
