"""Numbered SQL migrations of the registry database (applied by ``plumbing.db.migrations``)."""

MIGRATIONS_PACKAGE = __name__
