"""Shared plumbing of the natreg services: keys, database, HTTP errors, the command line and the demo."""
