"""`natreg bench` end to end at a tiny size: the harness works and every measurement ran without errors.

Speed is not checked here (docs/benchmarks.md has the real numbers); a few hundred patrons and short
measurements only prove that every phase starts, measures and reports (three seconds each: one Argon2
verification under a loaded machine can take most of a second, and a window must hold at least one).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from natreg.bench.report import BASELINES, DESCRIPTIONS

TINY = ["--patrons", "300", "--rounds", "1", "--duration", "3", "--warmup", "0.3", "--import-rows", "200",
        "--pin-patrons", "50", "--workers", "1,2"]  # fmt: skip
# Measured once (in the benchmark's own process); every other measurement once per worker count.
IMPORTS = {"initial_raw_copy", "initial_import", "raw_copy", "bulk_import"}


def _named(name: str, workers: int) -> str:
    return name if name in IMPORTS else f"{name}@{workers}"


def test_bench_runs_every_measurement_without_errors(tmp_path: Path) -> None:
    report_file, table_file = tmp_path / "bench.json", tmp_path / "bench.md"
    completed = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "natreg.cli", "bench", *TINY, "--json-out", str(report_file),
         "--markdown-out", str(table_file)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(report_file.read_text())

    assert set(report["summary"]) == {_named(name, workers) for name in DESCRIPTIONS for workers in (1, 2)}
    for measurement in report["measurements"]:
        assert measurement["errors"] == 0, measurement
        assert measurement["operations"] > 0, measurement
    for counterpart, baseline in BASELINES.items():
        for workers in (1, 2):
            assert report["summary"][_named(counterpart, workers)]["baseline"] == _named(baseline, workers)
            assert report["summary"][_named(counterpart, workers)]["ratio"] is not None
    assert {target["target"] for target in report["targets"]} >= {"zero errors throughout"}
    assert next(t for t in report["targets"] if t["target"] == "zero errors throughout")["pass"]
    assert "| lookup_card@2 |" in table_file.read_text()
    assert "| lookup_card@1 |" in completed.stdout
    for workers in (1, 2):
        assert any(target["target"].startswith(f"lookup_card ({workers} workers)") for target in report["targets"])
    # Everything it started is gone: no data folder is left behind in the working directory.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bench.json", "bench.md"]
