"""Typed keys for everything a library node's application holds, in one place."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from local_library.clock import Clock
from local_library.notices.senders import NoticeSender
from local_library.policy import LibraryPolicy
from local_library.settings import LibrarySettings
from local_library.staff.models import StaffMember
from local_library.staff.passwords import StaffPasswordHasher
from plumbing.ratelimit import LoginLimiter
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
UNKNOWN_CARDS = web.AppKey("unknown_cards", UnknownCardAttempts)
"""Min side failures on local card numbers that name no usable card, throttled like a real card's."""
"""Staff logins per source address and overall, in this process's memory (``plumbing.ratelimit``)."""

STAFF = web.RequestKey("staff", StaffMember)
"""The authenticated staff member of a ``/api/staff/`` request, set by the staff middleware."""
