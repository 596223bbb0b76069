"""Typed keys for everything a library node's application holds, in one place (Min side's too).

Views and the app factory read these; domain code is handed what it needs (``RegistryLink``,
``PatronLogins``, a pool, a clock, …), never the application.
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from local_library.clock import Clock
from local_library.eid.flow import SealedCookies
from local_library.eid.relying_party import EidRelyingParty
from local_library.federation.callers import PeerCaller
from local_library.federation.directory import CachedDirectory
from local_library.federation.peer_client import PeerClient
from local_library.federation.statements import StatementVerifier
from local_library.interlibrary.service import Interlibrary
from local_library.meraapent.access import DoorChecks
from local_library.notices.senders import NoticeSender
from local_library.policy import LibraryPolicy
from local_library.registry_link.login import PatronLogins
from local_library.registry_link.sync import RegistryLink
from local_library.settings import LibrarySettings
from local_library.staff.models import StaffMember
from local_library.staff.passwords import StaffPasswordHasher
from plumbing.ratelimit import LoginLimiter
from plumbing.web.site import Site
from registry_contract.client import RegistryClient
from registry_contract.lockout import UnknownCardAttempts
from registry_contract.pins import PinHasher

SETTINGS = web.AppKey("settings", LibrarySettings)
POOL = web.AppKey("pool", asyncpg.Pool)
REGISTRY = web.AppKey("registry", RegistryClient)
POLICY = web.AppKey("policy", LibraryPolicy)
CLOCK = web.AppKey("clock", Clock)
PIN_HASHER = web.AppKey("pin_hasher", PinHasher)
STAFF_HASHER = web.AppKey("staff_hasher", StaffPasswordHasher)
NOTICE_SENDER = web.AppKey("notice_sender", NoticeSender)
STAFF_LOGIN_LIMITER = web.AppKey("staff_login_limiter", LoginLimiter)
"""Staff logins per source address and overall, in this process's memory (``plumbing.ratelimit``)."""
UNKNOWN_CARDS = web.AppKey("unknown_cards", UnknownCardAttempts)
"""Min side failures on local card numbers that name no usable card, throttled like a real card's."""
PATRON_LOGINS = web.AppKey("patron_logins", PatronLogins)
"""Card and PIN checks (kiosks, desks with ``pin_required``, Min side), built when the node starts."""
DOOR_CHECKS = web.AppKey("door_checks", DoorChecks)
"""Door checks for unstaffed hours (HTTPS doors here, SIP2 door terminals), built when the node starts."""
REGISTRY_LINK = web.AppKey("registry_link", RegistryLink)
"""Outbox delivery and feed following: pool, registry client, outbox cipher, sync lock; built at start."""

INTERLIBRARY = web.AppKey("interlibrary", Interlibrary)
"""Interlibrary requests: renewals asked of the owner, federated search, the peer outbox; built at start."""

MINSIDE_SITE = web.AppKey("minside_site", Site)
DESK_SITE = web.AppKey("desk_site", Site)
"""The staff desk's login, sessions and language (``local_library.desk``)."""
EID_RELYING_PARTY = web.AppKey("eid_relying_party", EidRelyingParty)
"""Self-registration's eID provider (``local_library.eid``); absent when ``eid_issuer`` is not set."""
EID_COOKIES = web.AppKey("eid_cookies", SealedCookies)
"""Seals the eID sign-in's short-lived cookies (``local_library.eid.flow``)."""
MINSIDE_REGISTRY_INSIGHT_URL = web.AppKey("minside_registry_insight_url", str)
"""Where national patrons see the registry's own insight page (``registry_insight_url`` in the settings)."""

PEER_DIRECTORY = web.AppKey("peer_directory", CachedDirectory)
"""The registry's library directory as this node caches it (``local_library.federation.directory``)."""
PEER_CLIENT = web.AppKey("peer_client", PeerClient)
"""Calls to other library nodes over mutual TLS (``local_library.federation.peer_client``)."""
PEER_STATEMENTS = web.AppKey("peer_statements", StatementVerifier)
"""Checks the patron statements other nodes present (``local_library.federation.statements``)."""
PEER_NODE_APP = web.AppKey("peer_node_app", web.Application)
"""On the peer listener's application: the node's main application, whose resources peer handlers use."""
PEER_CALLER = web.RequestKey("peer_caller", PeerCaller)
"""The library node a peer request comes from, set by ``local_library.federation.peer_server``."""

STAFF = web.RequestKey("staff", StaffMember)
"""The authenticated staff member of a ``/api/staff/`` request, set by the staff middleware."""
