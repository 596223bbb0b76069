"""Following the population register's event feed ("hendelsesliste"), one page per database transaction.

A round locks the feed position row (``FOR UPDATE SKIP LOCKED``: one registry instance works, the others find
it taken and wait for the next round), reads the page after the stored sequence number, applies the events
about registered patrons and stores the new position, all in that one transaction. A crash anywhere before
the commit leaves the old position and none of the page's changes; after it, both. The same holds after a
restore from backup: the position restored with the data makes the job apply the later events again (they are
read as the person is now, so applying one twice changes nothing).

The register's calls are made while the transaction is open (with their timeouts), so the lock that keeps
other instances out is the same one that keeps the page and the position together.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import asyncpg

from registry.patrons.core import RegistryCore
from registry.population import store as population_store
from registry.population.apply import Applied, apply_to_patrons
from registry.population.client import (
    PopulationRegisterClient,
    PopulationRegisterRefused,
    PopulationRegisterUnavailable,
)
from registry.population.settings import DeathAction, PopulationRegisterSettings
from registry.population.wire import FEED_PAGE_SIZE

logger = logging.getLogger(__name__)
FEED_PURPOSE = "population register event"


@dataclass(frozen=True)
class FeedRound:
    busy: bool = False
    """Another instance holds the position."""
    events: int = 0
    position: int = 0
    more: bool = False
    """A full page came: read the next one at once."""
    applied: Applied | None = None


async def follow_once(
    core: RegistryCore, register: PopulationRegisterClient, *, death_action: DeathAction
) -> FeedRound:
    """Read and apply one page of the feed (or learn that nothing is new)."""
    async with core.pool.acquire() as connection, connection.transaction():
        position = await population_store.lock_feed_position(connection)
        if position is None:
            return FeedRound(busy=True)
        page = await register.feed_page(position.last_sequence_number, position.etag)
        if page.not_modified:
            return FeedRound(position=position.last_sequence_number)
        # A page that repeats events already applied (a cache, an answer sent twice) adds nothing.
        events = [element for element in page.elements if element.sekvensnummer > position.last_sequence_number]
        if not events:
            # Nothing new: remember the ETag so the next poll of the same page can be answered 304.
            await population_store.save_feed_position(connection, position.last_sequence_number, page.etag)
            return FeedRound(position=position.last_sequence_number)
        applied = await apply_to_patrons(
            core, connection, register, [event.hendelse.folkeregisteridentifikator for event in events],
            death_action=death_action, purpose=FEED_PURPOSE,
        )  # fmt: skip
        last = max(event.sekvensnummer for event in events)
        await population_store.save_feed_position(connection, last, None)
    await applied.remember_erasures(core)
    return FeedRound(events=len(events), position=last, more=len(page.elements) >= FEED_PAGE_SIZE, applied=applied)


async def follow_regularly(
    core: RegistryCore, register: PopulationRegisterClient, settings: PopulationRegisterSettings
) -> None:
    """The job: read the feed to its end, then poll every ``poll_interval_seconds``; never give up."""
    while True:
        try:
            round_ = await follow_once(core, register, death_action=settings.death_action)
        except PopulationRegisterUnavailable as unavailable:
            logger.warning(
                "population register: %s; trying again in %.0f s", unavailable.reason, unavailable.retry_after
            )
            await asyncio.sleep(unavailable.retry_after)
            continue
        except PopulationRegisterRefused as refused:
            # Our own message, no traceback: what matters is that an operator looks at the access.
            logger.error("population register: %s; the registry's access must be checked", refused)  # noqa: TRY400
        except (asyncpg.PostgresError, OSError) as error:  # OSError: also the pool's "database unavailable"
            logger.warning("population register job: database error %s; trying again", type(error).__name__)
        except Exception as error:  # noqa: BLE001 - the job must outlive one bad round; the round was rolled back
            # The type only: the text of an unexpected error may quote a value (a national ID, an address).
            logger.error("population register job: unexpected %s; trying again", type(error).__name__)  # noqa: TRY400
        else:
            if round_.events:
                logger.info(
                    "population register: %d events up to %d, %d patrons updated, %d death notices",
                    round_.events, round_.position, round_.applied.updated if round_.applied else 0,
                    round_.applied.death_notices if round_.applied else 0,
                )  # fmt: skip
            if round_.more:
                continue
        await asyncio.sleep(settings.poll_interval_seconds)
