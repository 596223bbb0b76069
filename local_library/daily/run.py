"""One day's circulation work, idempotent per day.

Every step works on one loan or one hold at a time in its own transaction, so a failure on one loan (an item
without a price to claim, say) is reported and skipped without undoing the others, and a run interrupted
halfway is finished by the next. Nothing is done twice: reminders are numbered per loan, and fees, claims
and notices each carry a unique key.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date

import asyncpg

from local_library.circulation.overdue import queue_pre_due_notice, raise_claim, send_due_reminders
from local_library.circulation.queries import open_loan_ids
from local_library.circulation.reservations import expire_pickups
from local_library.clock import Clock
from local_library.interlibrary.borrowing import remind_overdue
from local_library.interlibrary.service import anonymise_finished
from local_library.meraapent.entry_log import expire_entry_log
from local_library.migrations import MIGRATIONS_PACKAGE
from local_library.notices.outbox import deliver_pending_notices
from local_library.notices.senders import NoticeSender
from local_library.patrons.guardians import remove_outgrown_guardians
from local_library.policy import LibraryPolicy
from local_library.resources import load_library_policy, notice_sender, system_clock
from local_library.settings import LibrarySettings
from plumbing.db.pool import service_database
from plumbing.db.types import DbConnection
from plumbing.errors import DomainError

logger = logging.getLogger(__name__)


@dataclass
class DailyReport:
    run_date: date
    expired_pickups: int = 0
    pre_due_notices: int = 0
    reminders: int = 0
    cards_blocked: int = 0
    claims: int = 0
    door_entries_expired: int = 0
    guardians_removed: int = 0
    interlibrary_requests_anonymised: int = 0
    interlibrary_reminders: int = 0
    notices_sent: int = 0
    notices_failed: int = 0
    problems: list[str] = field(default_factory=list)
    """Loans the run could not finish, e.g. a claim for an item with no purchase price; staff act on these."""


async def run_daily(pool: asyncpg.Pool, policy: LibraryPolicy, clock: Clock, sender: NoticeSender) -> DailyReport:
    report = DailyReport(run_date=clock.today())
    async with pool.acquire() as conn:
        async with conn.transaction():
            report.expired_pickups = len(await expire_pickups(conn, policy, clock))
        async with conn.transaction():
            report.door_entries_expired = await expire_entry_log(conn, policy, clock)
        async with conn.transaction():
            report.guardians_removed = await remove_outgrown_guardians(conn, policy, clock)
            report.interlibrary_requests_anonymised = await anonymise_finished(conn, clock)
        async with conn.transaction():
            report.interlibrary_reminders = await remind_overdue(conn, policy, clock)
        for loan_id in await open_loan_ids(conn):
            await _loan_day(conn, policy, clock, loan_id, report)
        async with conn.transaction():
            await _record_run(conn, report, clock)
    delivery = await deliver_pending_notices(pool, sender, clock)
    report.notices_sent, report.notices_failed = delivery.sent, delivery.failed
    logger.info("daily run for %s: %s", report.run_date, json.dumps(asdict(report), default=str))
    return report


async def _loan_day(conn: DbConnection, policy: LibraryPolicy, clock: Clock, loan_id: int, report: DailyReport) -> None:
    try:
        async with conn.transaction():
            if await raise_claim(conn, policy, clock, loan_id) is not None:
                report.claims += 1
    except DomainError as error:
        report.problems.append(f"loan {loan_id}: {error.code}: {error.message}")
    async with conn.transaction():
        overdue = await send_due_reminders(conn, policy, clock, loan_id)
        report.reminders += overdue.reminders_sent_now
        report.cards_blocked += int(overdue.card_blocked_now)
    async with conn.transaction():
        report.pre_due_notices += int(await queue_pre_due_notice(conn, policy, clock, loan_id))


async def _record_run(conn: DbConnection, report: DailyReport, clock: Clock) -> None:
    await conn.execute(
        """
        INSERT INTO daily_runs (run_date, finished_at, report) VALUES ($1, $2, $3::jsonb)
        ON CONFLICT (run_date) DO UPDATE SET finished_at = excluded.finished_at, report = excluded.report
        """,
        report.run_date,
        clock.now(),
        json.dumps(asdict(report), default=str),
    )


async def run_daily_for_settings(settings: LibrarySettings) -> DailyReport:
    """Run today's work for the node described by ``settings`` (the command line's ``library run-daily``)."""
    policy = load_library_policy(settings)
    async with service_database(
        settings.database_url, settings.data_dir, settings.database_name, MIGRATIONS_PACKAGE, max_size=2
    ) as pool:
        return await run_daily(pool, policy, system_clock(settings), notice_sender(settings))
