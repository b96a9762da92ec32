"""``rank``: measures ordered by |τ| strongest first, whatever the sign; a measure whose τ is
undefined (NaN, e.g. a constant predictor) counts as τ = 0, after every non-zero one."""

from __future__ import annotations

import math

from catdyn.topology.study import Measure, rank


def _measure(name: str, tau: float) -> Measure:
    return Measure(name, "gap", 5, 0.0, 0.0, 0.0, (0.0, 0.0), 0.0, tau, (0.0, 0.0), 1.0, 1.0, (0.0, 0.0))


def test_strongest_first_by_absolute_tau_and_undefined_last() -> None:
    taus = {"weak": 0.1, "strong-negative": -0.9, "undefined": math.nan, "middle": 0.5, "none": 0.0}
    ranked = [m.name for m in rank([_measure(n, t) for n, t in taus.items()])]
    defined = sorted((n for n in taus if not math.isnan(taus[n])), key=lambda n: -abs(taus[n]))
    assert ranked[:3] == defined[:3] == ["strong-negative", "middle", "weak"]
    assert set(ranked[3:]) == {"none", "undefined"}
