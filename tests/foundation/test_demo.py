"""`natreg demo`, the main job, run as a user runs it: a subprocess, stopped with Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import traversable_temp_dir
from tests.fixed_ports import documented_fixed_ports

STARTUP_LIMIT_SECONDS = 30


def test_demo_starts_three_services_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    with traversable_temp_dir() as data_dir:
        _run_demo_and_stop_it(tmp_path / "keys", data_dir)


def _run_demo_and_stop_it(keys_dir: Path, data_dir: Path) -> None:
    # Port 0 for every listener: the test runs beside a demo on its documented ports (tests/fixed_ports.py).
    command = [
        sys.executable, "-m", "natreg.cli", "demo",
        "--keys-dir", str(keys_dir), "--data-dir", str(data_dir),
        "--registry-port", "0", "--health-port", "0", "--first-library-port", "0", "--public-port", "0",
        "--admin-port", "0", "--population-port", "0", "--eid-port", "0",
    ]  # fmt: skip
    environment = {**os.environ, "NATREG_LOG_LEVEL": "WARNING"}
    lines: list[str] = []
    with subprocess.Popen(  # noqa: S603 - our own interpreter running our own module
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment
    ) as demo:
        try:
            deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
            assert demo.stdout is not None
            while time.monotonic() < deadline:
                line = demo.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if "press Ctrl-C" in line:
                    break
            output = "".join(lines)
            assert "press Ctrl-C" in output, output
            assert "the registry knows the asker node as 'asker'" in output
            assert "staff login 'admin', password in" in output
            # The demo administrator's browser certificate, with the password that opens it.
            pkcs12 = re.search(r"import (\S+admin\.p12) in the browser, password (\S+)", output)
            assert pkcs12 is not None, output
            assert Path(pkcs12.group(1)).is_file()
            assert Path(pkcs12.group(1)).with_name("admin.p12-password").read_text().strip() == pkcs12.group(2)
            assert "/staff/ (log in as 'admin' with that password)" in output
            population = re.search(r"population register \(stand-in\) http://\S+?:(\d+)/", output)
            assert population is not None, output
            assert int(population.group(1)) not in documented_fixed_ports()
            assert "/minside/new-card and sign in as one of" in output  # the eID stand-in and its identities
            found = re.findall(
                r"(node API|health|insight page for patrons|administrators' desk|asker|sandnes|stavanger"
                r"|peer listener for other libraries' nodes)\s+\S+?:(\d+)",
                output,
            )
            expected = {
                "node API", "health", "insight page for patrons", "administrators' desk", "asker", "sandnes",
                "stavanger", "peer listener for other libraries' nodes",
            }  # fmt: skip
            assert {name for name, _ in found} == expected, output
            ports = [int(port) for _, port in found]
            # Four registry listeners, and each of the three libraries' HTTPS and peer listeners, each its own port.
            assert len(ports) == len(set(ports)) == 4 + 3 + 3, output
            assert not set(ports) & set(documented_fixed_ports())
            _log_in_at_each_sip2_listener(output)
            _library_service_login_starts(output, keys_dir)
            demo.send_signal(signal.SIGINT)
            rest, _ = demo.communicate(timeout=30)
            assert demo.returncode == 0, rest
            assert "stopping" in rest
        finally:
            # Popen's exit waits for the process, so a failed assertion must not leave the demo running.
            if demo.poll() is None:
                demo.kill()


def _log_in_at_each_sip2_listener(output: str) -> None:
    """Each library prints its SIP2 address and the demo terminal's password; a machine can log in with them."""
    accounts = re.findall(r"SIP2 (\S+):(\d+)\s+terminal 'demo-kiosk' password (\S+)", output)
    assert len(accounts) == 3, output
    assert not {int(port) for _, port, _ in accounts} & set(documented_fixed_ports())
    for host, port, password in accounts:
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(f"9300CNdemo-kiosk|CO{password}|\r".encode())
            assert connection.recv(64) == b"941\r"


def _library_service_login_starts(output: str, keys_dir: Path) -> None:
    """The demo's library service is registered and the printed authorization URL opens its login page."""
    found = re.search(r"try it as the service 'demo-ebok': open (\S+)", output)
    assert found is not None, output
    context = ssl.create_default_context(cafile=str(keys_dir / "ca" / "ca.crt"))
    with urllib.request.urlopen(found.group(1), context=context, timeout=10) as page:  # noqa: S310 - https, ours
        assert page.status == 200
        assert "Logg inn på Demo e-bokbibliotek" in page.read().decode()
