"""`natreg bench-desk` at a tiny size: the harness logs in at a real node's desk, scans a card and times the
circulation page without an error (its numbers are in docs/benchmarks.md, not checked here)."""

from __future__ import annotations

from natreg.bench.desk import markdown, run_desk_bench


async def test_the_desk_bench_times_every_measurement() -> None:
    results = await run_desk_bench(requests=20, concurrency=2)
    assert [result["measurement"] for result in results] == [
        "circulation page, one desk", "circulation page, 2 desks", "card scan: post + redirected page",
    ]  # fmt: skip
    assert all(result["requests"] == 20 and result["p99_ms"] > 0 for result in results)
    assert "| circulation page, 2 desks | 20 | 2 |" in markdown(results)
