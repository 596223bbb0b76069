"""What the registry and the library nodes agree on: the wire models, the endpoint description (OpenAPI), the
typed client nodes call the registry with, and the rules both sides apply (national ID, card numbers, PINs and
their lockout, the permitted fields). Stands on the plumbing only; a node needs this package, never `registry`.
"""
