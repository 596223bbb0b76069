"""The node's SIP2 listener: self-service machines and door panels talk to it over TCP (optionally TLS).

One connection is one terminal: it logs in first (93) with its own account, from an allowed network, and
every later message is answered in that account's encoding and line end. Circulation goes through the same
domain functions as the staff API's kiosk checkout and the desk (``log_in_patron`` then
``circulation.lending``): one domain path, two doors.

Fail closed on the PIN: every patron request (23, 63, 11, 29, 35) needs the card's PIN in ``AD``. Without a
right one the answer is the same whether or not the card exists (``BL N``, ``CQ N``, every deny flag set,
no name and no other personal data), so the machine cannot be used to test card numbers or to borrow on a
made-up barcode. National cards are checked at the registry (its lockout), local ones here (the same policy).
Card numbers and PINs are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from local_library.catalogue.queries import find_item_by_barcode
from local_library.circulation.account import PatronAccount, patron_account
from local_library.circulation.lending import check_out_to, renew, return_item
from local_library.circulation.queries import lock_open_loan, open_reservations_of_item
from local_library.patrons.models import Patron
from local_library.policy import LibraryPolicy
from local_library.registry_link.login import PatronLogins, log_in_patron
from local_library.staff.passwords import StaffPasswordHasher
from plumbing.errors import DomainError

from .codec import (
    RESEND_ANSWER,
    FrameError,
    Message,
    checksum_ok,
    clean_frame,
    decode,
    encode,
    flag,
    has_error_detection,
    sip_date,
    sip_datetime,
)
from .terminals import Terminal, terminal_by_name

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
IDLE_SECONDS = 600.0
"""Machines send SC status (99) every few minutes; a connection silent for ten minutes is gone."""
LOGIN_SECONDS = 60.0
DENIED = "YYYY" + " " * 10
"""Patron status with charge, renew, recall and hold privileges all denied."""
SUPPORTED = "YYYNYYYYYNYNNNYN"
"""BX: patron status, checkout, checkin, (block), ACS status, resend, login, patron info, end session, (fee
paid), item info, (status update, enable, hold), renew, (renew all)."""

REFUSED_TEXT = "Kortet eller PIN-koden ble ikke godtatt. Spør i skranken."
"""One text for unknown card, wrong PIN and locked card: the machine must not tell which."""
UNAVAILABLE_TEXT = "Kortet kan ikke sjekkes akkurat nå. Prøv igjen, eller spør i skranken."
DOOR_CLOSED_TEXT = "Døren kan ikke åpnes nå. Spør i skranken."

_REFUSAL_TEXTS = {
    "card_blocked": "Kortet er sperret for lån. Spør i skranken.",
    "loan_limit_reached": "Du har så mange lån som biblioteket tillater.",
    "item_on_loan": "Dette eksemplaret er allerede utlånt.",
    "held_for_another": "Dette eksemplaret er reservert for en annen låner.",
    "item_not_found": "Ukjent eksemplar. Spør i skranken.",
    "item_not_on_loan": "Dette eksemplaret er ikke utlånt.",
    "loan_not_found": "Du har ikke lånt dette eksemplaret.",
    "not_renewable": "Dette kan ikke fornyes.",
    "renewal_limit_reached": "Lånet er fornyet så mange ganger som biblioteket tillater.",
    "renewal_changes_nothing": "Fornyelse i dag gir samme frist. Prøv nærmere fristen.",
    "reserved_by_another": "En annen låner har reservert dette.",
    "someone_waiting": "Noen venter på dette eksemplaret.",
    "loan_claimed": "Det er krevd erstatning for dette lånet. Spør i skranken.",
}


@dataclass(frozen=True)
class DoorAnswer:
    """What the door check decides (unstaffed hours, ``local_library.meraapent``), and what the panel shows."""

    admit: bool
    message: str


DoorCheck = Callable[[str, str, str], Awaitable[DoorAnswer]]
"""Called with the card number, the PIN and the door terminal's account name; it checks the card and PIN
itself (and logs the entry), so a door never gets a loan status."""


@dataclass
class Sip2Service:
    """What the listener works with; built once when the node starts (``app.py``)."""

    logins: PatronLogins
    policy: LibraryPolicy
    terminal_hasher: StaffPasswordHasher
    library_name: str
    door_check: DoorCheck | None = None
    """The unstaffed-hours access check for terminals marked ``door``; until it is wired, doors stay shut."""


@dataclass
class _Session:
    address: str
    terminal: Terminal | None = None
    last_answer: bytes | None = None

    @property
    def encoding(self) -> str:
        return "cp850" if self.terminal is None else self.terminal.encoding

    @property
    def terminator(self) -> bytes:
        return b"\r\n" if self.terminal is not None and self.terminal.crlf else b"\r"


@dataclass
class _PatronCheck:
    patron: Patron | None
    text: str


class Sip2Server:
    """An asyncio TCP server speaking SIP2 2.00 for the node."""

    def __init__(self, service: Sip2Service) -> None:
        self._service = service
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port: int | None = None

    @property
    def service(self) -> Sip2Service:
        """What the listener works with (tests put a door check on a fixed clock here)."""
        return self._service

    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None = None) -> int:
        self._server = await asyncio.start_server(self._serve, host, port, ssl=ssl_context, limit=MAX_FRAME_BYTES)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        peer = writer.get_extra_info("peername")
        session = _Session(address=str(peer[0]) if peer else "")
        try:
            while True:
                timeout = IDLE_SECONDS if session.terminal is not None else LOGIN_SECONDS
                try:
                    raw = await asyncio.wait_for(reader.readuntil(b"\r"), timeout)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
                    return
                frame = clean_frame(raw)
                if not frame:
                    continue
                answer, close = await self._answer(session, frame)
                if answer is not None:
                    writer.write(answer + session.terminator)
                    await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception as error:  # noqa: BLE001 - one machine's failure must not reach the listener
            # Only the type: a message could quote a card number. The machine sees the connection drop.
            log.error("sip2: unexpected %s; closing the connection", type(error).__name__)  # noqa: TRY400
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, session: _Session, frame: bytes) -> tuple[bytes | None, bool]:
        """The bytes to send (without terminator) and whether to close the connection afterwards."""
        detection = has_error_detection(frame)
        if detection and not checksum_ok(frame):
            return RESEND_ANSWER, False
        if frame.startswith(b"97"):
            return session.last_answer or RESEND_ANSWER, False
        try:
            message = decode(frame, session.encoding)
        except FrameError:
            # Not a message we can read: ask for it again rather than guess.
            return RESEND_ANSWER, False
        if session.terminal is None and message.command != "93":
            log.info("sip2: %s before login from %s; closing", message.command, session.address)
            return b"940", True
        answer, close = await self._handle(session, message)
        answer.sequence = message.sequence
        data = encode(answer, session.encoding, error_detection=detection)
        session.last_answer = data
        return data, close

    async def _handle(self, session: _Session, message: Message) -> tuple[Message, bool]:
        command = message.command
        if command == "93":
            return await self._login(session, message)
        terminal = session.terminal
        assert terminal is not None
        log.info("sip2: %s from terminal %s", command, terminal.name)
        handler = {
            "99": self._sc_status,
            "23": self._patron_status,
            "63": self._patron_information,
            "11": self._checkout,
            "09": self._checkin,
            "29": self._renew,
            "35": self._end_session,
            "17": self._item_information,
        }.get(command)
        if handler is None:
            return Message("96"), False
        return await handler(terminal, message), False

    # -- login and status -------------------------------------------------------------------------------

    async def _login(self, session: _Session, message: Message) -> tuple[Message, bool]:
        """Any failed login closes the connection, whatever the reason (unknown name, wrong password, a
        network outside the account's list), so the answer tells nothing about which it was."""
        name, password = message.get("CN") or "", message.get("CO") or ""
        async with self._service.logins.pool.acquire() as conn:
            terminal = await terminal_by_name(conn, name)
        hasher = self._service.terminal_hasher
        right = await hasher.verify_password(password, None if terminal is None else terminal.password_hash)
        if terminal is None or not right or message.fixed != "00" or not terminal.allows(session.address):
            log.warning("sip2: failed terminal login from %s", session.address)
            return Message("94", "0"), True
        if session.terminal is not None and session.terminal.name != terminal.name:
            return Message("94", "0"), True
        session.terminal = terminal
        log.info("sip2: terminal %s logged in from %s", terminal.name, session.address)
        return Message("94", "1"), False

    def _now(self) -> str:
        return sip_datetime(self._service.logins.clock.now())

    async def _sc_status(self, terminal: Terminal, message: Message) -> Message:
        fixed = "YYYYNN" + "030" + "003" + self._now() + "2.00"
        fields = [
            ("AO", terminal.institution_id),
            ("AM", self._service.library_name),
            ("BX", SUPPORTED),
            ("AN", terminal.name),
        ]
        return Message("98", fixed, fields)

    # -- patrons -------------------------------------------------------------------------------------------

    async def _check_patron(self, message: Message) -> _PatronCheck:
        """The patron if the card's PIN is right; never tells an unknown card from a wrong PIN or a lock."""
        card, pin = (message.get("AA") or "").strip(), message.get("AD") or ""
        if not card or not pin:
            return _PatronCheck(None, REFUSED_TEXT)
        try:
            patron = await log_in_patron(self._service.logins, card, pin, door="library")
        except DomainError as error:
            if error.code == "registry_unavailable":
                return _PatronCheck(None, UNAVAILABLE_TEXT)
            return _PatronCheck(None, REFUSED_TEXT)
        return _PatronCheck(patron, "")

    @staticmethod
    def _status_flags(patron: Patron, account: PatronAccount | None, today_overdue: int) -> str:
        if patron.blocked:
            flags = list(DENIED)
            if patron.blocked_reason == "reminders":
                flags[6] = "Y"  # too many items overdue
            return "".join(flags)
        flags = list(" " * 14)
        if today_overdue:
            flags[6] = "Y"
        return "".join(flags)

    def _patron_fields(
        self, terminal: Terminal, card: str, patron: Patron, account: PatronAccount
    ) -> list[tuple[str, str]]:
        """Who the patron is to a machine, after a right PIN: valid card and PIN, name, fees in kroner."""
        return [
            ("AO", terminal.institution_id), ("AA", card), ("AE", patron.name), ("BL", "Y"), ("CQ", "Y"),
            ("BH", "NOK"), ("BV", _kroner(self._fees_ore(account))),
        ]  # fmt: skip

    async def _account(self, patron: Patron) -> PatronAccount:
        async with self._service.logins.pool.acquire() as conn:
            return await patron_account(conn, patron.patron_id)

    def _overdue(self, account: PatronAccount) -> list[str]:
        today = self._service.logins.clock.today()
        return [loan.barcode for loan in account.loans if loan.due_on < today]

    @staticmethod
    def _fees_ore(account: PatronAccount) -> int:
        return sum(fee.amount_ore for fee in account.fees if fee.status == "open")

    async def _patron_status(self, terminal: Terminal, message: Message) -> Message:
        language = message.fixed[:3]
        if terminal.door:
            return await self._door_status(terminal, message, language)
        check = await self._check_patron(message)
        card = message.get("AA") or ""
        patron = check.patron
        if patron is None:
            return Message("24", DENIED + language + self._now(), _refused_fields(terminal, card, check.text))
        account = await self._account(patron)
        flags = self._status_flags(patron, account, len(self._overdue(account)))
        screen = _REFUSAL_TEXTS["card_blocked"] if patron.blocked else ""
        fields = self._patron_fields(terminal, card, patron, account)
        if screen:
            fields.append(("AF", screen))
        return Message("24", flags + language + self._now(), fields)

    async def _door_status(self, terminal: Terminal, message: Message, language: str) -> Message:
        """A door panel's patron status: the unstaffed-hours decision, with no personal data either way."""
        card, pin = (message.get("AA") or "").strip(), message.get("AD") or ""
        door_check = self._service.door_check
        answer = (
            DoorAnswer(False, DOOR_CLOSED_TEXT)
            if door_check is None or not card or not pin
            else await door_check(card, pin, terminal.name)
        )
        admitted = "Y" if answer.admit else "N"
        fields = [("AO", terminal.institution_id), ("AA", card), ("AE", ""), ("BL", admitted), ("CQ", admitted)]
        fields.append(("AF", answer.message))
        return Message("24", (" " * 14 if answer.admit else DENIED) + language + self._now(), fields)

    async def _patron_information(self, terminal: Terminal, message: Message) -> Message:
        language, summary = message.fixed[:3], message.fixed[21:31]
        check = await self._check_patron(message)
        card = message.get("AA") or ""
        patron = check.patron
        if patron is None:
            counts = "0000" * 6
            return Message("64", DENIED + language + self._now() + counts, _refused_fields(terminal, card, check.text))
        account = await self._account(patron)
        overdue = self._overdue(account)
        ready = [r.barcode for r in account.reservations if r.status == "ready"]
        waiting = [r.title for r in account.reservations if r.status == "waiting"]
        charged = [loan.barcode for loan in account.loans]
        fines = [f"{fee.fee_id} {_kroner(fee.amount_ore)} NOK" for fee in account.fees if fee.status == "open"]
        counts = "".join(
            f"{min(n, 9999):04d}" for n in (len(ready), len(overdue), len(charged), len(fines), 0, len(waiting))
        )
        fields = self._patron_fields(terminal, card, patron, account)
        # The summary asks for one list (the first 'Y'); BP and BQ window it, 1-based and inclusive.
        lists = [("AS", ready), ("AT", overdue), ("AU", charged), ("AV", fines), ("BU", []), ("CD", waiting)]
        chosen = summary.find("Y")
        if 0 <= chosen < len(lists):
            code, values = lists[chosen]
            start = _position(message.get("BP"), 1)
            end = _position(message.get("BQ"), len(values))
            fields.extend((code, value) for value in values[start - 1 : end])
        personal = [("BD", patron.postal_address), ("BE", patron.email), ("BF", patron.phone)]
        personal.append(("PB", None if patron.birth_date is None else patron.birth_date.strftime("%Y%m%d")))
        fields.extend((code, value) for code, value in personal if value and code not in terminal.hidden_fields)
        if patron.blocked:
            fields.append(("AF", _REFUSAL_TEXTS["card_blocked"]))
        flags = self._status_flags(patron, account, len(overdue))
        return Message("64", flags + language + self._now() + counts, fields)

    async def _end_session(self, terminal: Terminal, message: Message) -> Message:
        # Nothing is held per patron between messages, so ending a session only confirms it.
        fields = [("AO", terminal.institution_id), ("AA", message.get("AA") or "")]
        return Message("36", "Y" + self._now(), fields)

    # -- items ---------------------------------------------------------------------------------------------

    async def _checkout(self, terminal: Terminal, message: Message) -> Message:
        card, barcode = message.get("AA") or "", (message.get("AB") or "").strip()
        check = await self._check_patron(message)
        base = [("AO", terminal.institution_id), ("AA", card), ("AB", barcode)]
        if check.patron is None:
            return Message(
                "12",
                "0NUN" + self._now(),
                [*base, ("AJ", ""), ("AH", ""), ("AF", check.text), ("BL", "N"), ("CQ", "N")],
            )
        service = self._service
        try:
            async with service.logins.pool.acquire() as conn, conn.transaction():
                loan = await check_out_to(conn, service.policy, service.logins.clock, check.patron, barcode)
        except DomainError as error:
            text = _REFUSAL_TEXTS.get(error.code, "Utlånet gikk ikke. Spør i skranken.")
            return Message(
                "12", "0NUN" + self._now(), [*base, ("AJ", ""), ("AH", ""), ("AF", text), ("BL", "Y"), ("CQ", "Y")]
            )
        renewable = loan.material in service.policy.materials and service.policy.material(loan.material).renewable
        fields = [*base, ("AJ", loan.title), ("AH", sip_date(loan.due_on)), ("AF", f"Lånt til {loan.due_on:%d.%m.%Y}")]
        return Message("12", "1" + flag(renewable) + "UY" + self._now(), fields)

    async def _checkin(self, terminal: Terminal, message: Message) -> Message:
        barcode = (message.get("AB") or "").strip()
        service = self._service
        base = [("AO", terminal.institution_id), ("AB", barcode), ("AQ", terminal.institution_id)]
        try:
            async with service.logins.pool.acquire() as conn, conn.transaction():
                result = await return_item(conn, service.policy, service.logins.clock, barcode)
        except DomainError as error:
            text = _REFUSAL_TEXTS.get(error.code, "Innleveringen gikk ikke. Spør i skranken.")
            return Message("10", "0NUN" + self._now(), [*base, ("AJ", ""), ("AF", text)])
        held = result.held_for is not None
        fields = [*base, ("AJ", result.loan.title)]
        if held:
            # The machine sorts it to the hold shelf; who it is for stays with staff.
            fields += [("CV", "01"), ("AF", "Reservert: legges på hentehylla.")]
        else:
            fields.append(("AF", "Levert. Takk!"))
        return Message("10", "1" + flag(not held) + "U" + flag(held) + self._now(), fields)

    async def _renew(self, terminal: Terminal, message: Message) -> Message:
        card, barcode = message.get("AA") or "", (message.get("AB") or "").strip()
        check = await self._check_patron(message)
        base = [("AO", terminal.institution_id), ("AA", card), ("AB", barcode)]
        if check.patron is None:
            return Message("30", "0NUN" + self._now(), [*base, ("AJ", ""), ("AH", ""), ("AF", check.text)])
        service, patron = self._service, check.patron
        try:
            async with service.logins.pool.acquire() as conn, conn.transaction():
                item = await find_item_by_barcode(conn, barcode)
                loan = None if item is None else await lock_open_loan(conn, item.item_id)
                # No open loan is "no such loan" (id -1 exists nowhere); renew() itself refuses another's loan.
                loan_id = -1 if loan is None else loan.loan_id
                loan = await renew(conn, service.policy, service.logins.clock, loan_id, patron_id=patron.patron_id)
        except DomainError as error:
            text = _REFUSAL_TEXTS.get(error.code, "Fornyelsen gikk ikke. Spør i skranken.")
            return Message("30", "0NUN" + self._now(), [*base, ("AJ", ""), ("AH", ""), ("AF", text)])
        fields = [
            *base,
            ("AJ", loan.title),
            ("AH", sip_date(loan.due_on)),
            ("AF", f"Fornyet til {loan.due_on:%d.%m.%Y}"),
        ]
        return Message("30", "1YUN" + self._now(), fields)

    async def _item_information(self, terminal: Terminal, message: Message) -> Message:
        barcode = (message.get("AB") or "").strip()
        async with self._service.logins.pool.acquire() as conn:
            item = await find_item_by_barcode(conn, barcode)
            loan = None if item is None else await lock_open_loan(conn, item.item_id)
            queue = [] if item is None else await open_reservations_of_item(conn, item.item_id)
        if item is None:
            return Message(
                "18", "010101" + self._now(), [("AB", barcode), ("AJ", ""), ("AF", _REFUSAL_TEXTS["item_not_found"])]
            )
        if loan is not None:
            status = "04"  # charged
        elif any(r.status == "ready" for r in queue):
            status = "08"  # waiting on hold shelf
        else:
            status = "03"  # available
        fields = [("AB", barcode), ("AJ", item.title), ("AQ", terminal.institution_id), ("CF", str(len(queue)))]
        if loan is not None:
            fields.append(("AH", sip_date(loan.due_on)))
        return Message("18", status + "00" + "01" + self._now(), fields)


def _refused_fields(terminal: Terminal, card: str, text: str) -> list[tuple[str, str]]:
    """The answer to a patron request without a right PIN: no name, no counts, nothing about the card."""
    return [("AO", terminal.institution_id), ("AA", card), ("AE", ""), ("BL", "N"), ("CQ", "N"), ("AF", text)]


def _position(value: str | None, default: int) -> int:
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


def _kroner(ore: int) -> str:
    return f"{ore // 100}.{ore % 100:02d}"
