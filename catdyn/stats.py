"""Intervals, the bootstrap and the verdict vocabulary that every study shares (numpy only;
scipy is imported lazily for the Student-t quantile).

**Intervals.** An :class:`Interval` is ``[low, high]`` at a two-sided ``level``;
an :class:`Estimate` is a measured value with its interval. :func:`percentile_interval` takes
the percentiles of resampled statistics, :func:`t_interval` is the Student-t interval of a
mean.

**The bootstrap.** :func:`bootstrap` resamples the rows of one or more equally long samples
together (one sample: the ordinary bootstrap; ``x`` and ``y``: the paired bootstrap of a
fit), :func:`stratified_bootstrap` resamples within each stratum (models within their class,
the classes held fixed). Each resample draws its indices from one ``numpy`` generator seeded
with ``seed``, so a seed fixes every interval.

**Verdicts.** One vocabulary, :class:`Verdict`, and one rule per kind of claim. The rules:

* ``REPRODUCED``: the measurement establishes the paper's claim: the whole interval lies on
  the claimed side of a bound (:func:`bound_verdict`) or of zero (:func:`sign_verdict`),
  inside the paper's band (:func:`band_verdict`), or holds the paper's figure
  (:func:`contains_verdict`); a one-sided test is significant in the claimed direction
  (:func:`significance_verdict`); a point reading lies on the claimed side (:func:`point_verdict`);
  a count equals the paper's on a comparable population (:func:`equality_verdict`).
* ``CONTRADICTED``: the measurement establishes the *reverse* of a claimed direction: a slope
  interval wholly on the other side of zero, a one-sided test significant the other way.
* ``NOT_REPRODUCED``: the measurement excludes the paper's figure or bound without reversing
  a direction: an interval wholly beyond the paper's bound, outside its band, or not holding
  its figure; a point reading on the wrong side; a count that differs, or a population too
  small to compare with the paper's.
* ``INCONCLUSIVE``: the interval straddles the bound (or zero, or a band's edge), the test is
  significant in neither direction, the figure could not be measured (NaN, no finite
  resample), or a sign the interval would decide is not stable: one model left out flips it,
  or too few bootstrap draws share it (:func:`sign_stability`, :func:`stable_sign_verdict`).

>>> import numpy as np
>>> e = bootstrap(lambda a: float(a.mean()), np.arange(10.0), resamples=200, seed=0)
>>> e.low < 4.5 < e.high
True
>>> bound_verdict(Interval(0.001, 0.004), 0.005, "<"), sign_verdict(Interval(0.1, 0.3), expected=-1)
(<Verdict.REPRODUCED: 'reproduced'>, <Verdict.CONTRADICTED: 'contradicted'>)
>>> str(band_verdict(Interval(0.1, 0.9), (0.0, 0.5)))
'inconclusive'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import numpy as np

from catdyn.errors import StatisticsError

Side = Literal["<", ">"]


class Verdict(StrEnum):
    """The one verdict vocabulary of catdyn's claims (the rule of each: the module docstring).

    >>> Verdict.NOT_REPRODUCED.value, Verdict("inconclusive") is Verdict.INCONCLUSIVE
    ('not reproduced', True)
    """

    REPRODUCED = "reproduced"
    NOT_REPRODUCED = "not reproduced"
    CONTRADICTED = "contradicted"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Interval:
    """A two-sided interval ``[low, high]`` at ``level``.

    >>> Interval(0.1, 0.3).contains(0.2), Interval(float("nan"), 1.0).finite
    (True, False)
    """

    low: float
    high: float
    level: float = 0.95

    @property
    def finite(self) -> bool:
        """Whether both ends are finite numbers."""
        return math.isfinite(self.low) and math.isfinite(self.high)

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the interval (ends included)."""
        return self.low <= x <= self.high

    def as_tuple(self) -> tuple[float, float]:
        """``(low, high)``."""
        return self.low, self.high


@dataclass(frozen=True)
class Estimate:
    """A measured ``value`` with its interval ``[low, high]`` (``resamples`` bootstrap draws
    behind it, 0 when none).

    >>> Estimate(0.2, 0.1, 0.3).interval, Estimate(0.2, 0.1, 0.3).contains(0.25)
    (Interval(low=0.1, high=0.3, level=0.95), True)
    """

    value: float
    low: float
    high: float
    level: float = 0.95
    resamples: int = 0

    @property
    def interval(self) -> Interval:
        """The interval alone."""
        return Interval(self.low, self.high, self.level)

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the interval."""
        return self.low <= x <= self.high


def _check_level(level: float) -> float:
    if not 0.0 < float(level) < 1.0:
        raise StatisticsError.bad_level(level)
    return float(level)


def percentile_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Interval:
    """The ``(1 − level)/2`` and ``(1 + level)/2`` quantiles of the finite ``values`` (NaN ends
    when none is finite).

    >>> percentile_interval(np.arange(101.0), 0.5)
    Interval(low=25.0, high=75.0, level=0.5)
    """
    level = _check_level(level)
    a = np.asarray(values, dtype=np.float64).ravel()
    a = a[np.isfinite(a)]
    if a.size == 0:
        return Interval(math.nan, math.nan, level)
    tail = (1 - level) / 2
    lo, hi = np.quantile(a, [tail, 1 - tail])
    return Interval(float(lo), float(hi), level)


def _sample_length(samples: Sequence[np.ndarray]) -> int:
    if not samples:
        raise StatisticsError.no_sample()
    n = len(samples[0])
    if any(len(s) != n for s in samples):
        raise StatisticsError.unequal([len(s) for s in samples])
    if n == 0:
        raise StatisticsError.no_sample()
    return n


def bootstrap(
    statistic: Callable[..., float],
    *samples: Sequence[float] | np.ndarray,
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    skip: Callable[[np.ndarray], bool] | None = None,
) -> Estimate:
    """``statistic(*samples)`` with a percentile bootstrap interval. Every resample draws ``n``
    row indices with replacement (``rng.integers(0, n, n)``) and applies them to every sample
    alike (paired). A resample is left out when ``skip(indices)`` is true (e.g. a fit whose
    ``x`` is constant) or its statistic is not finite.

    >>> x = np.arange(20.0)
    >>> e = bootstrap(lambda a, b: float(np.polyfit(a, b, 1)[0]), x, 2 * x, resamples=50, seed=0)
    >>> [round(v, 9) for v in (e.value, e.low, e.high)]
    [2.0, 2.0, 2.0]
    """
    arrays = [np.asarray(s) for s in samples]
    stats = bootstrap_draws(statistic, *arrays, resamples=resamples, seed=seed, skip=skip)
    interval = percentile_interval(stats, level)
    return Estimate(float(statistic(*arrays)), interval.low, interval.high, interval.level, int(resamples))


def bootstrap_draws(
    statistic: Callable[..., float],
    *samples: Sequence[float] | np.ndarray,
    resamples: int = 1000,
    seed: int = 0,
    skip: Callable[[np.ndarray], bool] | None = None,
) -> np.ndarray:
    """The finite resampled statistics behind :func:`bootstrap` (the same draws for the same
    ``seed``: ``rng.integers(0, n, n)`` per resample, applied to every sample alike; a
    resample is left out when ``skip(indices)`` or its statistic is not finite).

    >>> bootstrap_draws(lambda a: float(a.mean()), np.ones(5), resamples=3).tolist()
    [1.0, 1.0, 1.0]
    """
    arrays = [np.asarray(s) for s in samples]
    n = _sample_length(arrays)
    rng = np.random.default_rng(seed)
    stats = []
    for _ in range(int(resamples)):
        idx = rng.integers(0, n, n)
        if skip is not None and skip(idx):
            continue
        value = statistic(*(a[idx] for a in arrays))
        if np.isfinite(value):
            stats.append(value)
    return np.asarray(stats, dtype=np.float64)


def leave_one_out(statistic: Callable[..., float], *samples: Sequence[float] | np.ndarray) -> np.ndarray:
    """``statistic`` on the samples with row ``i`` left out, for every ``i`` (paired rows).

    >>> leave_one_out(lambda a: float(a.sum()), np.array([1.0, 2.0, 4.0])).tolist()
    [6.0, 5.0, 3.0]
    """
    arrays = [np.asarray(s) for s in samples]
    n = _sample_length(arrays)
    keep = ~np.eye(n, dtype=bool)
    return np.array([float(statistic(*(a[keep[i]] for a in arrays))) for i in range(n)])


@dataclass(frozen=True)
class SignStability:
    """How stable the sign of a statistic is: its ``sign`` on the whole sample (−1, 0, +1); the
    rows whose removal changes that sign (``flips``, leave-one-out over ``n`` rows); and the
    share of the finite bootstrap draws (``draws`` of them) with the same sign, against
    ``level``. ``stable`` when no single row flips it and that share reaches ``level``.

    >>> SignStability(1, 10, (), 0.99, 1000).stable, SignStability(1, 10, (3,), 0.99, 1000).stable
    (True, False)
    """

    sign: int
    n: int
    flips: tuple[int, ...]
    bootstrap_share: float
    draws: int
    level: float = 0.95

    @property
    def stable(self) -> bool:
        """No leave-one-out flip, and the bootstrap share at or above ``level``."""
        return self.sign != 0 and not self.flips and self.bootstrap_share >= self.level

    def reason(self, names: Sequence[str] | None = None) -> str:
        """Why the sign is not stable, in words ("" when it is); ``names`` name the rows.

        >>> SignStability(1, 5, (2,), 0.9, 100).reason(["a", "b", "c", "d", "e"])
        'dropping c alone flips the sign (1 of 5 leave-one-out fits); only 90.0% of 100 bootstrap draws share the sign (< 95.0%)'
        """
        why = []
        if self.sign == 0:
            why.append("the statistic is 0")
        if self.flips:
            rows = ", ".join(names[i] if names is not None else f"row {i}" for i in self.flips)
            why.append(f"dropping {rows} alone flips the sign ({len(self.flips)} of {self.n} leave-one-out fits)")
        if self.bootstrap_share < self.level:
            why.append(f"only {self.bootstrap_share:.1%} of {self.draws} bootstrap draws share the sign "
                       f"(< {self.level:.1%})")
        return "; ".join(why)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (with ``stable`` and the ``reason``)."""
        return {"sign": self.sign, "n": self.n, "flips": list(self.flips),
                "bootstrap_share": self.bootstrap_share, "draws": self.draws, "level": self.level,
                "stable": self.stable, "reason": self.reason()}


def sign_stability(
    statistic: Callable[..., float],
    *samples: Sequence[float] | np.ndarray,
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    skip: Callable[[np.ndarray], bool] | None = None,
) -> SignStability:
    """The leave-one-out and bootstrap sign stability of ``statistic(*samples)`` (see
    :class:`SignStability`; the bootstrap draws are :func:`bootstrap_draws`' for ``seed``).

    >>> x = np.arange(8.0)
    >>> s = sign_stability(lambda a, b: float(np.polyfit(a, b, 1)[0]), x, 2 * x + 1, resamples=50)
    >>> s.sign, s.flips, s.bootstrap_share, s.stable
    (1, (), 1.0, True)
    """
    level = _check_level(level)
    arrays = [np.asarray(s) for s in samples]
    sign = int(np.sign(statistic(*arrays)))
    loo = leave_one_out(statistic, *arrays)
    flips = tuple(int(i) for i in np.flatnonzero(np.sign(loo) != sign))
    draws = bootstrap_draws(statistic, *arrays, resamples=resamples, seed=seed, skip=skip)
    share = float(np.mean(np.sign(draws) == sign)) if draws.size else 0.0
    return SignStability(sign, len(loo), flips, share, int(draws.size), level)


def stratified_bootstrap(
    statistic: Callable[[np.ndarray, np.ndarray], float],
    values: Sequence[float] | np.ndarray,
    strata: Sequence[Any] | np.ndarray,
    *,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """``statistic(values, strata)`` with a percentile interval from resampling *within* each
    stratum (sizes and labels fixed; strata in sorted order, each drawn with
    ``rng.choice(members, size, replace=True)``); non-finite resamples are left out.

    >>> acc = np.array([0.90, 0.91, 0.92, 0.80, 0.81, 0.79])
    >>> mean_gap = lambda a, s: float(a[s == 0].mean() - a[s == 1].mean())
    >>> e = stratified_bootstrap(mean_gap, acc, np.array([0, 0, 0, 1, 1, 1]), resamples=200)
    >>> round(e.value, 3), e.low <= e.value <= e.high
    (0.11, True)
    """
    a = np.asarray(values, dtype=np.float64)
    labels = np.asarray(strata)
    _sample_length([a, labels])
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    drawn = np.empty(int(resamples))
    for r in range(int(resamples)):
        idx = np.concatenate([rng.choice(m, size=len(m), replace=True) for m in members])
        drawn[r] = statistic(a[idx], labels[idx])
    interval = percentile_interval(drawn, level)
    return Estimate(float(statistic(a, labels)), interval.low, interval.high, interval.level, int(resamples))


def t_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Estimate:
    """The mean of the non-NaN ``values`` with its two-sided Student-t interval (the interval is
    the mean itself for one value, NaN for none).

    >>> e = t_interval([1.0, 2.0, 3.0])
    >>> e.value, round(e.low, 4), round(e.high, 4)
    (2.0, -0.4841, 4.4841)
    """
    level = _check_level(level)
    a = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if a.size == 0:
        return Estimate(math.nan, math.nan, math.nan, level)
    m = float(a.mean())
    if a.size == 1:
        return Estimate(m, m, m, level)
    from scipy import stats as scipy_stats

    half = float(scipy_stats.t.ppf(0.5 + level / 2, a.size - 1) * a.std(ddof=1) / math.sqrt(a.size))
    return Estimate(m, m - half, m + half, level)


# --- verdicts: one rule per kind of claim (the rules: the module docstring) ------------------
def _ends(interval: Interval | Estimate | tuple[float, float]) -> tuple[float, float]:
    if isinstance(interval, (Interval, Estimate)):
        return float(interval.low), float(interval.high)
    lo, hi = interval
    return float(lo), float(hi)


def _finite(*xs: float) -> bool:
    return all(math.isfinite(x) for x in xs)


def bound_verdict(interval: Interval | Estimate | tuple[float, float], bound: float, side: Side) -> Verdict:
    """A claim "value ``side`` ``bound``": reproduced when the whole interval is on that side
    (strictly), not reproduced when it is wholly on the other (the bound included),
    inconclusive when it straddles or is not finite. An :class:`Estimate` with a NaN value is
    inconclusive.

    >>> [str(bound_verdict(i, 0.5, "<")) for i in [(0.1, 0.4), (0.5, 0.9), (0.4, 0.6)]]
    ['reproduced', 'not reproduced', 'inconclusive']
    """
    lo, hi = _ends(interval)
    if isinstance(interval, Estimate) and not math.isfinite(interval.value):
        return Verdict.INCONCLUSIVE
    if not _finite(lo, hi):
        return Verdict.INCONCLUSIVE
    if side == "<":
        claimed, other = hi < bound, lo >= bound
    elif side == ">":
        claimed, other = lo > bound, hi <= bound
    else:
        raise StatisticsError.bad_side(side)
    if claimed:
        return Verdict.REPRODUCED
    return Verdict.NOT_REPRODUCED if other else Verdict.INCONCLUSIVE


def sign_verdict(interval: Interval | Estimate | tuple[float, float], expected: int = -1) -> Verdict:
    """A claimed sign (``expected`` −1 or +1): reproduced when the interval lies strictly on that
    side of 0, contradicted when strictly on the other, inconclusive when it holds 0.

    >>> [str(sign_verdict(i)) for i in [(-0.3, -0.1), (0.1, 0.2), (-0.1, 0.1)]]
    ['reproduced', 'contradicted', 'inconclusive']
    """
    if expected not in (-1, 1):
        raise StatisticsError.bad_side(expected)
    lo, hi = _ends(interval)
    if not _finite(lo, hi):
        return Verdict.INCONCLUSIVE
    if (expected < 0 and hi < 0) or (expected > 0 and lo > 0):
        return Verdict.REPRODUCED
    if (expected < 0 and lo > 0) or (expected > 0 and hi < 0):
        return Verdict.CONTRADICTED
    return Verdict.INCONCLUSIVE


def stable_sign_verdict(
    interval: Interval | Estimate | tuple[float, float],
    stability: SignStability,
    expected: int = -1,
    names: Sequence[str] | None = None,
) -> tuple[Verdict, str]:
    """:func:`sign_verdict`, but a sign that is not stable (:class:`SignStability`) is never
    reproduced or contradicted: it is inconclusive, and the second value says why (``names``
    name the rows; empty when the sign is stable).

    >>> flip = SignStability(1, 12, (4,), 0.97, 1000)
    >>> sign_verdict((0.5, 2.0), -1), stable_sign_verdict((0.5, 2.0), flip, -1)[0]
    (<Verdict.CONTRADICTED: 'contradicted'>, <Verdict.INCONCLUSIVE: 'inconclusive'>)
    """
    verdict = sign_verdict(interval, expected)
    if stability.stable:
        return verdict, ""
    why = f"the sign is not stable: {stability.reason(names)}"
    if verdict in (Verdict.REPRODUCED, Verdict.CONTRADICTED):
        return Verdict.INCONCLUSIVE, f"the interval says {verdict.value}, but {why}"
    return verdict, why


def contains_verdict(interval: Interval | Estimate | tuple[float, float], paper: float) -> Verdict:
    """The paper's figure ``paper``: reproduced when the interval holds it, not reproduced when
    the interval lies wholly below or above it, inconclusive when not finite.

    >>> [str(contains_verdict(i, 0.82)) for i in [(0.7, 0.9), (0.1, 0.4), (0.9, 0.95)]]
    ['reproduced', 'not reproduced', 'not reproduced']
    """
    lo, hi = _ends(interval)
    if not _finite(lo, hi):
        return Verdict.INCONCLUSIVE
    return Verdict.REPRODUCED if lo <= paper <= hi else Verdict.NOT_REPRODUCED


def band_verdict(interval: Interval | Estimate | tuple[float, float], band: tuple[float, float]) -> Verdict:
    """A band ``(low, high)`` around the paper's figure: reproduced when the interval lies inside
    it, not reproduced when disjoint from it, inconclusive when it crosses an edge or is NaN.

    >>> [str(band_verdict(i, (2.0, 8.0))) for i in [(3.0, 4.0), (0.5, 1.5), (1.0, 3.0)]]
    ['reproduced', 'not reproduced', 'inconclusive']
    """
    lo, hi = _ends(interval)
    if math.isnan(lo) or math.isnan(hi):
        return Verdict.INCONCLUSIVE
    if band[0] <= lo and hi <= band[1]:
        return Verdict.REPRODUCED
    if hi < band[0] or lo > band[1]:
        return Verdict.NOT_REPRODUCED
    return Verdict.INCONCLUSIVE


def significance_verdict(
    statistic: float, p_claimed: float, p_opposite: float, *, claimed: Side = ">", alpha: float = 0.05
) -> Verdict:
    """A one-sided test of a claimed direction (``statistic`` ``claimed`` 0): reproduced when the
    test in the claimed direction is significant (``p_claimed < alpha``) and the statistic
    points that way, contradicted when the opposite test is, inconclusive otherwise or when
    ``statistic`` or ``p_claimed`` is not finite.

    >>> str(significance_verdict(0.6, 0.01, 0.99)), str(significance_verdict(-0.6, 0.99, 0.01)), str(significance_verdict(0.1, 0.4, 0.6))
    ('reproduced', 'contradicted', 'inconclusive')
    """
    if claimed not in ("<", ">"):
        raise StatisticsError.bad_side(claimed)
    if not _finite(statistic, p_claimed):
        return Verdict.INCONCLUSIVE
    sign = 1.0 if claimed == ">" else -1.0
    if p_claimed < alpha and sign * statistic > 0:
        return Verdict.REPRODUCED
    if p_opposite < alpha and sign * statistic < 0:
        return Verdict.CONTRADICTED
    return Verdict.INCONCLUSIVE


def point_verdict(value: float, reference: float, side: Side = "<") -> Verdict:
    """A point reading with no interval: reproduced when ``value`` ``side`` ``reference``,
    not reproduced otherwise, inconclusive when either is not finite.

    >>> str(point_verdict(0.1, 0.3)), str(point_verdict(0.3, 0.1)), str(point_verdict(0.1, float("nan")))
    ('reproduced', 'not reproduced', 'inconclusive')
    """
    if side not in ("<", ">"):
        raise StatisticsError.bad_side(side)
    if not _finite(value, reference):
        return Verdict.INCONCLUSIVE
    holds = value < reference if side == "<" else value > reference
    return Verdict.REPRODUCED if holds else Verdict.NOT_REPRODUCED


def equality_verdict(measured: Any, expected: Any, *, comparable: bool = True) -> Verdict:
    """A count the paper reports: reproduced when ``measured == expected`` on a population
    ``comparable`` with the paper's, not reproduced otherwise.

    >>> str(equality_verdict(7, 7)), str(equality_verdict(7, 7, comparable=False)), str(equality_verdict(1, 7))
    ('reproduced', 'not reproduced', 'not reproduced')
    """
    return Verdict.REPRODUCED if comparable and measured == expected else Verdict.NOT_REPRODUCED
