"""`natreg bench` end to end at a tiny size: the harness works and every measurement ran without errors.

Speed is not checked here (docs/benchmarks.md has the real numbers); a few hundred patrons and short
measurements only prove that every phase starts, measures and reports (two seconds each: one Argon2
verification under a loaded machine can take most of a second, and a window must hold at least one).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from natreg.bench.report import BASELINES, DESCRIPTIONS

TINY = ["--patrons", "300", "--rounds", "1", "--duration", "2", "--warmup", "0.3", "--import-rows", "200",
        "--pin-patrons", "50"]  # fmt: skip


def test_bench_runs_every_measurement_without_errors(tmp_path: Path) -> None:
    report_file, table_file = tmp_path / "bench.json", tmp_path / "bench.md"
    completed = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "natreg.cli", "bench", *TINY, "--json-out", str(report_file),
         "--markdown-out", str(table_file)],
        cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(report_file.read_text())

    assert set(report["summary"]) == set(DESCRIPTIONS)
    for measurement in report["measurements"]:
        assert measurement["errors"] == 0, measurement
        assert measurement["operations"] > 0, measurement
    for counterpart, baseline in BASELINES.items():
        assert report["summary"][counterpart]["baseline"] == baseline
        assert report["summary"][counterpart]["ratio"] is not None
    assert {target["target"] for target in report["targets"]} >= {"zero errors throughout"}
    assert next(t for t in report["targets"] if t["target"] == "zero errors throughout")["pass"]
    assert "| lookup_card |" in table_file.read_text()
    assert "| lookup_card |" in completed.stdout
    # Everything it started is gone: no data folder is left behind in the working directory.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bench.json", "bench.md"]
