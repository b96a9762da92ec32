"""``BarrierMatrix.to_arrays`` (the npz form): ``alphas``, ``pairs`` as a ``(P, 2)`` int64 array
in the matrix's order, and one ``metric/split`` array per profile, for no pair, one pair and
several; the arrays are the matrix's own values."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix


@pytest.mark.parametrize("pairs", [[], [(2, 0)], [(0, 1), (3, 1), (1, 2)]], ids=["none", "one", "three"])
def test_to_arrays_holds_the_grid_the_pairs_in_order_and_every_profile(pairs: list[tuple[int, int]]) -> None:
    rng = np.random.default_rng(len(pairs))
    alphas = np.linspace(0.0, 1.0, 4)
    profiles = {(m, s): rng.random((len(pairs), alphas.size)) for m in ("loss", "error") for s in ("train", "test")}
    bm = BarrierMatrix(4, alphas, pairs, profiles)
    out = bm.to_arrays()
    assert sorted(out) == sorted(["alphas", "pairs", *(f"{m}/{s}" for m, s in profiles)])
    assert np.array_equal(out["alphas"], alphas)
    assert out["pairs"].dtype == np.int64 and out["pairs"].shape == (len(pairs), 2)
    assert [tuple(int(v) for v in row) for row in out["pairs"]] == pairs
    for (m, s), values in profiles.items():
        assert np.array_equal(out[f"{m}/{s}"], values), (m, s)
