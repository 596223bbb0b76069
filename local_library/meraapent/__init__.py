"""Unstaffed opening hours (meråpent): the door check, its entry log, access agreements and door accounts.

The door check (``access.check_door_access``) is one domain function for both ways a door panel asks: the
HTTPS endpoint here (``views.py``) and the SIP2 server's patron status request from a door's terminal account.
"""

from .access import DoorChecks, DoorDecision, check_door_access
from .schedule import period_at

__all__ = ["DoorChecks", "DoorDecision", "check_door_access", "period_at"]
