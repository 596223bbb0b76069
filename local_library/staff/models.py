"""Staff accounts and the login exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from local_library.request_model import RequestModel

StaffRole = Literal["desk", "admin"]

Username = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]{1,63}$")]
MIN_PASSWORD_LENGTH = 12


class NewStaffAccount(RequestModel):
    username: Username
    password: str = Field(repr=False, min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: StaffRole


class LoginRequest(RequestModel):
    username: str = Field(max_length=64)
    password: str = Field(repr=False, max_length=256)


@dataclass(frozen=True)
class StaffMember:
    username: str
    role: StaffRole

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    username: str
    role: StaffRole
