"""``GET /health`` and ``GET /crl``: answered on every listener, without authentication.

Health is ``ok`` (200) or ``unavailable`` (503, database unreachable); dates that would stop the registry
(the CRL's next update, certificate expiries) and a failing or lagging audit sealer are listed as warnings
while the registry still works, with ``status`` ``warning``, so monitoring can act in time.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg
from aiohttp import web

from registry.app_keys import KEY_LAYOUT, LIBRARY_DIRECTORY, POOL, POPULATION_FEED_STATE, SEALER_STATE, SETTINGS
from registry.audit.sealer import sealing_lag
from registry.health.calendar import calendar_report, crl_document
from registry.patrons.lookup_limits import libraries_over_limit
from registry_contract.models import Health

# Accesses normally wait half a second for the sealer; a minute means it is stuck or far behind.
AUDIT_LAG_WARNING_SECONDS = 60.0


async def health(request: web.Request) -> web.Response:
    libraries = {entry.library_id: entry for entry in request.app[LIBRARY_DIRECTORY].entries()}
    calendar = await asyncio.to_thread(
        calendar_report, request.app[KEY_LAYOUT], dt.datetime.now(dt.UTC), libraries=libraries
    )
    warnings = list(calendar.warnings)
    population = request.app.get(POPULATION_FEED_STATE)
    if population is not None and population.warning is not None:
        warnings.append(population.warning)
    sealer = request.app.get(SEALER_STATE)
    if sealer is not None and sealer.failing:
        warnings.append(f"the audit sealer is failing ({sealer.consecutive_failures} times in a row)")
    try:
        async with request.app[POOL].acquire() as connection:
            lag = await sealing_lag(connection)
            # Libraries refused for harvest-like lookups: an operator should ask whether a credential was stolen.
            lookup_alerts = await libraries_over_limit(connection, request.app[SETTINGS].lookup_limit)
    except (OSError, asyncpg.PostgresError):
        unavailable = Health(
            status="unavailable", database="unreachable", crl_next_update=calendar.crl_next_update, warnings=warnings
        )
        return web.json_response(text=unavailable.model_dump_json(), status=503)
    if lookup_alerts:
        warnings.append("libraries over the lookup limit: " + ", ".join(lookup_alerts))
    if lag.oldest_unsealed_seconds > AUDIT_LAG_WARNING_SECONDS:
        warnings.append(f"audit entries have waited {lag.oldest_unsealed_seconds:.0f} s to be sealed")
    answer = Health(
        status="warning" if warnings else "ok",
        database="ok",
        crl_next_update=calendar.crl_next_update,
        audit_unsealed=lag.unsealed,
        audit_oldest_unsealed_seconds=round(lag.oldest_unsealed_seconds, 3),
        warnings=warnings,
        lookup_alerts=lookup_alerts,
    )
    return web.json_response(text=answer.model_dump_json())


async def crl(request: web.Request) -> web.Response:
    """The current CRL (DER, ``application/pkix-crl``), for the distribution point named in certificates."""
    body = await asyncio.to_thread(crl_document, request.app[KEY_LAYOUT])
    return web.Response(body=body, content_type="application/pkix-crl")
