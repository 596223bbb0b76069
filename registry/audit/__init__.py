"""The audit log: every read and write of a patron record, append-only and hash-chained."""
