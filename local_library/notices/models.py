"""What a notice is, as stored in the outbox and as handed to a sender."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from local_library.policy import Channel

NoticeKind = Literal["pre_due", "reminder", "pickup", "claim", "receipt"]


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str | None
    phone: str | None
    postal_address: str | None


@dataclass(frozen=True)
class OutgoingNotice:
    """One notice to deliver. ``dedupe_key`` is stable across retries: a sender (or the service behind it)
    that sees the same key twice is looking at a redelivery after a crash, not a second notice."""

    notice_id: int
    dedupe_key: str
    patron_id: UUID
    kind: NoticeKind
    channel: Channel
    recipient: Recipient
    content: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
