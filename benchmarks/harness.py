"""The benchmark harness: time a baseline and a candidate in one run, print ratios, write JSON.

A benchmark module ``benchmarks/bench_*.py`` defines ``run(quick: bool) -> list[Result]``.
``python -m benchmarks [NAME ...] [--quick] [--out DIR]`` runs them, prints one table and
writes ``DIR/NAME.json`` (default ``benchmarks/results``).

>>> r = Result("demo", baseline_s=2.0, candidate_s=0.5, goal="≥ 2×", passed=True)
>>> r.ratio
4.0
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    """One line of the table: what was measured, both timings and whether the goal was met.

    ``baseline_s`` may be ``None`` for an absolute goal (``candidate_s`` under a bound).
    ``extra`` holds anything else measured (peak memory, errors against a reference, sizes).
    ``gflops`` is the candidate's achieved GFLOP/s and ``peak_fraction`` that over the GEMM peak
    measured in the same run (:func:`benchmarks.peak.annotate`), where the benchmark counts FLOPs.
    """

    name: str
    baseline_s: float | None
    candidate_s: float
    goal: str
    passed: bool
    baseline: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    gflops: float | None = None
    peak_fraction: float | None = None

    @property
    def ratio(self) -> float | None:
        """``baseline_s / candidate_s`` (how many times faster the candidate is)."""
        if self.baseline_s is None or self.candidate_s <= 0:
            return None
        return self.baseline_s / self.candidate_s

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        return out


def best_time(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1) -> float:
    """The smallest wall-clock time of ``repeat`` calls after ``warmup`` calls (seconds).

    >>> best_time(lambda: sum(range(10)), repeat=2) >= 0.0
    True
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def format_table(results: list[Result]) -> str:
    """A plain-text table of results.

    >>> print(format_table([Result("x", 1.0, 0.25, "≥ 2×", True, baseline="loop")]))
    benchmark  baseline  baseline s  catdyn s  ratio  goal  met
    x          loop      1           0.25      4.0×   ≥ 2×  yes
    """
    with_peak = any(r.gflops is not None for r in results)
    rows = [["benchmark", "baseline", "baseline s", "catdyn s", "ratio", "goal", "met"]]
    if with_peak:
        rows[0][5:5] = ["GFLOP/s", "of peak"]
    for r in results:
        rows.append(
            [
                r.name,
                r.baseline or "-",
                f"{r.baseline_s:.4g}" if r.baseline_s is not None else "-",
                f"{r.candidate_s:.4g}",
                f"{r.ratio:.1f}×" if r.ratio is not None else "-",
                r.goal,
                "yes" if r.passed else "NO",
            ]
        )
        if with_peak:
            rows[-1][5:5] = (
                [f"{r.gflops:.3g}", f"{100 * (r.peak_fraction or 0):.1f} %"] if r.gflops is not None else ["-", "-"]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


def write_json(path: str, name: str, results: list[Result]) -> None:
    """Write the results of one benchmark module as JSON."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"benchmark": name, "results": [r.to_json() for r in results]}, fh, indent=2)
