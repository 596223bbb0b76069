"""Numbered SQL migrations of a library node's database (applied by ``plumbing.db.migrations``)."""

MIGRATIONS_PACKAGE = __name__
