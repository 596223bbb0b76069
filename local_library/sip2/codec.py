"""SIP2 framing and fields: messages end in CR, fields are ``|``-separated two-letter codes.

Error detection (``AY`` sequence number, ``AZ`` checksum) works on the *encoded* bytes, because the terminal
computes it over what it sent (cp850 or UTF-8), not over characters: a checksum over characters would fail
for every æøå in UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

TERMINATOR = b"\r"
RESEND_REQUEST = b"97AZFEF5"
"""The ACS asks the terminal to resend (our answer to a frame whose checksum is wrong)."""
RESEND_ANSWER = b"96AZFEF6"

# Fixed-field lengths after the two-character command, per request the server accepts.
FIXED_LENGTHS: dict[str, int] = {
    "93": 2,  # UID algorithm, PWD algorithm
    "99": 1 + 3 + 4,  # status code, max print width, protocol version
    "23": 3 + 18,  # language, transaction date
    "63": 3 + 18 + 10,  # language, transaction date, summary
    "11": 1 + 1 + 18 + 18,  # SC renewal policy, no block, transaction date, nb due date
    "09": 1 + 18 + 18,  # no block, transaction date, return date
    "29": 1 + 1 + 18 + 18,  # third party allowed, no block, transaction date, nb due date
    "35": 18,  # transaction date
    "17": 18,  # transaction date
    "97": 0,
    "96": 0,
}


class FrameError(ValueError):
    """A frame that cannot be read: unknown command or too short."""


def checksum(data: bytes) -> str:
    """The four upper-case hex digits that make the byte sum (including them) zero modulo 2**16."""
    return f"{-sum(data) & 0xFFFF:04X}"


def checksum_ok(frame: bytes) -> bool:
    """``frame`` ends in ``AZxxxx``; the checksum covers everything up to and including ``AZ``."""
    if len(frame) < 6 or frame[-6:-4] != b"AZ":
        return False
    try:
        value = int(frame[-4:].decode("ascii"), 16)
    except ValueError:
        return False
    return (value + sum(frame[:-4])) & 0xFFFF == 0


def has_error_detection(frame: bytes) -> bool:
    """A frame with ``AY<n>AZxxxx`` at its end (or the bare resend request) uses error detection."""
    return frame == RESEND_REQUEST or (len(frame) > 11 and frame[-9:-7] == b"AY" and frame[-6:-4] == b"AZ")


def clean_frame(raw: bytes) -> bytes:
    """Strip what real terminals put around a message: a CRLF's LF, leading junk (NUL, LF, spaces) and
    trailing stray delimiters or whitespace."""
    start = 0
    while start < len(raw) and not chr(raw[start]).isalnum():
        start += 1
    return raw[start:].rstrip(b"\r\n\x00 ")


@dataclass
class Message:
    """One decoded message: command, fixed-field text, and the variable fields in order."""

    command: str
    fixed: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    sequence: str | None = None

    def get(self, code: str, default: str | None = None) -> str | None:
        for name, value in self.fields:
            if name == code:
                return value
        return default


def decode(frame: bytes, encoding: str) -> Message:
    """Decode one cleaned frame (without its terminator); ``AY``/``AZ`` are taken off the fields."""
    text = frame.decode(encoding, errors="replace")
    if len(text) < 2 or text[:2] not in FIXED_LENGTHS:
        raise FrameError("unknown or missing command")
    command = text[:2]
    length = FIXED_LENGTHS[command]
    if len(text) < 2 + length:
        raise FrameError("message shorter than its fixed fields")
    fixed, rest = text[2 : 2 + length], text[2 + length :]
    sequence = None
    if has_error_detection(frame) and command != "97":
        # The trailer is 'AY' + one digit + 'AZ' + four hex digits; it may follow a '|' or the fixed fields.
        sequence = rest[-7]
        rest = rest[:-9]
    fields = [(part[:2], part[2:]) for part in rest.split("|") if len(part) >= 2]
    return Message(command=command, fixed=fixed, fields=fields, sequence=sequence)


def field_text(value: str) -> str:
    """A field value that cannot break the frame: CR and the delimiter do not get through."""
    return value.replace("\r", " ").replace("\n", " ").replace("|", "/")


def encode(message: Message, encoding: str, *, error_detection: bool) -> bytes:
    """The frame bytes without terminator; with error detection ``AY`` and ``AZ`` are appended and the
    checksum computed over the encoded bytes. Characters the terminal's code page lacks become ``?``."""
    text = message.command + message.fixed
    text += "".join(f"{code}{field_text(value)}|" for code, value in message.fields)
    data = text.encode(encoding, errors="replace")
    if error_detection:
        data += b"AY" + (message.sequence or "0").encode("ascii") + b"AZ"
        data += checksum(data).encode("ascii")
    return data


def sip_datetime(moment: datetime) -> str:
    """The 18-character SIP2 timestamp: ``YYYYMMDD`` four blanks (local time, no zone) and ``HHMMSS``."""
    return moment.strftime("%Y%m%d    %H%M%S")


def sip_date(day: date) -> str:
    """A due date as SIP2 timestamp at the end of the day."""
    return day.strftime("%Y%m%d") + "    235900"


def flag(value: bool) -> str:
    return "Y" if value else "N"
