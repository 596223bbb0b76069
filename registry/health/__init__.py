"""Liveness and readiness: is the service up, and can it reach its database."""
