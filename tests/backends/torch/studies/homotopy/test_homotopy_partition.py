"""Classes (a coequaliser in FinSet) and their H0 persistence against a brute-force union-find and a
scan over levels."""

import numpy as np
import pytest

from catdyn.backends.torch.studies.homotopy.partition import classes_of, finset_classes


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


@pytest.mark.parametrize("seed", range(6))
def test_finset_classes_are_the_components_among_the_members_kept(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 10))
    b = _random_barriers(seed, n)
    keep = rng.uniform(size=n) < 0.7
    kept = np.flatnonzero(keep)
    want: list = [None] * n
    for row, label in zip(kept, _components(b[np.ix_(kept, kept)], 0.4)):
        want[row] = label
    assert finset_classes(b, 0.4, keep) == want
    assert finset_classes(b, 0.4) == _components(b, 0.4)


def test_finset_classes_go_through_the_categorys_coequaliser(monkeypatch) -> None:
    """The classes are what FinSet's colimit computes: a planted wrong colimit shows up in them."""
    from catdyn.categories.finset import FinSetCategory

    b = _random_barriers(0, 6)
    real = FinSetCategory.colimit

    def merged(self, diagram, kind="colimit"):  # a wrong coequaliser: everything in one class
        out = real(self, diagram, kind)
        for leg in out.legs.values():
            object.__setattr__(leg, "table", np.zeros_like(leg.table))
        return out

    monkeypatch.setattr(FinSetCategory, "colimit", merged)
    assert finset_classes(b, 0.01) == [0] * 6 != _components(b, 0.01)
