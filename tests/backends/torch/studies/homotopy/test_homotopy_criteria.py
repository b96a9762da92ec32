"""The class criteria against explicit loops over pairs and grid points, and the measured paths
against the barrier matrix they come from."""

import math

import numpy as np
import pytest

from catdyn.backends.torch.studies.homotopy.criteria import DEFINITIONS, levels, path_barriers
from catdyn.backends.torch.studies.homotopy.values import PathProfiles


def _barrier_by_loops(v: list[float], alphas: list[float], definition: str) -> float:
    """One path's barrier, point by point (the reference)."""
    first, last = v[0], v[-1]
    if definition == "sublevel":
        return max(v)
    if definition == "mean-endpoint":
        return max(v) - (first + last) / 2
    rise = max(x - ((1 - a) * first + a * last) for x, a in zip(v, alphas))
    return rise if definition == "line-endpoint" else rise / max((first + last) / 2, 1e-12)


def _random_paths(seed: int, n: int = 5, points: int = 7, curves: int = 2) -> PathProfiles:
    rng = np.random.default_rng(seed)
    pairs = [[i, j] for i in range(n) for j in range(i + 1, n)]
    own = rng.uniform(0.01, 1.0, n)
    alphas = np.linspace(0, 1, points)
    lines = rng.uniform(0, 2, (len(pairs), points))
    for p, (i, j) in enumerate(pairs):
        lines[p, 0], lines[p, -1] = own[i], own[j]
    curve = {}
    for p in rng.choice(len(pairs), curves, replace=False):
        i, j = pairs[p]
        prof = rng.uniform(0, 1, points)
        prof[0], prof[-1] = own[i], own[j]
        curve[f"{i}-{j}"] = {"loss/train": prof}
    return PathProfiles(alphas, pairs, {"loss/train": lines}, list(range(n)), n, curves=curve)


@pytest.mark.parametrize("definition", DEFINITIONS)
@pytest.mark.parametrize("seed", range(3))
def test_levels_are_the_lowest_barrier_over_the_paths_measured(definition: str, seed: int) -> None:
    paths = _random_paths(seed)
    lev = levels(paths, definition)
    al = paths.alphas.tolist()
    for p, (i, j) in enumerate(paths.pairs):
        want = _barrier_by_loops(paths.lines["loss/train"][p].tolist(), al, definition)
        if f"{i}-{j}" in paths.curves:
            want = min(want, _barrier_by_loops(paths.curves[f"{i}-{j}"]["loss/train"].tolist(), al, definition))
        assert lev.matrix[i, j] == pytest.approx(want, abs=1e-12) and lev.matrix[j, i] == lev.matrix[i, j]
        assert lev.own[i] == paths.lines["loss/train"][p][0] and lev.own[j] == paths.lines["loss/train"][p][-1]
    assert np.all(np.diag(lev.matrix) == 0)


def test_line_and_mean_endpoint_agree_with_the_interpolation_module() -> None:
    from catdyn.backends.torch.paths.interpolation import barrier

    v = np.random.default_rng(0).uniform(0, 1, (10, 9))
    al = np.linspace(0, 1, 9)
    for d in ("line-endpoint", "mean-endpoint"):
        np.testing.assert_allclose(path_barriers(v, al, d), barrier(v, al, d), atol=1e-12)


def test_only_the_sublevel_criterion_leaves_members_out() -> None:
    paths = _random_paths(1)
    for d in DEFINITIONS:
        keep = levels(paths, d).converged(0.3)
        own = levels(paths, d).own
        assert keep.tolist() == ([bool(x <= 0.3) for x in own] if d == "sublevel" else [True] * paths.n)


def test_a_relative_barrier_is_scale_free_and_an_unknown_criterion_refused() -> None:
    v = np.array([[0.1, 0.4, 0.2]])
    al = np.array([0.0, 0.5, 1.0])
    assert path_barriers(10 * v, al, "relative")[0] == pytest.approx(path_barriers(v, al, "relative")[0])
    assert math.isclose(path_barriers(v, al, "relative")[0], 0.25 / 0.15)
    with pytest.raises(ValueError, match="unknown class criterion"):
        path_barriers(v, al, "sideways")


def test_measured_paths_are_the_barrier_matrix_profiles(members) -> None:
    from catdyn.backends.torch.paths.barrier_matrix import all_pairs, barrier_matrix
    from catdyn.backends.torch.studies.homotopy.barriers import measure_paths

    paths = measure_paths(members, points=4, seed=0)
    bm = barrier_matrix(members.net, members.stacked, members.splits, points=4, alignment="weight", seed=0)
    assert [tuple(p) for p in paths.pairs] == all_pairs(members.n) and paths.members == list(members.members)
    for (m, s), v in bm.profiles.items():
        np.testing.assert_array_equal(paths.lines[f"{m}/{s}"], np.asarray(v, dtype=np.float64))
    for d in ("line-endpoint", "mean-endpoint"):
        np.testing.assert_allclose(levels(paths, d, "error", "test").matrix, bm.matrix("error", "test", d), atol=1e-12)
    assert len(paths.permutations) == len(members.net.symmetry.groups)
