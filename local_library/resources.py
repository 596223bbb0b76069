"""What a node builds from its settings at start-up: lending policy, clock, PIN hasher and notice sender.

Shared by the application factory and by the command-line daily run, so both see the same policy file and
the same PIN pepper.
"""

from __future__ import annotations

from local_library.clock import SystemClock
from local_library.notices.senders import LogFileNoticeSender
from local_library.patrons.pins import load_or_create_pin_pepper
from local_library.policy import LibraryPolicy, PolicyError, load_builtin_policy, load_policy
from local_library.settings import LibrarySettings
from registry_contract.pins import PinHasher


def load_library_policy(settings: LibrarySettings) -> LibraryPolicy:
    """The policy file named by the settings, or the built-in one for this library; ``PolicyError`` if invalid.

    A policy written for another library is refused: its loan periods and fees are not this library's rules.
    """
    if settings.policy_path is None:
        return load_builtin_policy(settings.library_id)
    policy = load_policy(settings.policy_path)
    if policy.library_id != settings.library_id:
        raise PolicyError(
            str(settings.policy_path), [f"library_id: is {policy.library_id!r}, this node is {settings.library_id!r}"]
        )
    return policy


def system_clock(settings: LibrarySettings) -> SystemClock:
    return SystemClock(settings.timezone)


def pin_hasher(settings: LibrarySettings) -> PinHasher:
    return PinHasher(load_or_create_pin_pepper(settings))


def notice_sender(settings: LibrarySettings) -> LogFileNoticeSender:
    return LogFileNoticeSender(settings.resolved_notice_log_path)
