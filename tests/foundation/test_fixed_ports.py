"""The suite runs as if `natreg demo` were running beside it: the demo's fixed ports are taken all session."""

from __future__ import annotations

import errno
import socket

import pytest

from natreg.cli import build_parser
from natreg.demo import DEMO_LIBRARIES, DEMO_SIP2_PORT
from tests.fixed_ports import LOOPBACK, documented_fixed_ports


def test_the_ports_held_are_the_ones_the_demo_listens_on() -> None:
    demo = build_parser().parse_args(["demo"])
    libraries = {
        first + offset for first in (demo.first_library_port, DEMO_SIP2_PORT) for offset in range(len(DEMO_LIBRARIES))
    }
    registry = {demo.registry_port, demo.health_port, demo.public_port, demo.admin_port}
    assert {*registry, *libraries, demo.population_port} == set(documented_fixed_ports())


@pytest.mark.parametrize("port", documented_fixed_ports())
def test_no_test_can_bind_a_port_the_demo_holds(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe, pytest.raises(OSError, match="in use") as refused:
        probe.bind((LOOPBACK, port))
    assert refused.value.errno == errno.EADDRINUSE
