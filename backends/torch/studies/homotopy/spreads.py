"""The bootstrap spreads (one implementation, :func:`catdyn.classes.spread_claims`, named here as
the homotopy study's step): how alike the members of a class generalise, with stratified bootstrap
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

from catdyn.classes import SpreadClaims as Spreads
from catdyn.classes import spread_claims as measure_spreads

__all__ = ["Spreads", "measure_spreads"]
