"""The daily run: reminders, blocks, claims, pre-due notices and pickup expiry, and never anything twice."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import asyncpg

from local_library.circulation.fees import fees_of_patron
from local_library.circulation.lending import check_out
from local_library.circulation.reservations import reserve
from local_library.clock import FixedClock
from local_library.daily import run_daily
from local_library.notices.models import OutgoingNotice
from local_library.notices.outbox import deliver_pending_notices
from local_library.notices.senders import LogFileNoticeSender
from local_library.patrons.queries import patron_by_id
from local_library.policy import LibraryPolicy
from registry_contract.pins import PinHasher
from tests.library.conftest import add_item, add_patron
from tests.library.test_circulation import card


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[OutgoingNotice] = []

    async def send(self, notice: OutgoingNotice) -> None:
        self.sent.append(notice)


class CrashingSender:
    """Delivers, then fails before the outbox learns of it: the crash between send and mark."""

    def __init__(self, inner: RecordingSender) -> None:
        self.inner = inner

    async def send(self, notice: OutgoingNotice) -> None:
        await self.inner.send(notice)
        raise ConnectionResetError("gateway went away")


async def test_sandnes_reminders_block_and_claim_over_the_days_with_nothing_sent_twice(
    pool: asyncpg.Pool, sandnes_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    async with pool.acquire() as conn:
        patron = await add_patron(conn, sandnes_policy, clock, hasher)
        book = await add_item(conn, "book", purchase_price_ore=29900)
        await check_out(conn, sandnes_policy, clock, card(patron), book.barcode)
    sender = RecordingSender()

    blocked_on = claimed_on = None
    for _ in range(28 + 21 + 2):
        clock.advance(days=1)
        first = await run_daily(pool, sandnes_policy, clock, sender)
        again = await run_daily(pool, sandnes_policy, clock, sender)
        assert (again.reminders, again.claims, again.notices_sent, again.cards_blocked) == (0, 0, 0, 0)
        if first.cards_blocked:
            blocked_on = clock.today()
        if first.claims:
            claimed_on = clock.today()

    due = clock.today() - timedelta(days=28 + 21 + 2 - 28)
    assert blocked_on == due + timedelta(days=21)
    assert claimed_on == due + timedelta(days=22)
    kinds = [notice.kind for notice in sender.sent]
    assert kinds == ["receipt", "reminder", "reminder", "reminder", "claim"]
    assert len({notice.dedupe_key for notice in sender.sent}) == len(sender.sent)
    claim_notice = sender.sent[-1].content
    assert (claim_notice["basis"], claim_notice["replacement_ore"], claim_notice["fees_ore"]) == (
        "purchase_price",
        29900,
        15000,
    )
    assert claim_notice["total_ore"] == 29900 + 15000
    async with pool.acquire() as conn:
        assert (await patron_by_id(conn, patron.patron_id)).blocked
        assert sum(fee.amount_ore for fee in await fees_of_patron(conn, patron.patron_id)) == 29900 + 15000


async def test_asker_sends_the_pre_due_notice_3_days_before_to_those_who_asked(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    async with pool.acquire() as conn:
        asked = await add_patron(conn, asker_policy, clock, hasher, pre_due_notice=True)
        did_not = await add_patron(conn, asker_policy, clock, hasher)
        for patron in (asked, did_not):
            await check_out(conn, asker_policy, clock, card(patron), (await add_item(conn, "book")).barcode)
    sender = RecordingSender()
    clock.advance(days=24)
    assert (await run_daily(pool, asker_policy, clock, sender)).pre_due_notices == 0
    clock.advance(days=1)
    assert (await run_daily(pool, asker_policy, clock, sender)).pre_due_notices == 1
    assert (await run_daily(pool, asker_policy, clock, sender)).pre_due_notices == 0
    pre_due = [notice for notice in sender.sent if notice.kind == "pre_due"]
    assert [(notice.patron_id, notice.channel) for notice in pre_due] == [(asked.patron_id, "email")]
    assert pre_due[0].recipient.email == asked.email


async def test_the_daily_run_expires_pickups_and_passes_the_item_on(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    async with pool.acquire() as conn:
        first = await add_patron(conn, asker_policy, clock, hasher)
        second = await add_patron(conn, asker_policy, clock, hasher)
        film = await add_item(conn, "film")
        await reserve(conn, asker_policy, clock, card(first), film.barcode)
        await reserve(conn, asker_policy, clock, card(second), film.barcode)
    sender = RecordingSender()
    clock.advance(days=6)
    report = await run_daily(pool, asker_policy, clock, sender)
    assert report.expired_pickups == 1
    pickups = [notice for notice in sender.sent if notice.kind == "pickup"]
    assert [notice.patron_id for notice in pickups] == [first.patron_id, second.patron_id]
    assert all(notice.content["reference_number"] for notice in pickups)


async def test_a_crash_between_send_and_mark_resends_rather_than_loses(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher
) -> None:
    async with pool.acquire() as conn:
        patron = await add_patron(conn, asker_policy, clock, hasher)
        await check_out(conn, asker_policy, clock, card(patron), (await add_item(conn, "book")).barcode)
    recorder = RecordingSender()
    failed = await deliver_pending_notices(pool, CrashingSender(recorder), clock)
    assert (failed.sent, failed.failed) == (0, 1)
    delivered = await deliver_pending_notices(pool, recorder, clock)
    assert (delivered.sent, delivered.failed) == (1, 0)
    assert [notice.dedupe_key for notice in recorder.sent] == ["receipt:1", "receipt:1"]
    assert (await deliver_pending_notices(pool, recorder, clock)).sent == 0


async def test_the_default_sender_appends_json_lines(
    pool: asyncpg.Pool, asker_policy: LibraryPolicy, clock: FixedClock, hasher: PinHasher, tmp_path: Path
) -> None:
    async with pool.acquire() as conn:
        patron = await add_patron(conn, asker_policy, clock, hasher)
        await check_out(conn, asker_policy, clock, card(patron), (await add_item(conn, "film")).barcode)
    log = tmp_path / "notices" / "asker.jsonl"
    await run_daily(pool, asker_policy, clock, LogFileNoticeSender(log))
    await run_daily(pool, asker_policy, clock, LogFileNoticeSender(log))
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(line["kind"], line["channel"], line["recipient"]["email"]) for line in lines] == [
        ("receipt", "email", patron.email)
    ]
    assert lines[0]["content"]["due_on"] == (clock.today() + timedelta(days=7)).isoformat()
    assert log.stat().st_mode & 0o777 == 0o600
