"""Timing transfer methods so that the ratio means something: long runs, repeated, interleaved,
summarised by a median with a distribution-free interval.

One training call of 20–60 ms is mostly per-step overhead and timer noise; the speed-up of two
such calls moved between 1.4× and 2.45× over reruns. :func:`time_methods` runs each method's
training with a fixed, large step count (so each timing is well over a second), ``repeats``
times, the methods' order rotated every repeat (slow drifts of the machine's load hit all
alike), and records process CPU time and wall-clock. :func:`median_interval` gives the median
of per-repeat ratios with the order-statistic interval, which assumes nothing about the
distribution of timings.

>>> e = median_interval([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
>>> e.value, (e.low, e.high), round(e.level, 4)
(4.0, (1.0, 7.0), 0.9844)
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

from catdyn.stats import Estimate


def _coverage(n: int, j: int) -> float:
    """Coverage of ``[x_(j), x_(n+1−j)]`` for the median of ``n`` i.i.d. draws:
    ``1 − 2 P(Bin(n, ½) < j)``."""
    return 1.0 - 2.0 * sum(math.comb(n, i) for i in range(j)) / 2.0**n


def median_interval(values: Sequence[float], level: float = 0.95) -> Estimate:
    """The median of ``values`` and the narrowest order-statistic interval
    ``[x_(j), x_(n+1−j)]`` whose coverage is at least ``level``; with too few values for
    ``level`` the whole range, its own (lower) coverage given as the estimate's ``level``.

    >>> e = median_interval([3.0, 1.0, 2.0, 5.0, 4.0])      # 5 values: at most 93.75 %
    >>> e.value, e.low, e.high, e.level
    (3.0, 1.0, 5.0, 0.9375)
    >>> median_interval([2.0]).level
    0.0
    """
    xs = sorted(float(v) for v in values)
    n = len(xs)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0.0)
    mid = xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])
    j = 1
    while j + 1 <= (n + 1) // 2 and _coverage(n, j + 1) >= level:
        j += 1
    return Estimate(mid, xs[j - 1], xs[n - j], _coverage(n, j) if n > 1 else 0.0)


def time_methods(
    methods: Sequence[str],
    source: Any,
    data: Any,
    steps: int,
    repeats: int,
    seed: int = 0,
    rounds: int = 4,
    settings: Mapping[str, Mapping[str, float]] | None = None,
) -> list[dict[str, Any]]:
    """Time one training call of every method (the study's own function, ``steps`` steps,
    the first setting of its grid unless ``settings`` names one), ``repeats`` times, the order
    rotated each repeat. One row per call: repeat, method, steps, CPU and wall seconds.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> from catdyn.backends.torch.transfer.baselines import SourceModel, TransferData
    >>> arch = MLP((4, 8, 3))
    >>> src = SourceModel(arch, arch.init(torch.Generator().manual_seed(0)), "hidden0")
    >>> xy = (torch.randn(6, 4), torch.randint(0, 3, (6,)))
    >>> data = TransferData(xy, xy, xy, xy, xy[0], xy[0], xy[0], xy[0], 3)
    >>> rows = time_methods(["finetune", "pullback_identity"], src, data, steps=3, repeats=2)
    >>> [(r["repeat"], r["method"]) for r in rows]
    [(0, 'finetune'), (0, 'pullback_identity'), (1, 'pullback_identity'), (1, 'finetune')]
    """
    from catdyn.backends.torch.transfer.baselines import METHODS, Budget

    budget, rows = Budget(steps=steps, fibre_rounds=rounds), []
    for r in range(repeats):
        order = list(methods[r % len(methods):]) + list(methods[: r % len(methods)])
        for m in order:
            hp = dict((settings or {}).get(m) or METHODS[m].grid[0])
            w0, c0 = time.perf_counter(), time.process_time()
            METHODS[m].train(source, data, budget, hp, seed)
            rows.append({"repeat": r, "method": m, "steps": steps, "cpu_seconds": time.process_time() - c0,
                         "seconds": time.perf_counter() - w0})
    return rows


def speedups(rows: Sequence[Mapping[str, Any]], baseline: str, method: str, clock: str = "cpu_seconds") -> list[float]:
    """Per repeat, the baseline's time over the method's (paired within the repeat).

    >>> speedups([{"repeat": 0, "method": "a", "cpu_seconds": 4.0}, {"repeat": 0, "method": "b",
    ...           "cpu_seconds": 2.0}], "a", "b")
    [2.0]
    """
    by = {(r["repeat"], r["method"]): float(r[clock]) for r in rows}
    reps = sorted({r["repeat"] for r in rows})
    return [by[(k, baseline)] / by[(k, method)] for k in reps
            if (k, baseline) in by and (k, method) in by and by[(k, method)] > 0]


def timing_noise(ratios: Sequence[float]) -> float:
    """The run-to-run noise of one repeat's speed-up: the sample standard deviation of the
    per-repeat ratios (NaN for fewer than two).

    >>> round(timing_noise([1.8, 2.0, 2.2]), 3)
    0.2
    """
    xs = [float(v) for v in ratios]
    if len(xs) < 2:
        return math.nan
    mean = sum(xs) / len(xs)
    return math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def speed_verdict(
    ratios: Sequence[float], shortest: float, min_seconds: float = 1.0, band: tuple[float, float] = (2.0, 8.0)
) -> tuple[Estimate, str, str]:
    """The median speed-up with its interval (:func:`median_interval`), the verdict against
    ``band`` (:func:`catdyn.stats.band_verdict`) and its reason: "inconclusive" when the
    shortest timing is under ``min_seconds`` (overhead, not work), when the interval crosses
    an edge of the band, or when timing noise could decide it: an end of the interval lies
    within the measured run-to-run noise (:func:`timing_noise`) of an edge it does not cross.
    The ends of an order-statistic interval are single repeats' ratios, each known only up to
    that noise, so a rerun could put such an end on the other side of the edge and flip the
    verdict; only a verdict whose interval clears every edge by more than the noise stands.

    >>> est, verdict, reason = speed_verdict([1.6, 1.9, 2.1, 2.3, 2.6], shortest=3.0)
    >>> verdict, reason
    ('inconclusive', 'the interval [1.60, 2.60]x crosses an edge of the band 2–8x')
    >>> speed_verdict([3.0, 3.1, 3.2], shortest=0.04)[1:]
    ('inconclusive', 'a timing took 0.04 s < 1 s: mostly per-step overhead')
    >>> speed_verdict([1.66, 1.9, 1.96, 1.98, 1.999], shortest=3.0)[1:]
    ('inconclusive', 'timing noise decides it: the interval [1.66, 2.00]x ends 0.00x from the band edge 2x, within the run-to-run noise of one repeat (±0.14x, the standard deviation of 5 ratios); it would read not reproduced')
    """
    from catdyn.stats import Verdict, band_verdict

    est = median_interval(ratios)
    verdict = band_verdict((est.low, est.high), band)
    if shortest < min_seconds:
        return est, str(Verdict.INCONCLUSIVE), f"a timing took {shortest:.2f} s < {min_seconds:g} s: mostly per-step overhead"
    if verdict == Verdict.INCONCLUSIVE:
        return est, str(verdict), (f"the interval [{est.low:.2f}, {est.high:.2f}]x crosses an edge of the band "
                                   f"{band[0]:g}–{band[1]:g}x")
    noise = timing_noise(ratios)
    near = _nearest_edge(est, band)
    if not math.isfinite(noise) or near[0] <= noise:
        spread = (f"±{noise:.2f}x, the standard deviation of {len(ratios)} ratios" if math.isfinite(noise)
                  else "not measurable from one repeat")
        return est, str(Verdict.INCONCLUSIVE), (
            f"timing noise decides it: the interval [{est.low:.2f}, {est.high:.2f}]x ends {near[0]:.2f}x from the "
            f"band edge {near[1]:g}x, within the run-to-run noise of one repeat ({spread}); it would read {verdict}")
    return est, str(verdict), ""


def _nearest_edge(est: Estimate, band: tuple[float, float]) -> tuple[float, float]:
    """The distance from the interval's ends to the nearest edge of ``band``, and that edge."""
    return min((abs(end - edge), edge) for end in (est.low, est.high) for edge in band)
