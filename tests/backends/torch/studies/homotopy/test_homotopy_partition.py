"""Classes and their H0 persistence against a brute-force union-find and a scan over levels."""

import numpy as np
import pytest

from catdyn.backends.torch.studies.homotopy.partition import SENSITIVITY_CRITERIA, classes_of


def _components(b: np.ndarray, c: float) -> list[int]:
    n = len(b)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(n):
        for j in range(n):
            if i != j and b[i, j] <= c:
                parent[find(i)] = find(j)
    first: dict[int, int] = {}
    return [first.setdefault(find(i), len(first)) for i in range(n)]


def _random_barriers(seed: int, n: int = 8) -> np.ndarray:
    b = np.random.default_rng(seed).uniform(0, 1, (n, n))
    return np.triu(b, 1) + np.triu(b, 1).T


@pytest.mark.parametrize("seed", range(5))
def test_classes_are_the_components_and_the_count_interval_brackets_the_range(seed: int) -> None:
    b = _random_barriers(seed)
    k = classes_of(b, 0.3)
    assert k.labels.tolist() == _components(b, 0.3)
    assert k.count == len(set(_components(b, 0.3)))
    lo, hi = k.stable_range
    levels = np.linspace(0, 1.2, 2401)
    same = [c for c in levels if len(set(_components(b, c))) == k.count]
    assert lo <= min(same) and max(same) < hi  # the scan finds the count only inside [lo, hi)
    above, below = k.count_interval
    assert above == len(set(_components(b, hi)))
    assert below == (len(set(_components(b, np.nextafter(lo, -np.inf)))) if lo > 0 else len(b))


def test_order_puts_the_largest_class_first_then_accuracy() -> None:
    b = np.full((5, 5), 1.0)
    b[np.ix_([1, 3, 4], [1, 3, 4])] = 0.01
    np.fill_diagonal(b, 0.0)
    k = classes_of(b, 0.1)
    acc = np.array([0.5, 0.7, 0.9, 0.8, 0.6])
    assert k.order(acc).tolist() == [3, 1, 4, 0, 2]


def test_levels_run_past_the_last_merge() -> None:
    k = classes_of(_random_barriers(1, 5), 0.3)
    levels = k.levels()
    assert levels[0] == 0.0 and levels[-1] > k.persistence.deaths.max()
    assert [k.persistence.n_classes(c) for c in levels][-1] == 1


def test_sensitivity_table_covers_every_criterion_and_level(members) -> None:
    from catdyn.backends.torch.studies.homotopy.barriers import Criterion, measure_barriers
    from catdyn.backends.torch.studies.homotopy.members import member_accuracy
    from catdyn.backends.torch.studies.homotopy.partition import sensitivity

    bm = measure_barriers(members, points=3, seed=0)
    crit = Criterion(0.1)
    planted = np.zeros((members.n, members.n))  # the primary criterion's matrix is the one given
    rows = sensitivity(bm, planted, crit, member_accuracy(members))
    assert len(rows) == len(SENSITIVITY_CRITERIA) * 4
    primary = [r for r in rows if (r["definition"], r["metric"]) == ("line-endpoint", "loss (train)")]
    assert all(r["classes"] == 1 for r in primary)
