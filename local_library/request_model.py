"""The base of every request body the node accepts: unknown fields are refused, not silently dropped."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    # A misspelt optional field ("pre_due_notise") would otherwise vanish and the patron get no notice.
    model_config = ConfigDict(extra="forbid")
