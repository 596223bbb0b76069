"""Fixtures for unstaffed opening hours: the library fixtures (database, policies, clock, patrons)."""

from tests.library.conftest import asker_policy, clock, conn, hasher, pool, sandnes_policy

__all__ = ["asker_policy", "clock", "conn", "hasher", "pool", "sandnes_policy"]
