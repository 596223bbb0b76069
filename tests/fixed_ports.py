"""The fixed ports a running system holds on a developer's machine, held by the test session itself.

`natreg demo` (and `natreg registry serve` / `natreg library serve` with default settings) listen on fixed,
documented ports. Everything under test must bind port 0 instead, so the suite passes beside a running demo.
The session holds those ports for its whole run, so a test that binds one fails at once, on every machine,
whether or not a demo happens to be running there.
"""

from __future__ import annotations

import contextlib
import errno
import socket
from collections.abc import Iterator

from local_library.settings import LibrarySettings
from natreg.demo import DEMO_LIBRARIES, DEMO_POPULATION_PORT
from registry.settings import RegistrySettings

LOOPBACK = "127.0.0.1"


def documented_fixed_ports() -> list[int]:
    """The registry's four listeners, the demo libraries' HTTPS and SIP2 ports (from the settings' defaults) and
    the demo's stand-in population register."""
    listeners = ("port", "health_port", "public_port", "admin_port")
    registry = [RegistrySettings.model_fields[name].default for name in listeners]
    first_library: int = LibrarySettings.model_fields["port"].default
    first_sip2: int = LibrarySettings.model_fields["sip2_port"].default
    libraries = [first + offset for first in (first_library, first_sip2) for offset in range(len(DEMO_LIBRARIES))]
    return sorted({*registry, *libraries, DEMO_POPULATION_PORT})


@contextlib.contextmanager
def holding(ports: list[int]) -> Iterator[list[int]]:
    """Listen on each port (never accepting) until the block ends; yields the ports this process holds.

    A port something else already listens on (a running demo) is left to it: it is taken either way.
    """
    with contextlib.ExitStack() as stack:
        held = []
        for port in ports:
            listener = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            try:
                listener.bind((LOOPBACK, port))
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                continue
            listener.listen(1)
            held.append(port)
        yield held
