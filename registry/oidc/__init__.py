"""The registry as an OpenID Connect provider for library services (e-books, film): one patron login, the
national card number and PIN, with a pairwise subject per service and only the claims registered for it."""
