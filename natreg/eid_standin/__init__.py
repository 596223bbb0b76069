"""A local stand-in for ID-porten: a small OpenID Connect provider for tests and the demo (never production).

It speaks what a library node needs of ID-porten (authorization code flow, PKCE S256 required, ``state``,
``nonce``, ``acr_values`` with ID-porten's levels, RS256 id tokens with the ``pid`` claim) and offers
synthetic test identities (month + 80 national IDs) on its login page. Tests use ``Misbehaviour`` to make
it issue the bad tokens a relying party must refuse.
"""

from natreg.eid_standin.provider import (
    ACR_HIGH,
    ACR_SUBSTANTIAL,
    Misbehaviour,
    RegisteredClient,
    RunningStandin,
    StandinProvider,
    TestIdentity,
    demo_identities,
    standin_app,
    start_standin,
)

__all__ = [
    "ACR_HIGH",
    "ACR_SUBSTANTIAL",
    "Misbehaviour",
    "RegisteredClient",
    "RunningStandin",
    "StandinProvider",
    "TestIdentity",
    "demo_identities",
    "standin_app",
    "start_standin",
]
