"""measure_spreads against catdyn.classes.spread_claims (the same draws) and brute-force spreads."""

import numpy as np
import pytest

from catdyn.backends.torch.homotopy.spreads import measure_spreads
from catdyn.classes import spread_claims


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spreads_equal_the_classes_module(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=10)
    acc = rng.uniform(0.8, 1.0, size=10)
    mine = measure_spreads(acc, labels, resamples=120, seed=seed)
    ref = spread_claims(acc, labels, resamples=120, seed=seed)
    for name in ("within", "between", "within_pairs", "between_pairs"):
        a, b = getattr(mine, name), getattr(ref, name)
        assert (a.value, a.low, a.high, a.resamples) == pytest.approx(
            (b.value, b.low, b.high, b.resamples), nan_ok=True, rel=0, abs=0
        )
    assert (mine.n_classes, mine.class_sizes, mine.classes_used) == (
        ref.n_classes,
        ref.class_sizes,
        ref.classes_used,
    )
    assert mine.p_value == pytest.approx(ref.p_value, nan_ok=True)
    assert mine.class_means == ref.class_means


def test_point_spreads_by_brute_force() -> None:
    acc = np.array([0.90, 0.92, 0.80, 0.84, 0.70])
    labels = np.array([0, 0, 1, 1, 2])
    s = measure_spreads(acc, labels, resamples=10)
    pooled = np.sqrt(((0.90 - 0.91) ** 2 + (0.92 - 0.91) ** 2 + (0.80 - 0.82) ** 2 + (0.84 - 0.82) ** 2) / 2)
    assert s.within.value == pytest.approx(pooled)
    assert s.between.value == pytest.approx(0.09)  # one pair of classes with ≥ 2 members: |0.91 − 0.82|
    same = [abs(acc[i] - acc[j]) for i in range(5) for j in range(i + 1, 5) if labels[i] == labels[j]]
    assert s.within_pairs.value == pytest.approx(np.mean(same))
    assert s.classes_used == 2 and s.n_classes == 3


def test_labels_must_match_accuracies() -> None:
    from catdyn.errors import HomotopyError

    with pytest.raises(HomotopyError, match="labels"):
        measure_spreads([0.1, 0.2], [0, 0, 1])
