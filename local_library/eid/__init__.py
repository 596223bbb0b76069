"""Self-registration with a national eID at the node: the OpenID Connect relying party and its short-lived state.

``relying_party`` signs a patron in at the configured provider (ID-porten, or the stand-in in tests and the
demo); ``flow`` keeps what the browser must carry between the steps (encrypted, minutes long); the pages are
in ``local_library.minside.card_views``.
"""
