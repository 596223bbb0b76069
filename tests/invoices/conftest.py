"""The library fixtures (a fresh node database per test, Asker's and Sandnes's policies, a fixed clock)."""

from tests.library.conftest import asker_policy, clock, conn, hasher, pool, sandnes_policy

__all__ = ["asker_policy", "clock", "conn", "hasher", "pool", "sandnes_policy"]
