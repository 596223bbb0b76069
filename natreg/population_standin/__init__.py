"""A stand-in for the national population register and its token endpoint, for tests and the demo.

The real register (Skatteetaten) and Maskinporten cannot be reached from here, so this small aiohttp app
plays both, on one listener: ``POST /token`` takes the registry's JWT-bearer grant (checked with a JOSE
library against the business certificate it was told to trust), ``GET /api/v1/hendelser/feed?seq=N`` pages
events by sequence number (1,000 a page, ``ETag``/``304``), ``POST /api/v1/personer/bulkoppslag`` answers up to
1,000 people, and ``/`` is a small form where a person's death, move, name change or protected address is
recorded as an event. Faults (a status such as 429 or 500, a delay) can be queued for tests.
"""

from natreg.population_standin.app import (
    PopulationStandIn,
    RunningStandIn,
    StandInFault,
    create_standin_app,
    start_standin,
    trusted_certificate_der,
)

__all__ = [
    "PopulationStandIn",
    "RunningStandIn",
    "StandInFault",
    "create_standin_app",
    "start_standin",
    "trusted_certificate_der",
]
