"""Typed keys for everything a library node's application holds, in one place."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from local_library.settings import LibrarySettings
from registry.client import RegistryClient

SETTINGS = web.AppKey("settings", LibrarySettings)
POOL = web.AppKey("pool", asyncpg.Pool)
REGISTRY = web.AppKey("registry", RegistryClient)
