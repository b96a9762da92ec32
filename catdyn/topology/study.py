"""Statistics of the generalisation study: does a measure of a trained model predict its gap?

For one measure x (a persistence feature, or a baseline such as the weight norm) and a target
y (the generalisation gap, or test accuracy) over a population of models:

- :func:`linear_fit` — slope, intercept and in-sample R² of y ≈ a + b x (the paper's figure);
- :func:`cv_r2` — cross-validated R² (k-fold, out-of-fold predictions pooled, against the
  total variance of y): below 0 when the fit predicts worse than the mean;
- :func:`kendall_tau` — Kendall's τ-b (ties handled), catdyn's own O(n²) count;
- :func:`granulated_tau` — Jiang et al. (2020): for each hyperparameter, τ within every group
  of models that differ in that hyperparameter only, averaged over groups (ψᵢ), then over
  hyperparameters (Ψ);
- :func:`permutation_pvalue` — the share of permutations of y with a statistic at least as
  extreme (with the +1 correction);
- intervals: the paired percentile bootstrap of :mod:`catdyn.stats` over resampled models;
- :func:`assess` gathers them in a :class:`Measure`; :func:`claims` turns the total-persistence
  measure into the claims table rows beside the paper's figures, with the verdicts of
  :mod:`catdyn.stats` (R²: :func:`~catdyn.stats.contains_verdict` of the paper's 0.82; slope:
  :func:`~catdyn.stats.sign_verdict`, negative claimed, and inconclusive when the sign is not
  stable: :func:`~catdyn.stats.stable_sign_verdict` over the leave-one-out and bootstrap
  :func:`~catdyn.stats.sign_stability` that :func:`assess` records).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=40)
>>> y = -0.5 * x + 0.1 * rng.normal(size=40)
>>> m = assess(x, y, name="demo", resamples=200, seed=0)
>>> m.slope < 0, m.r2 > 0.9, m.cv_r2 > 0.9, m.tau < -0.7, m.p_tau < 0.01
(True, True, True, True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from catdyn.errors import TopologyError
from catdyn.stats import bootstrap, contains_verdict, sign_stability, stable_sign_verdict

PAPER_R2 = 0.82
PAPER_SLOPE = -0.034
PAPER_INTERCEPT = 0.12


def _xy(x: Any, y: Any, need: int = 3) -> tuple[np.ndarray, np.ndarray]:
    xa, ya = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if xa.size != ya.size:
        raise TopologyError(f"a measure has {xa.size} values but the target {ya.size}", "Give one per model")
    ok = np.isfinite(xa) & np.isfinite(ya)
    if ok.sum() < need:
        raise TopologyError.too_few("models with finite measure and target", int(ok.sum()), need)
    return xa[ok], ya[ok]


def linear_fit(x: Any, y: Any) -> tuple[float, float, float]:
    """Least-squares ``(slope, intercept, r2)`` of ``y ≈ intercept + slope · x``.

    >>> linear_fit([0, 1, 2], [1, 3, 5])
    (2.0, 1.0, 1.0)
    """
    xa, ya = _xy(x, y, need=2)
    xm, ym = xa.mean(), ya.mean()
    sxx = float(np.sum((xa - xm) ** 2))
    slope = float(np.sum((xa - xm) * (ya - ym)) / sxx) if sxx > 0 else 0.0
    intercept = float(ym - slope * xm)
    ss_tot = float(np.sum((ya - ym) ** 2))
    ss_res = float(np.sum((ya - intercept - slope * xa) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
    return round(slope, 12), round(intercept, 12), round(r2, 12)


def cv_r2(x: Any, y: Any, folds: int = 5, seed: int = 0) -> float:
    """Cross-validated R²: ``1 − Σ(y − ŷ_oof)² / Σ(y − ȳ)²`` with out-of-fold predictions from
    a linear fit on the other folds (leave-one-out when there are fewer models than folds).

    >>> cv_r2([0, 1, 2, 3, 4, 5], [1, 3, 5, 7, 9, 11], folds=3)
    1.0
    """
    xa, ya = _xy(x, y, need=4)
    n = xa.size
    k = min(folds, n)
    perm = np.random.default_rng(seed).permutation(n)
    pred = np.empty(n)
    for part in np.array_split(perm, k):
        train = np.setdiff1d(perm, part)
        slope, intercept, _ = linear_fit(xa[train], ya[train])
        pred[part] = intercept + slope * xa[part]
    ss_tot = float(np.sum((ya - ya.mean()) ** 2))
    return round(1.0 - float(np.sum((ya - pred) ** 2)) / ss_tot, 12) if ss_tot > 0 else 0.0


def kendall_tau(x: Any, y: Any) -> float:
    """Kendall's τ-b: (concordant − discordant) / √((n₀ − tₓ)(n₀ − t_y)) over all pairs.

    >>> kendall_tau([1, 2, 3, 4], [1, 3, 2, 4])
    0.6666666666666666
    >>> round(kendall_tau([1, 1, 2], [1, 2, 3]), 6)  # a tie in x: 2 / √(2·3)
    0.816497
    """
    xa, ya = _xy(x, y, need=2)
    i, j = np.triu_indices(xa.size, k=1)
    sx, sy = np.sign(xa[i] - xa[j]), np.sign(ya[i] - ya[j])
    n0 = i.size
    tx, ty = int(np.sum(sx == 0)), int(np.sum(sy == 0))
    denom = np.sqrt(float(n0 - tx) * float(n0 - ty))
    return float(np.sum(sx * sy) / denom) if denom > 0 else 0.0


def granulated_tau(x: Any, y: Any, hparams: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Jiang et al.'s granulated τ: for each hyperparameter h, the mean τ over the groups of
    models that agree on every other hyperparameter (groups with two or more distinct values
    of h only); ``"mean"`` is the average over the hyperparameters that had a group.

    >>> hp = [{"w": 1, "lr": 1}, {"w": 2, "lr": 1}, {"w": 3, "lr": 1}, {"w": 1, "lr": 2}]
    >>> g = granulated_tau([1, 2, 3, 5], [3, 2, 1, 0], hp)
    >>> g["w"], g["lr"], g["mean"]
    (-1.0, -1.0, -1.0)
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if len(hparams) != xa.size:
        raise TopologyError(
            f"{len(hparams)} hyperparameter records for {xa.size} models", "Give one record per model"
        )
    keys = sorted({k for h in hparams for k in h})
    out: dict[str, float] = {}
    for key in keys:
        groups: dict[tuple[Any, ...], list[int]] = {}
        for idx, h in enumerate(hparams):
            rest = tuple((k, repr(h.get(k))) for k in keys if k != key)
            groups.setdefault(rest, []).append(idx)
        taus = []
        for members in groups.values():
            vals = {repr(hparams[m].get(key)) for m in members}
            ok = [m for m in members if np.isfinite(xa[m]) and np.isfinite(ya[m])]
            if len(vals) >= 2 and len(ok) >= 2:
                taus.append(kendall_tau(xa[ok], ya[ok]))
        if taus:
            out[key] = float(np.mean(taus))
    out["mean"] = float(np.mean(list(out.values()))) if out else float("nan")
    return out


def permutation_pvalue(
    x: Any, y: Any, statistic: Callable[[np.ndarray, np.ndarray], float], n: int = 999, seed: int = 0
) -> float:
    """Two-sided permutation p-value: ``(1 + #{|s(x, π y)| ≥ |s(x, y)|}) / (n + 1)``.

    >>> permutation_pvalue(np.arange(30), np.arange(30), kendall_tau, n=99)
    0.01
    """
    xa, ya = _xy(x, y)
    rng = np.random.default_rng(seed)
    observed = abs(statistic(xa, ya))
    hits = sum(abs(statistic(xa, rng.permutation(ya))) >= observed - 1e-12 for _ in range(n))
    return (1 + hits) / (n + 1)


def _interval(
    xa: np.ndarray,
    ya: np.ndarray,
    statistic: Callable[[np.ndarray, np.ndarray], float],
    resamples: int,
    seed: int,
) -> tuple[float, float]:
    """The paired percentile bootstrap interval (:func:`catdyn.stats.bootstrap`) of ``statistic``
    over models resampled with replacement; resamples whose measure is constant are left out."""
    return bootstrap(
        statistic, xa, ya, resamples=resamples, seed=seed, skip=lambda idx: np.ptp(xa[idx]) == 0
    ).interval.as_tuple()


@dataclass(frozen=True)
class Measure:
    """Everything measured for one predictor against one target.

    >>> Measure("m", "gap", 10, -1.0, 0.0, 0.5, (0.2, 0.8), 0.3, -0.5, (-0.8, -0.1), 0.01, 0.02,
    ...         (-2.0, -0.5)).to_dict()["name"]
    'm'
    """

    name: str
    target: str
    n: int
    slope: float
    intercept: float
    r2: float
    r2_interval: tuple[float, float]
    cv_r2: float
    tau: float
    tau_interval: tuple[float, float]
    p_tau: float
    p_r2: float
    slope_interval: tuple[float, float]
    granulated: dict[str, float] = field(default_factory=dict)
    slope_stability: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _r2(a: np.ndarray, b: np.ndarray) -> float:
    return linear_fit(a, b)[2]


def _slope(a: np.ndarray, b: np.ndarray) -> float:
    return linear_fit(a, b)[0]


def assess(
    x: Any,
    y: Any,
    *,
    name: str,
    target: str = "gap",
    hparams: Sequence[Mapping[str, Any]] | None = None,
    folds: int = 5,
    resamples: int = 1000,
    permutations: int = 999,
    seed: int = 0,
) -> Measure:
    """Fit, cross-validate, rank-correlate, test and bootstrap one measure (see the module
    docstring)."""
    xa, ya = _xy(x, y, need=4)
    slope, intercept, r2 = linear_fit(xa, ya)
    gran = granulated_tau(x, y, hparams) if hparams is not None else {}
    return Measure(
        name=name,
        target=target,
        n=int(xa.size),
        slope=slope,
        intercept=intercept,
        r2=r2,
        r2_interval=_interval(xa, ya, _r2, resamples, seed),
        cv_r2=cv_r2(xa, ya, folds=folds, seed=seed),
        tau=kendall_tau(xa, ya),
        tau_interval=_interval(xa, ya, kendall_tau, resamples, seed + 1),
        p_tau=permutation_pvalue(xa, ya, kendall_tau, n=permutations, seed=seed + 2),
        p_r2=permutation_pvalue(xa, ya, _r2, n=permutations, seed=seed + 3),
        slope_interval=_interval(xa, ya, _slope, resamples, seed + 4),
        granulated=gran,
        slope_stability=sign_stability(
            _slope, xa, ya, resamples=resamples, seed=seed + 4, skip=lambda idx: np.ptp(xa[idx]) == 0
        ).to_dict(),
    )


def rank(measures: Sequence[Measure]) -> list[Measure]:
    """The measures ordered by |τ|, strongest first.

    >>> m = lambda n, t: Measure(n, "gap", 5, 0, 0, 0, (0, 0), 0, t, (0, 0), 1, 1, (0, 0))
    >>> [x.name for x in rank([m("a", 0.1), m("b", -0.9)])]
    ['b', 'a']
    """
    return sorted(measures, key=lambda m: -abs(m.tau) if np.isfinite(m.tau) else 0.0)


def claims(
    persistence: Measure, baselines: Sequence[Measure] = (), names: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The claims-table rows for the paper's "gap = −0.034 · total persistence + 0.12,
    R² = 0.82": the R² and the slope sign of the total-persistence measure, each with its
    interval and verdict (:mod:`catdyn.stats`), and the baselines' R² and τ beside them;
    ``names`` name the models (the rows with a finite measure and target) in the reason an
    unstable sign gives.

    >>> m = Measure("total_persistence", "gap", 12, -0.02, 0.1, 0.3, (0.1, 0.6), 0.1, -0.3, (-0.6, 0.0),
    ...             0.2, 0.1, (-0.05, 0.01))
    >>> [(r["claim"][:20], r["verdict"]) for r in claims(m)]
    [('R² of gap on total p', 'not reproduced'), ('slope of gap on tota', 'inconclusive')]
    """
    slope_verdict, why = _slope_verdict(persistence, names)
    rows = [
        {
            "claim": f"R² of {persistence.target} on total persistence",
            "paper": PAPER_R2,
            "measured": persistence.r2,
            "interval": list(persistence.r2_interval),
            "cv_r2": persistence.cv_r2,
            "p_value": persistence.p_r2,
            "n": persistence.n,
            "verdict": contains_verdict(persistence.r2_interval, PAPER_R2).value,
            "baselines": {b.name: {"r2": b.r2, "cv_r2": b.cv_r2, "tau": b.tau} for b in baselines},
        },
        {
            "claim": f"slope of {persistence.target} on total persistence is negative",
            "paper": PAPER_SLOPE,
            "measured": persistence.slope,
            "interval": list(persistence.slope_interval),
            "tau": persistence.tau,
            "p_value": persistence.p_tau,
            "n": persistence.n,
            "verdict": slope_verdict.value,
            "why": why,
            "sign_stability": persistence.slope_stability,
            "baselines": {b.name: {"slope": b.slope, "tau": b.tau, "p_tau": b.p_tau} for b in baselines},
        },
    ]
    return rows


def _slope_verdict(m: Measure, names: Sequence[str] | None = None) -> tuple[Any, str]:
    """The slope's sign verdict (negative claimed), inconclusive when its sign is not stable."""
    from catdyn.stats import SignStability, sign_verdict

    st = m.slope_stability
    if not st:
        return sign_verdict(m.slope_interval, -1), ""
    keys = ("sign", "n", "flips", "bootstrap_share", "draws", "level")
    stability = SignStability(**{k: (tuple(st[k]) if k == "flips" else st[k]) for k in keys})
    return stable_sign_verdict(m.slope_interval, stability, -1, names)
