"""Class counts at merge heights: ``H0Persistence.n_classes(c)`` agrees with ``classes_at(c)``
and with a brute-force component count, exactly at every merge height and on either side.

Every homotopy report reads the count at merge heights (its stable intervals start at one), so
a ``<`` for ``≤`` in either function shows up there and nowhere else: on the module docstring's
double well, ``n_classes(0.1)`` would say 4 where there are 2 classes.
"""

from __future__ import annotations

import numpy as np
import pytest
from component_reference import brute_force_count
from hypothesis import given
from hypothesis import strategies as st

from catdyn.classes import classes_at, h0_persistence


def _double_well() -> np.ndarray:
    b = np.full((5, 5), 2.0)
    b[:3, :3] = 0.1
    b[3:, 3:] = 0.05
    np.fill_diagonal(b, 0.0)
    return b


def _assert_counts_agree(b: np.ndarray) -> None:
    p = h0_persistence(b)
    for c in sorted(set(p.deaths.tolist())):
        for level in (np.nextafter(c, -np.inf), c, np.nextafter(c, np.inf)):
            expected = brute_force_count(b, level)
            assert len(set(classes_at(b, level).tolist())) == expected, level
            assert p.n_classes(level) == expected, level
        # the stable interval around a merge height starts at it, and the count holds across it
        lo, hi = p.stable_range(c)
        assert lo == c and hi > c
        assert p.n_classes(lo) == p.n_classes(np.nextafter(hi, -np.inf))


def test_the_docstring_double_well_at_its_merge_heights() -> None:
    b = _double_well()
    p = h0_persistence(b)
    assert [p.n_classes(c) for c in (0.05, 0.1, 2.0)] == [4, 2, 1]
    assert [len(set(classes_at(b, c).tolist())) for c in (0.05, 0.1, 2.0)] == [4, 2, 1]
    assert p.n_classes(np.nextafter(0.05, 0)) == 5 and p.n_classes(np.nextafter(0.1, 0)) == 4
    _assert_counts_agree(b)


@pytest.mark.parametrize("seed", range(6))
def test_random_matrices_with_ties_and_negative_barriers(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    # few distinct levels, so that several edges share a merge height
    upper = rng.choice(np.array([-0.2, 0.0, 0.1, 0.3, 0.3, 0.7, 1.5]), size=(n, n))
    b = np.triu(upper, 1)
    b = b + b.T
    _assert_counts_agree(b)


@given(
    st.integers(2, 9).flatmap(
        lambda n: st.lists(
            st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0]), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2
        ).map(lambda v: (n, v))
    )
)
def test_any_matrix_at_every_merge_height(case) -> None:
    n, values = case
    b = np.zeros((n, n))
    b[np.triu_indices(n, 1)] = values
    _assert_counts_agree(b + b.T)
