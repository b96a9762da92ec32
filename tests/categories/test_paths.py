"""Path: strict category laws (==, in floating point), concatenation against a reference,
evaluation against numpy's interpolation, and the errors."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catdyn.categories.paths import DiscretePath, Path, Point, point_name
from catdyn.errors import CompositionError, DataError, ShapeError

# --- category laws, strictly ------------------------------------------------------------


@given(Path.composable(3))
def test_composition_is_strictly_associative(chain):
    f, g, h = chain
    left, right = (f >> g) >> h, f >> (g >> h)
    assert left == right
    assert np.array_equal(left.times, right.times)


@given(Path.composable(1))
def test_identities_are_strict_units(chain):
    (f,) = chain
    assert Path.identity(f.dom) >> f == f
    assert f >> Path.identity(f.cod) == f
    assert Path.identity(f.dom).duration == 0.0 and len(Path.identity(f.dom).points) == 1


def test_associativity_survives_durations_whose_sums_round_differently():
    # shifting absolute times would not be associative here, which is why steps are stored
    assert (0.3 + 0.2) + 0.1 != 0.3 + (0.2 + 0.1)
    a, b, c, d = (Path.point([float(i)]) for i in range(4))
    f = Path.path([[0.0], [1.0]], times=[0, 0.3], dom=a, cod=b)
    g = Path.path([[1.0], [2.0]], times=[0, 0.2], dom=b, cod=c)
    h = Path.path([[2.0], [3.0]], times=[0, 0.1], dom=c, cod=d)
    assert (f >> g) >> h == f >> (g >> h)


@given(Path.composable(2))
def test_composition_concatenates_points_and_shifts_times(chain):
    f, g = chain
    fg = f >> g
    assert fg.dom == f.dom and fg.cod == g.cod
    assert np.array_equal(fg.points, np.vstack([f.points, g.points[1:]]))
    expected_times = np.concatenate([f.times, g.times[1:] + f.duration])
    assert np.allclose(fg.times, expected_times, rtol=0, atol=1e-12)
    assert fg.duration == pytest.approx(f.duration + g.duration, abs=1e-12)
    assert fg.length == pytest.approx(f.length + g.length)


@given(Path.composable(2), st.floats(0, 1))
def test_composite_runs_the_first_path_then_the_second(chain, s):
    f, g = chain
    fg = f >> g
    t = s * fg.duration
    if t < f.duration:
        assert np.allclose(fg.at(t), f.at(t), atol=1e-9)
    elif t > f.duration:
        assert np.allclose(fg.at(t), g.at(t - f.duration), atol=1e-9)


# --- evaluation and measures against independent references ----------------------------


@given(
    st.integers(1, 3).flatmap(
        lambda n: st.lists(st.lists(st.floats(-5, 5), min_size=n, max_size=n), min_size=2, max_size=6)
    ),
    st.data(),
)
def test_at_agrees_with_numpy_interpolation(points, data):
    k = len(points)
    steps = data.draw(st.lists(st.floats(0.1, 3.0), min_size=k - 1, max_size=k - 1))
    times = np.concatenate([[0.0], np.cumsum(steps)])
    gamma = Path.path(points, times=times)
    t = data.draw(st.floats(-1.0, float(times[-1]) + 1.0))
    pts = np.array(points)
    expected = [np.interp(t, gamma.times, pts[:, j]) for j in range(pts.shape[1])]
    assert np.allclose(gamma.at(t), expected, atol=1e-9)


def test_at_takes_the_later_sample_at_a_jump_and_clamps():
    gamma = Path.path([[0.0], [1.0], [5.0], [6.0]], times=[0, 1, 1, 2])
    assert gamma.at(1.0).tolist() == [5.0]
    assert gamma.at(0.5).tolist() == [0.5]
    assert gamma.at(1.5).tolist() == [5.5]
    assert gamma.at(-3).tolist() == [0.0] and gamma.at(10).tolist() == [6.0]
    assert Path.identity(Path.point([2.0, 3.0])).at(0.7).tolist() == [2.0, 3.0]


@given(st.lists(st.lists(st.integers(-3, 3), min_size=2, max_size=2), min_size=1, max_size=6))
def test_length_is_the_sum_of_segment_lengths(points):
    gamma = Path.path(points)
    assert gamma.length == pytest.approx(sum(math.dist(p, q) for p, q in itertools.pairwise(points)))
    assert gamma.times.tolist() == list(range(len(points)))  # the default times


# --- objects, names, immutability -------------------------------------------------------


def test_unnamed_points_are_named_by_their_coordinates():
    assert Point([1.0, 2.0]) == Point([1.0, 2.0]) == Path.point(np.array([1, 2]))
    assert Point([1.0, 2.0]).name == point_name(np.array([1.0, 2.0]))
    assert Point([1.0, 2.0]) != Point([2.0, 1.0])
    assert Point([1.0, 2.0]).name != Point([2.0, 1.0]).name
    assert Point([0.0]) == Point([-0.0])
    assert Point([1.0]) != Point([1.0, 0.0])
    assert Path.point([1.0], name="θ0") != Point([1.0])  # named points are nominal


def test_trajectories_that_meet_at_an_unnamed_point_compose():
    run1 = Path.path(np.array([[0.0, 0.0], [0.5, 0.1], [1.0, 0.2]]), name="run1")
    run2 = Path.path(np.array([[1.0, 0.2], [1.5, 0.0]]), name="run2")
    both = run1 >> run2
    assert both.name == "run1 >> run2" and both.duration == 3.0


def test_paths_are_immutable_and_own_their_data():
    raw = np.array([[0.0], [1.0]])
    gamma = Path.path(raw)
    raw[1, 0] = 7.0
    assert gamma.points[1, 0] == 1.0 and gamma.cod.coords[0] == 1.0
    for arr in (gamma.points, gamma.steps, gamma.dom.coords):
        with pytest.raises(ValueError):
            arr[0] = 3.0
    with pytest.raises(AttributeError):
        gamma.points = raw


def test_equal_paths_hash_alike():
    f = Path.path([[0.0, 1.0], [2.0, 3.0]], name="f")
    g = Path.path([[0.0, 1.0], [2.0, 3.0]], name="g")
    assert f == g and hash(f) == hash(g)
    assert f != Path.path([[0.0, 1.0], [2.0, 3.0]], times=[0, 2])


# --- errors: each names the things involved ----------------------------------------------


def test_composing_paths_that_do_not_meet_names_both_paths_and_points():
    a, b, c = Path.point([0.0], name="a"), Path.point([1.0], name="b"), Path.point([2.0], name="c")
    f = Path.path([[0.0], [1.0]], dom=a, cod=b, name="f")
    g = Path.path([[2.0], [0.0]], dom=c, cod=a, name="g")
    with pytest.raises(CompositionError) as err:
        f >> g
    msg = str(err.value)
    assert "f >> g" in msg and "f: a → b" in msg and "g: c → a" in msg


def test_points_of_the_wrong_shape_name_the_path():
    a = Path.point([0.0, 0.0, 0.0], name="start")
    with pytest.raises(ShapeError) as err:
        DiscretePath("walk", a, a, np.zeros((2, 2)), [1.0])
    assert "walk" in str(err.value) and "start" in str(err.value) and "(2, 2)" in str(err.value)
    with pytest.raises(ShapeError, match="walk"):
        Path.path([[0.0], [1.0]], times=[0, 1, 2], name="walk")
    with pytest.raises(ShapeError, match="walk"):
        DiscretePath("walk", a, a, np.zeros((2, 3)), [1.0, 1.0])
    with pytest.raises(ShapeError, match="flat vector"):
        Path.point([[1.0, 2.0]])


def test_times_that_run_backwards_or_do_not_start_at_zero_are_refused():
    with pytest.raises(DataError, match=r"walk.*decrease between points 1 and 2"):
        Path.path([[0.0], [1.0], [2.0]], times=[0, 2, 1], name="walk")
    with pytest.raises(DataError, match=r"walk.*start at 0.5"):
        Path.path([[0.0], [1.0]], times=[0.5, 1], name="walk")


def test_a_path_whose_ends_are_not_its_objects_names_the_point():
    home = Path.point([0.0, 1.0], name="home")
    with pytest.raises(DataError) as err:
        Path.path([[0.0, 0.0], [1.0, 1.0]], dom=home, name="walk")
    msg = str(err.value)
    assert "walk starts at [0.0, 0.0]" in msg and "home is [0.0, 1.0]" in msg
    with pytest.raises(DataError, match=r"walk ends at \[1.0, 1.0\].*home"):
        Path.path([[0.0, 1.0], [1.0, 1.0]], cod=home, name="walk")


def test_non_finite_points_are_refused():
    with pytest.raises(DataError, match=r"diverged.*non-finite"):
        Path.path([[0.0], [float("nan")]], name="diverged")
    with pytest.raises(DataError, match="non-finite"):
        Path.point([float("inf")])
