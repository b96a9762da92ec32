"""measure_spreads against brute-force spreads."""

import numpy as np
import pytest

from catdyn.backends.torch.studies.homotopy.spreads import measure_spreads


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
