"""Vertex-construction persistence of a large grid: through the dual against gudhi's direct route.

A 1001 × 1001 grid (quick: 301 × 301) of uniform random values rounded to 1/1000, so about a
thousand distinct levels and many ties. Baseline: ``sublevel_persistence(engine="gudhi")``
(gudhi's ``CubicalComplex(vertices=…)``, H0 and H1). Candidate:
``sublevel_persistence(engine="gudhi-dual")`` (:mod:`catdyn.topology.dual`: the top-cell complex
of the negated grid padded with −∞, through gudhi's dedicated rectangle code). Both diagrams are
compared exactly (``extra["identical"]``, the goal's precondition). Goal ≥ 10×. The baseline is
timed once (tens of seconds on a loaded 2-core machine), the candidate best of three.
"""

from __future__ import annotations

import os
import time

import numpy as np

from benchmarks.harness import Result, best_time
from catdyn.topology.cubical import Diagram, sublevel_persistence


def _identical(a: Diagram, b: Diagram) -> bool:
    return len(a.finite) == len(b.finite) and all(
        np.array_equal(x, y) for x, y in zip(a.finite + a.essential, b.finite + b.essential)
    )


def run(quick: bool = False) -> list[Result]:
    n = 301 if quick else 1001
    f = np.round(np.random.default_rng(0).random((n, n)), 3)
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    direct = sublevel_persistence(f, engine="gudhi")
    baseline_s = time.perf_counter() - t0
    dual_s = best_time(lambda: sublevel_persistence(f, engine="gudhi-dual"), repeat=3, warmup=0)
    dual = sublevel_persistence(f, engine="gudhi-dual")
    same = _identical(direct, dual)
    ratio = baseline_s / dual_s
    return [
        Result(
            f"vertex persistence {n}x{n} (H0+H1)",
            baseline_s,
            dual_s,
            "≥ 10× and identical diagrams",
            bool(same and ratio >= 10),
            baseline="gudhi vertices (direct)",
            extra={
                "identical": same,
                "pairs": [len(direct.pairs(0)), len(direct.pairs(1))],
                "load_1min_before": load_before,
                "load_1min_after": os.getloadavg()[0],
            },
        )
    ]
