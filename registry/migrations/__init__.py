"""Numbered SQL migrations of the registry database (applied by ``natreg.db.migrations``)."""

MIGRATIONS_PACKAGE = __name__
