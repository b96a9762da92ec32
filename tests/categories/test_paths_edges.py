"""Path at its edges: data that are not numbers (points, paths, times), non-finite steps and
times, the one-point path, steps that decrease at the first point, the wording of end and
shape errors, ``at`` on identities and pauses against a hand computation, and what the
strategies draw (grid points, 1 to 4 segments, the listed durations, one dimension per
chain)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from strategy_draws import draws

from catdyn.categories.paths import DiscretePath, Path, Point, point_name
from catdyn.errors import DataError


def test_data_that_are_not_numbers_name_their_owner():
    with pytest.raises(DataError, match=r"point home has coordinates \['a'\] that are not numbers"):
        Path.point(["a"], name="home")
    with pytest.raises(DataError, match=r"point \(unnamed\) has coordinates"):
        Point(["a"])
    with pytest.raises(DataError, match=r"point \(unnamed\) has 1 non-finite"):
        Point([0.0, float("nan")])
    with pytest.raises(DataError, match=r"point \(unnamed\) has shape \(\)"):
        Point(1.0)
    with pytest.raises(DataError, match=r"path walk has points that do not form a \(k, n\) array"):
        Path.path([[0.0], [1.0, 2.0]], name="walk")
    with pytest.raises(DataError, match=r"path walk has times that are not numbers"):
        Path.path([[0.0], [1.0]], times=["x", "y"], name="walk")
    a = Path.point([0.0])
    with pytest.raises(DataError, match=r"path walk has points or steps that are not arrays of numbers"):
        DiscretePath("walk", a, a, [["x"]], [])


def test_path_shapes_refused_with_what_they_need():
    with pytest.raises(
        DataError, match=r"path walk has shape \(0,\) but a path needs points of shape \(k ≥ 1, n\)"
    ):
        Path.path([], name="walk")
    with pytest.raises(DataError, match=r"path walk has shape \(3,\)"):
        Path.path([0.0, 1.0, 2.0], name="walk")
    with pytest.raises(DataError, match=r"its 2 points need 2 times"):
        Path.path([[0.0], [1.0]], times=[0.0], name="walk")
    a = Path.point([0.0], name="a")
    with pytest.raises(DataError, match=r"path walk has shape \(0, 1\).*from a \(a point of ℝ\^1\)"):
        DiscretePath("walk", a, a, np.zeros((0, 1)), [])
    with pytest.raises(DataError, match=r"its 2 points need 1 step durations \(or 2 times\)"):
        DiscretePath("walk", a, a, [[0.0], [0.0]], [1.0, 1.0])


def test_non_finite_times_and_steps_are_counted():
    with pytest.raises(DataError, match=r"times of path walk has 2 non-finite"):
        Path.path([[0.0], [1.0], [2.0]], times=[0.0, float("inf"), float("nan")], name="walk")
    a, b = Path.point([0.0]), Path.point([1.0])
    with pytest.raises(DataError, match=r"steps of path walk has 1 non-finite"):
        DiscretePath("walk", a, b, [[0.0], [1.0]], [float("nan")])
    with pytest.raises(DataError, match=r"points of path walk has 1 non-finite"):
        DiscretePath("walk", a, b, [[0.0], [float("inf")], [1.0]], [1.0, 1.0])


def test_a_decrease_at_the_first_step_is_named():
    with pytest.raises(DataError, match=r"walk has times that decrease between points 0 and 1 \(step -1\)"):
        DiscretePath("walk", Point([0.0]), Point([1.0]), [[0.0], [1.0]], [-1.0])
    # a pause (a zero step) is allowed, and so is starting exactly at 0.0 or -0.0
    assert Path.path([[0.0], [0.0], [1.0]], times=[-0.0, 0.0, 1.0]).steps.tolist() == [0.0, 1.0]


def test_end_errors_say_domain_or_codomain():
    home = Path.point([5.0], name="home")
    with pytest.raises(DataError, match=r"walk starts at \[0.0\] but its domain home is \[5.0\]"):
        Path.path([[0.0], [5.0]], dom=home, name="walk")
    with pytest.raises(DataError, match=r"walk ends at \[0.0\] but its codomain home is \[5.0\]"):
        Path.path([[5.0], [0.0]], cod=home, name="walk")


def test_the_one_point_path_is_an_identity():
    p = Path.point([1.0, 2.0], name="p")
    gamma = Path.path([[1.0, 2.0]], dom=p, cod=p)
    assert gamma.steps.shape == (0,) and gamma.duration == 0.0 and gamma.length == 0.0
    assert gamma == Path.identity(p) and gamma.times.tolist() == [0.0]
    i = Path.identity(p)
    assert i.name == "id_p" and i.points.tolist() == [[1.0, 2.0]]
    for t in (-1.0, 0.0, 3.0):
        assert i.at(t).tolist() == [1.0, 2.0]
    with pytest.raises(DataError):
        Path.path([[1.0, 2.0]], times=[1.0])


def test_at_by_hand_with_a_pause_and_uneven_steps():
    gamma = Path.path([[0.0, 0.0], [2.0, 0.0], [2.0, 0.0], [2.0, 4.0]], times=[0.0, 1.0, 3.0, 7.0])
    assert gamma.duration == 7.0 and gamma.length == 6.0
    cases = {
        0.0: [0.0, 0.0],
        0.25: [0.5, 0.0],
        1.0: [2.0, 0.0],
        2.0: [2.0, 0.0],
        3.0: [2.0, 0.0],
        4.0: [2.0, 1.0],
        6.0: [2.0, 3.0],
        7.0: [2.0, 4.0],
        8.0: [2.0, 4.0],
        -3.0: [0.0, 0.0],
    }
    for t, want in cases.items():
        assert np.allclose(gamma.at(t), want), t
    out = gamma.at(7.0)
    assert out.flags.writeable  # a copy, not the stored point
    ramp = Path.path([[0.0], [10.0]], times=[0.0, 4.0])
    for t in np.linspace(0.0, 4.0, 9):
        assert ramp.at(t)[0] == pytest.approx(2.5 * t)


def test_point_dimension_and_names_by_hash():
    assert Path.point([1.0, 2.0, 3.0]).dim == 3 and Path.point([]).dim == 0
    assert point_name(np.array([1.0, 2.0])) != point_name(np.array([[1.0, 2.0]]))  # the shape is hashed too
    assert point_name(np.array([0.0])) == point_name(np.array([-0.0]))
    name = point_name(np.array([3.0]))
    assert name.startswith("p") and len(name) == 9 and int(name[1:], 16) >= 0
    assert Point([1.0], name="x") != Point([2.0], name="x")  # same name, other coordinates


def test_object_strategy_draws_grid_points_of_the_dimension():
    points = draws(Path.objects(dim=3, grid=1), 150)
    coords = {tuple(p.coords.tolist()) for p in points}
    assert all(p.dim == 3 for p in points)
    assert all(set(c) <= {-1.0, 0.0, 1.0} for c in coords)
    assert {-1.0, 1.0} <= {x for c in coords for x in c}


def test_morphism_strategy_draws_paths_of_one_to_four_segments():
    a, b = Path.point([0.0, 0.0]), Path.point([1.0, -1.0])
    paths = draws(Path.morphisms(a, b, grid=1), 120)
    assert {len(g.steps) for g in paths} == {1, 2, 3, 4}
    allowed = {0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0}
    assert {float(s) for g in paths for s in g.steps} == allowed
    for g in paths:
        assert g.dom == a and g.cod == b
        assert np.all(np.abs(g.points) <= 1.0)
    from hypothesis.errors import Unsatisfiable

    with pytest.raises(Unsatisfiable):
        draws(Path.morphisms(a, Path.point([0.0])), 5)


def test_composable_chains_stay_in_one_dimension_of_one_to_three():
    chains = draws(Path.composable(2), 50)
    dims = set()
    for f, g in chains:
        assert f.cod == g.dom and f.dom.dim == g.cod.dim
        dims.add(f.dom.dim)
        composite = f >> g
        assert composite.duration == pytest.approx(f.duration + g.duration)
    assert dims == {1, 2, 3}


@given(Path.composable(2))
@settings(max_examples=40, deadline=None, derandomize=True, database=None)
def test_composite_length_is_the_sum_of_lengths(chain):
    f, g = chain
    assert (f >> g).length == pytest.approx(f.length + g.length)
    assert ((f >> g).points.shape[0]) == f.points.shape[0] + g.points.shape[0] - 1


def test_default_strategies_use_the_plane_and_the_grid_of_radius_two():
    points = draws(Path.objects(), 150)
    assert {p.dim for p in points} == {2}
    values = {x for p in points for x in p.coords.tolist()}
    assert values == {-2.0, -1.0, 0.0, 1.0, 2.0}
    a, b = Path.point([0.0]), Path.point([0.0])
    inner = {float(x) for g in draws(Path.morphisms(a, b), 150) for x in g.points[1:-1].ravel()}
    assert inner == {-2.0, -1.0, 0.0, 1.0, 2.0}


def test_the_first_decrease_is_named_after_pauses_and_short_steps():
    """The error names the first *negative* step, not the first short (< 1) or zero one."""
    with pytest.raises(DataError, match=r"decrease between points 1 and 2 \(step -0.25\)"):
        Path.path([[0.0], [1.0], [2.0]], times=[0.0, 0.5, 0.25], name="walk")
    with pytest.raises(DataError, match=r"decrease between points 2 and 3 \(step -1\)"):
        Path.path([[0.0], [1.0], [2.0], [3.0]], times=[0.0, 0.0, 0.0, -1.0], name="walk")
