"""Who is calling: mutual TLS plus the same library's HTTP credentials, checked on every request."""
