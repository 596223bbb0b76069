"""Typed keys for everything the registry's applications hold (node API and insight site), in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any

import asyncpg
from aiohttp import web

from plumbing.keys.layout import KeyLayout
from plumbing.keys.signing import SigningKeyRing
from plumbing.web.sessions import SessionStore
from plumbing.web.site import Site
from registry.audit.sealer import SealerState
from registry.auth.administrators import Administrator, AdministratorDirectory
from registry.auth.last_seen import LastSeenRecorder
from registry.auth.libraries import CallingLibrary, LibraryDirectory
from registry.oidc.provider import Provider
from registry.patrons.core import RegistryCore
from registry.population.follower import FeedState
from registry.settings import RegistrySettings

SETTINGS = web.AppKey("settings", RegistrySettings)
POOL = web.AppKey("pool", asyncpg.Pool)
KEY_LAYOUT = web.AppKey("key_layout", KeyLayout)
LIBRARY_DIRECTORY = web.AppKey("library_directory", LibraryDirectory)
LAST_SEEN = web.AppKey("last_seen", LastSeenRecorder)
"""Remembers when each library last authenticated (``registry.auth.last_seen``)."""
CORE = web.AppKey("core", RegistryCore)
SEALER_STATE = web.AppKey("sealer_state", SealerState)
POPULATION_FEED_STATE = web.AppKey("population_feed_state", FeedState)
"""What the population register job last did (``registry.population.follower``), for ``/health``."""
STATEMENT_KEYS = web.AppKey("statement_keys", SigningKeyRing)
"""The rotating keys that sign patron statements (``registry.federation.statements``), published on /v1."""
CALLER = web.RequestKey("caller", CallingLibrary)
"""The library a node API request comes from, set by ``registry.auth.middleware``."""
OPENAPI_DOCUMENT = web.AppKey("openapi_document", dict[str, Any])
"""The node API's OpenAPI document, built once from the endpoint table (``registry.routes``)."""

# The insight site (``registry.insight.site``), a separate application on the public listener.
INSIGHT_CORE_PROVIDER: web.AppKey[Callable[[], RegistryCore]] = web.AppKey("insight_core_provider")
"""Hands out the node API app's core: one pool and key ring for both sites."""
INSIGHT_SITE = web.AppKey("insight_site", Site)
INSIGHT_CONTROLLER = web.AppKey("insight_controller", str)
"""The data controller named on the pages."""

# The administrators' desk (``registry.admin_desk.site``), a separate application on its own mutual-TLS listener.
ADMIN_DESK_CORE_PROVIDER: web.AppKey[Callable[[], RegistryCore]] = web.AppKey("admin_desk_core_provider")
ADMIN_DESK_ADMINISTRATORS = web.AppKey("admin_desk_administrators", AdministratorDirectory)
ADMIN_DESK_LIBRARIES = web.AppKey("admin_desk_libraries", LibraryDirectory)
"""The node API's library list: names, states and certificate dates."""
ADMIN_DESK_KEY_LAYOUT = web.AppKey("admin_desk_key_layout", KeyLayout)
ADMIN_DESK_FORMS = web.AppKey("admin_desk_forms", SessionStore)
"""Signs the desk's form tokens with the desk's own key, bound to the administrator's certificate serial."""
ADMINISTRATOR = web.RequestKey("administrator", Administrator)
"""The administrator a desk request comes from, set by the desk's middleware."""
INSIGHT_LIBRARY_NAMES: web.AppKey[Callable[[str, str], str]] = web.AppKey("insight_library_names")
"""A library's display name in a language, for the insight pages."""
OIDC_PROVIDER = web.AppKey("oidc_provider", Provider)
"""The library-service login (``registry.oidc``) on the public site: signing keys, pairwise key, issuer."""
PAGE_TIME_ZONE = web.AppKey("page_time_zone", tzinfo)
"""The zone times are shown in on the insight site and the administrators' desk (the ``timezone`` setting)."""
