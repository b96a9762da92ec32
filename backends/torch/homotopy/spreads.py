"""The bootstrap spreads: how alike the members of a class generalise, with stratified bootstrap
intervals (:func:`catdyn.stats.stratified_bootstrap`: models resampled within their classes,
the classes held fixed), and a permutation test of whether the classes explain accuracy at all.

* ``within``: the pooled within-class standard deviation of test accuracy over classes with at
  least two members (the paper: < 0.5 %);
* ``between``: the mean absolute difference of class mean accuracies over pairs of such classes
  (the paper: > 3 %);
* ``within_pairs`` / ``between_pairs``: the mean ``|acc_i − acc_j|`` over pairs of models in the
  same / different classes.

>>> import numpy as np
>>> s = measure_spreads(np.array([0.981, 0.979, 0.984, 0.942, 0.945, 0.940]), [0, 0, 0, 1, 1, 1], resamples=300)
>>> s.n_classes, s.class_sizes, round(s.between.value, 4)
(2, [3, 3], 0.039)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from catdyn.classes import between_spread, pair_spreads, permutation_test, within_spread
from catdyn.errors import HomotopyError
from catdyn.stats import Estimate, stratified_bootstrap


@dataclass(frozen=True)
class Spreads:
    """The spreads of test accuracy (fractions) by class with their intervals, the classes they
    rest on (``classes_used``: those with ≥ 2 members) and the permutation test's p."""

    within: Estimate
    between: Estimate
    within_pairs: Estimate
    between_pairs: Estimate
    n_classes: int
    class_sizes: list[int]
    classes_used: int
    p_value: float
    class_means: list[float] = field(default_factory=list)
    class_stds: list[float] = field(default_factory=list)


def measure_spreads(
    acc: Sequence[float] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    *,
    min_size: int = 2,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Spreads:
    """Every spread with its interval (see the module docstring); the permutation test uses
    ``min(resamples, 2000)`` relabellings."""
    a = np.asarray(acc, dtype=np.float64)
    lab = np.asarray(labels)
    if a.shape != lab.shape:
        raise HomotopyError.bad_option("labels", lab.shape, f"one label per accuracy ({a.shape[0]})")
    classes = np.unique(lab)
    sizes = [int(np.sum(lab == c)) for c in classes]

    def boot(stat: Callable[[np.ndarray, np.ndarray], float]) -> Estimate:
        return stratified_bootstrap(stat, a, lab, resamples=resamples, level=level, seed=seed)

    return Spreads(
        within=boot(lambda x, y: within_spread(x, y, min_size)),
        between=boot(lambda x, y: between_spread(x, y, min_size)),
        within_pairs=boot(lambda x, y: pair_spreads(x, y)[0]),
        between_pairs=boot(lambda x, y: pair_spreads(x, y)[1]),
        n_classes=len(classes),
        class_sizes=sizes,
        classes_used=sum(s >= min_size for s in sizes),
        p_value=permutation_test(a, lab, permutations=min(resamples, 2000), seed=seed),
        class_means=[float(a[lab == c].mean()) for c in classes],
        class_stds=[
            float(a[lab == c].std(ddof=1)) if np.sum(lab == c) > 1 else float("nan") for c in classes
        ],
    )
