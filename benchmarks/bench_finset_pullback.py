"""FinSet pullback: the vectorised hash join against nested loops.

Two goals (DESIGN.md, Performance): the pullback of two maps on 10^6 elements in under 1 s
(absolute), and the ratio against a nested-loop construction measured at 10^4 elements in
the same run. Both constructions' pairs are compared for equality at 10^4.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Result, best_time
from catdyn import Cospan
from catdyn.categories.finset import FinSet, pullback_by_loops


def _cospan(n: int, c: int, seed: int) -> Cospan:
    rng = np.random.default_rng(seed)
    A, B, C = FinSet.object("A", n), FinSet.object("B", n), FinSet.object("C", c)
    return Cospan(
        FinSet.function("f", A, C, rng.integers(0, c, n)),
        FinSet.function("g", B, C, rng.integers(0, c, n)),
    )


def run(quick: bool = False) -> list[Result]:
    """Time both constructions; see the module docstring."""
    small = 2_000 if quick else 10_000
    big = 100_000 if quick else 1_000_000

    cospan_small = _cospan(small, small, seed=1)
    ft, gt = cospan_small.left.table.tolist(), cospan_small.right.table.tolist()
    loops = pullback_by_loops(ft, gt)
    P = FinSet.pullback(cospan_small)
    same = loops == list(zip(P.left.table.tolist(), P.right.table.tolist()))
    t_loops = best_time(lambda: pullback_by_loops(ft, gt), repeat=1, warmup=0)
    t_join_small = best_time(lambda: FinSet.pullback(cospan_small), repeat=5)

    cospan_big = _cospan(big, big, seed=2)
    t_join_big = best_time(lambda: FinSet.pullback(cospan_big), repeat=3)
    apex_big = FinSet.pullback(cospan_big).apex.size

    return [
        Result(
            f"FinSet pullback, {small:,} elements",
            baseline_s=t_loops,
            candidate_s=t_join_small,
            goal="faster; same pairs",
            passed=same and t_join_small < t_loops,
            baseline="nested loops",
            extra={"same_pairs": same, "apex_size": len(loops)},
        ),
        Result(
            f"FinSet pullback, {big:,} elements",
            baseline_s=None,
            candidate_s=t_join_big,
            goal="< 1 s",
            passed=t_join_big < 1.0,
            extra={"apex_size": apex_big},
        ),
    ]
