"""The base of every request body the node accepts: unknown fields and control characters are refused."""

from __future__ import annotations

from pydantic import ConfigDict

from plumbing.text import PlainTextModel


class RequestModel(PlainTextModel):
    # A misspelt optional field ("pre_due_notise") would otherwise vanish and the patron get no notice.
    model_config = ConfigDict(extra="forbid")
