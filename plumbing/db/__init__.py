"""Database plumbing: the embedded PostgreSQL, connection pools and the migration runner."""
