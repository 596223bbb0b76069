"""Request and response models of the registry's node API (``/v1``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """Unknown fields are refused: the registry stores only what the law lists."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WhoAmI(WireModel):
    library_id: str
    certificate_serial: str


class Health(WireModel):
    status: str
    database: str
