"""FinSet coequaliser: vectorised union-find against naive quick-find.

Goal (issue 17): the coequaliser of two maps ``f, g: A ⇉ B`` on 10^6 elements in under 1 s
(absolute), through the public construction :func:`catdyn.limits.coequaliser` (legs and all).
Baseline in the same run: the naive quotient (quick-find, relabelling a whole class per merge)
at 10^4 elements, with both constructions' classes compared for equality there. The general
colimit route (the disjoint union ``A + B``, no parallel-pair shortcut) is timed beside it.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Result, best_time
from catdyn import Diagram
from catdyn.categories._finset_limits import _disjoint_union_quotient
from catdyn.categories.finset import FinSet
from catdyn.limits import coequaliser
from catdyn.unionfind import quotient_labels_by_loops


def _pair(n: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    A, B = FinSet.object("A", n), FinSet.object("B", n)
    return FinSet.function("f", A, B, rng.integers(0, n, n)), FinSet.function("g", A, B, rng.integers(0, n, n))


def run(quick: bool = False) -> list[Result]:
    """Time both constructions; see the module docstring."""
    small = 2_000 if quick else 10_000
    big = 100_000 if quick else 1_000_000

    f, g = _pair(small, seed=1)
    ft, gt = f.table.tolist(), g.table.tolist()
    naive = quotient_labels_by_loops(small, ft, gt)
    ours = coequaliser(f, g).leg("B").table.tolist()
    # the same partition of B (the numbering of classes may differ): a bijection of labels
    same = len(set(zip(naive, ours))) == len(set(naive)) == len(set(ours))
    t_naive = best_time(lambda: quotient_labels_by_loops(small, ft, gt), repeat=1, warmup=0)
    t_small = best_time(lambda: coequaliser(f, g), repeat=5)

    F, G = _pair(big, seed=2)
    t_big = best_time(lambda: coequaliser(F, G), repeat=3)
    classes = coequaliser(F, G).apex.size
    d = Diagram("pair", FinSet, [F, G])
    t_general = best_time(lambda: _disjoint_union_quotient(d), repeat=3)

    return [
        Result(
            f"FinSet coequaliser, {small:,} elements",
            baseline_s=t_naive,
            candidate_s=t_small,
            goal="faster; same classes",
            passed=same and t_small < t_naive,
            baseline="naive quick-find",
            extra={"same_classes": same, "classes": len(set(naive))},
        ),
        Result(
            f"FinSet coequaliser, {big:,} elements",
            baseline_s=None,
            candidate_s=t_big,
            goal="< 1 s",
            passed=t_big < 1.0,
            extra={"classes": classes, "general_colimit_route_s": round(t_general, 4)},
        ),
    ]
