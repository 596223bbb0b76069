"""What the registry and the nodes agree on for the federation: the library directory.

The registry serves each library's federation profile (where its node answers other nodes, whether it takes
interlibrary requests, its pickup rules) together with its certificate identity, so a node can check that a
node calling it is a current library (``local_library.federation``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from registry_contract.field_types import LibraryId
from registry_contract.models import WireModel

NoticeChannel = Literal["sms", "email"]
# Nodes talk to each other over mutual TLS only: an https URL with no query or fragment.
NodeUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s/?#]+(/[^\s?#]*)?$", max_length=200)]


class PickupRules(WireModel):
    """How a library hands out items other libraries sent for its patrons."""

    accepts_pickups: bool = Field(default=True, description="patrons may choose this library as pickup place")
    hold_shelf_days: int = Field(default=7, ge=1, le=30, description="days an arrived item waits for the patron")
    notice_channels: tuple[NoticeChannel, ...] = Field(
        default=("sms", "email"), description="how the pickup notice may be sent"
    )


class FederationProfile(WireModel):
    """A library's federation settings, kept by the registry."""

    node_url: NodeUrl = Field(description="the base URL of the library node's peer listener (mutual TLS)")
    offers_interlibrary_requests: bool = False
    pickup_rules: PickupRules = Field(default_factory=PickupRules)


class DirectoryEntry(WireModel):
    """One library in the directory: identity, display names and federation profile (None until one is set)."""

    library_id: LibraryId
    display_name: str = Field(description="the name people read, in Norwegian bokmål")
    display_name_en: str = Field(description="the name in English")
    active: bool = Field(description="false once the library is revoked: refuse its calls")
    certificate_serials: list[str] = Field(
        description="serial numbers (decimal) of the library's client certificates still accepted"
    )
    profile: FederationProfile | None = None


class LibraryDirectoryListing(WireModel):
    """Every library the registry knows, by id."""

    libraries: list[DirectoryEntry]
