"""Mat at its edges: the zero space and maps into it, dimensions that are not integers, every
kind of entry MatQ reads or refuses (with its position), MatR's reading of sympy data and
bad entries, comparisons of maps with other ends, kernels of empty matrices, the matrix
kinds the checker reports (against ranks computed independently here), and what the
morphism strategies draw (low ranks, projections, scalar and Jordan blocks)."""

from __future__ import annotations

import itertools
import numbers
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from strategy_draws import draws as drawn

from catdyn import Cone, Cospan
from catdyn.categories import mat
from catdyn.categories.mat import MatQ, MatR, MatRCategory, VectorSpace
from catdyn.errors import DataError, ShapeError

CATS = pytest.mark.parametrize("cat", [MatQ, MatR], ids=["MatQ", "MatR"])


def _floats(m):
    return np.array(m.tolist(), dtype=float).reshape(m.shape)


def _rank_by_fractions(rows):
    """Rank by trying every square minor (a determinant by permutations): no elimination."""
    m = len(rows)
    n = len(rows[0]) if m else 0

    def det(sub):
        k = len(sub)
        total = Fraction(0)
        for perm in itertools.permutations(range(k)):
            sign = 1
            for i, j in itertools.combinations(range(k), 2):
                if perm[i] > perm[j]:
                    sign = -sign
            prod = Fraction(1)
            for i in range(k):
                prod *= sub[i][perm[i]]
            total += sign * prod
        return total

    for k in range(min(m, n), 0, -1):
        for rs in itertools.combinations(range(m), k):
            for cs in itertools.combinations(range(n), k):
                if det([[rows[r][c] for c in cs] for r in rs]) != 0:
                    return k
    return 0


# --- objects -----------------------------------------------------------------------------


@CATS
def test_zero_space_and_maps_into_it(cat):
    Z = cat.zero_space()
    assert Z.name == "0" and Z.dim == 0 and Z.category == cat
    A = cat.object("A", 3)
    t = cat.to_zero(A)
    assert t.name == "!_A" and t.dom == A and t.cod == Z and t.shape == (0, 3)
    assert t.matrix.shape == (0, 3)


@CATS
def test_dimensions_must_be_non_negative_integers(cat):
    V = cat.object("V", np.int64(2))
    assert V.dim == 2 and type(V.dim) is int
    assert cat.object("E", 0).dim == 0
    for bad in (True, False, 2.0, "2", -1):
        with pytest.raises(ShapeError, match=r"vector space W has dimension"):
            cat.object("W", bad)


def test_identity_is_the_unit_matrix_named_after_its_object():
    for cat in (MatQ, MatR):
        for n in range(4):
            i = cat.identity(cat.object("A", n))
            assert i.name == "id_A" and i.shape == (n, n)
            assert np.array_equal(_floats(i.matrix), np.eye(n))


def test_composite_is_named_after_both():
    A = MatQ.object("A", 1)
    f, g = MatQ.matrix("f", A, A, [[2]]), MatQ.matrix("g", A, A, [[3]])
    assert (f >> g).name == "f >> g"
    assert (f >> g).dom == A and (f >> g).cod == A


# --- MatQ entries ----------------------------------------------------------------------------


class _Half(numbers.Rational):
    """A rational number type of no library: read through the ``numbers.Rational`` protocol."""

    numerator = 1
    denominator = 2

    def __abs__(self): ...
    def __add__(self, o): ...
    def __ceil__(self): ...
    def __eq__(self, o):
        return isinstance(o, _Half)

    def __floor__(self): ...
    def __floordiv__(self, o): ...
    def __hash__(self):
        return 7

    def __le__(self, o): ...
    def __lt__(self, o): ...
    def __mod__(self, o): ...
    def __mul__(self, o): ...
    def __neg__(self): ...
    def __pos__(self): ...
    def __pow__(self, o): ...
    def __radd__(self, o): ...
    def __rfloordiv__(self, o): ...
    def __rmod__(self, o): ...
    def __rmul__(self, o): ...
    def __round__(self, n=None): ...
    def __rpow__(self, o): ...
    def __rtruediv__(self, o): ...
    def __truediv__(self, o): ...
    def __trunc__(self): ...


def test_matq_reads_every_exact_kind_of_entry():
    A, B = MatQ.object("A", 6), MatQ.object("B", 1)
    x = sympy.Symbol("x")
    f = MatQ.matrix(
        "f", A, B, [[np.int32(-4), Fraction(-2, 6), "  3/4 ", sympy.Rational(5, 7), x / 2 + 1, _Half()]]
    )
    assert list(f.matrix) == [
        -4,
        sympy.Rational(-1, 3),
        sympy.Rational(3, 4),
        sympy.Rational(5, 7),
        x / 2 + 1,
        sympy.Rational(1, 2),
    ]
    assert all(isinstance(e, sympy.Expr) for e in f.matrix)
    assert MatQ.matrix("g", B, B, [["-0.25"]]).matrix[0, 0] == sympy.Rational(-1, 4)


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        (True, "cannot read"),
        (np.bool_(False), "cannot read"),
        (np.float32(0.5), "floating-point"),
        (2.0, "floating-point"),
        (sympy.Float(0.5) * sympy.Symbol("x"), "floating-point"),
        (sympy.Matrix([[1]]), "cannot read"),
        (sympy.Eq(sympy.Symbol("x"), 1), "cannot read"),
        ("x + 1", "cannot read"),
        (None, "cannot read"),
        (1 + 2j, "cannot read"),
    ],
    ids=[
        "bool",
        "np.bool",
        "np.float32",
        "float",
        "sympy float",
        "sympy matrix",
        "equation",
        "text",
        "None",
        "complex",
    ],
)
def test_matq_refuses_inexact_or_non_numbers_at_their_position(entry, kind):
    A, B = MatQ.object("A", 3), MatQ.object("B", 2)
    rows = [[0, 0, 0], [0, 0, entry]]
    with pytest.raises(DataError, match=rf"matrix f has .* at row 1, column 2.*{kind}") as err:
        MatQ.matrix("f", A, B, rows)
    assert "MatQ" in str(err.value)
    rows = [[0, entry, 0], [0, 0, 0]]
    with pytest.raises(DataError, match=r"at row 0, column 1"):
        MatQ.matrix("f", A, B, rows)


def test_matq_position_of_a_bad_entry_in_a_single_column():
    A, B = MatQ.object("A", 1), MatQ.object("B", 3)
    with pytest.raises(DataError, match=r"at row 2, column 0"):
        MatQ.matrix("f", A, B, [[1], [2], [0.5]])


@CATS
def test_matrix_data_of_every_container(cat):
    A, B = cat.object("A", 2), cat.object("B", 2)
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    for data in (
        [[1, 2], [3, 4]],
        ((1, 2), (3, 4)),
        np.array([[1, 2], [3, 4]]),
        sympy.Matrix([[1, 2], [3, 4]]),
        [np.array([1, 2]), np.array([3, 4])],
    ):
        assert np.array_equal(_floats(cat.matrix("f", A, B, data).matrix), ref)
    E = cat.object("E", 0)
    assert cat.matrix("e", A, E, []).shape == (0, 2)
    assert cat.matrix("e", E, B, [[], []]).shape == (2, 0)
    with pytest.raises(ShapeError, match=r"has shape \(0, 2\)"):
        cat.matrix("e", A, B, [])
    with pytest.raises(ShapeError, match=r"has shape \(2,\)"):
        cat.matrix("f", A, B, [[1, 2], 3])
    with pytest.raises(ShapeError, match=r"rows of different lengths \[1, 2\].*2 rows of 2 entries"):
        cat.matrix("f", A, B, [[1, 2], [3]])


def test_matq_reads_a_three_dimensional_array_as_a_shape_error():
    A = MatQ.object("A", 1)
    with pytest.raises(ShapeError, match=r"has shape \(1, 1, 1\)"):
        MatQ.matrix("f", A, A, np.zeros((1, 1, 1), dtype=int))


# --- MatR entries ----------------------------------------------------------------------------


def test_matr_reads_exact_sympy_matrices_as_floats():
    A, B = MatR.object("A", 2), MatR.object("B", 1)
    f = MatR.matrix("f", A, B, sympy.Matrix([[sympy.Rational(1, 4), sympy.sqrt(2)]]))
    assert f.matrix.dtype == np.float64 and f.matrix.shape == (1, 2)
    assert f.matrix[0, 0] == 0.25 and abs(f.matrix[0, 1] - 2**0.5) < 1e-15
    with pytest.raises(DataError, match=r"matrix f has symbols \['s', 't'\] but MatR holds numbers"):
        MatR.matrix("f", A, B, sympy.Matrix([[sympy.Symbol("t"), sympy.Symbol("s")]]))


def test_matr_names_the_entry_it_cannot_read():
    A, B = MatR.object("A", 2), MatR.object("B", 2)
    with pytest.raises(DataError, match=r"entry 'x' at row 1, column 0, which MatR cannot read"):
        MatR.matrix("f", A, B, [[1.0, 2.0], ["x", 3.0]])
    with pytest.raises(DataError, match=r"entry 'y' at row 0, column 1"):
        MatR.matrix("f", A, B, [[1.0, "y"], [2.0, 3.0]])
    C = MatR.object("C", 1)
    with pytest.raises(DataError, match=r"entry 'z' at row 2, column 0"):
        MatR.matrix("f", C, MatR.object("D", 3), [[1.0], [2.0], ["z"]])


@pytest.mark.parametrize("bad", [float("inf"), -float("inf"), float("nan")])
def test_matr_counts_non_finite_entries(bad):
    A = MatR.object("A", 2)
    with pytest.raises(DataError, match=r"matrix f has 2 non-finite value\(s\)"):
        MatR.matrix("f", A, A, [[bad, 0.0], [1.0, bad]])


def test_matr_tolerances_must_be_non_negative():
    for atol, rtol in ((-1e-9, 0.0), (0.0, -1.0), (float("nan"), 0.0)):
        with pytest.raises(DataError, match="tolerances must be non-negative"):
            MatRCategory(atol=atol, rtol=rtol)
    zero = MatRCategory(atol=0.0, rtol=0.0)
    assert zero.tolerance(5.0) == 0.0
    assert MatRCategory(atol=0.5, rtol=0.25).tolerance(4.0) == 1.5


# --- comparisons -----------------------------------------------------------------------------


def test_compare_of_maps_with_other_ends_is_unequal():
    A, B, C = MatQ.object("A", 1), MatQ.object("B", 1), MatQ.object("C", 1)
    f = MatQ.matrix("f", A, B, [[1]])
    for g in (MatQ.matrix("g", C, B, [[1]]), MatQ.matrix("g", A, C, [[1]])):
        c = MatQ.compare(f, g)
        assert (c.equal, c.residual, c.exact) == (False, 1.0, True)
    A, B, C = MatR.object("A", 1), MatR.object("B", 1), MatR.object("C", 1)
    f = MatR.matrix("f", A, B, [[1.0]])
    for g in (MatR.matrix("g", C, B, [[1.0]]), MatR.matrix("g", A, C, [[1.0]])):
        c = MatR.compare(f, g)
        assert (c.equal, c.residual, c.exact) == (False, float("inf"), False)


def test_matr_compare_of_empty_maps_and_its_scale():
    E, A = MatR.object("E", 0), MatR.object("A", 2)
    c = MatR.compare(MatR.to_zero(A), MatR.matrix("z", A, MatR.zero_space(), np.zeros((0, 2))))
    assert c.equal and c.residual == 0.0
    c = MatR.compare(MatR.matrix("e", E, A, [[], []]), MatR.matrix("e", E, A, np.zeros((2, 0))))
    assert c.equal and c.residual == 0.0
    # the scale is the larger side's largest entry (either side), not the difference
    loose = MatRCategory(atol=0.0, rtol=0.1)
    B = loose.object("B", 2)
    a = loose.matrix("a", B, B, [[10.0, 0.0], [0.0, 0.0]])
    b = loose.matrix("b", B, B, [[10.0, 0.0], [0.0, 0.9]])
    assert loose.compare(a, b).equal and loose.compare(b, a).equal  # 0.9 ≤ 0.1 · 10
    small = loose.matrix("s", B, B, [[0.0, 0.0], [0.0, 0.5]])
    c = loose.compare(small, loose.matrix("z", B, B, np.zeros((2, 2))))
    assert not c.equal and c.residual == 0.5  # 0.5 > 0.1 · 0.5
    c = loose.compare(loose.matrix("n", B, B, [[-10.0, 0.0], [0.0, 0.0]]), b)
    assert not c.equal and c.residual == 20.0


def test_matq_compare_is_exact_on_numbers():
    A = MatQ.object("A", 2)
    a = MatQ.matrix("a", A, A, [["1/3", 0], [0, 1]])
    b = MatQ.matrix("b", A, A, [[Fraction(1, 3), 0], [0, 1]])
    c = MatQ.matrix("c", A, A, [["1/3", 0], [0, "1000001/1000000"]])
    assert MatQ.compare(a, b) == MatQ.compare(b, a)
    assert MatQ.compare(a, b).equal and MatQ.compare(a, b).residual == 0.0
    assert not MatQ.compare(a, c).equal and MatQ.compare(a, c).residual == 1.0


def test_is_zero_decides_each_kind_of_expression():
    x, y = sympy.symbols("x y")
    assert mat._is_zero(sympy.Integer(0)) and not mat._is_zero(sympy.Rational(1, 3))
    assert mat._is_zero(x * (y + 1) - x * y - x)
    assert not mat._is_zero(x - y)
    assert mat._is_zero(x / (x + y) + y / (x + y) - 1)
    assert not mat._is_zero(x / (x + y) - 1)
    assert mat._is_zero(sympy.exp(x) * sympy.exp(y) - sympy.exp(x + y))
    assert not mat._is_zero(sympy.exp(x) - x)
    assert mat._is_zero(sympy.sqrt(2) ** 2 - 2) and not mat._is_zero(sympy.sqrt(2) - 1)


# --- kernels and pullbacks of empty blocks ---------------------------------------------------


@CATS
def test_pullbacks_with_empty_ends(cat):
    E, A, B, C = cat.object("E", 0), cat.object("A", 2), cat.object("B", 1), cat.object("C", 0)
    # into the zero space: the kernel of a 0-row block is everything (the product)
    P = cat.pullback(Cospan(cat.matrix("f", A, C, []), cat.matrix("g", B, C, [])))
    assert P.apex.dim == 3 and P.apex.name == "A ×_C B"
    assert P.left.name == "π_A" and P.right.name == "π_B"
    assert np.allclose(_floats(P.left.matrix) @ _floats(P.left.matrix).T, np.eye(2)) or cat is MatQ
    # from zero spaces: the kernel of a 0-column block is 0
    D = cat.object("D", 2)
    Q = cat.pullback(Cospan(cat.matrix("f", E, D, [[], []]), cat.matrix("g", E, D, [[], []])))
    assert Q.apex.dim == 0 and Q.left.shape == (0, 0) and Q.right.shape == (0, 0)
    X = cat.object("X", 3)
    u = Q.factor(Cone(Q.cospan, cat.matrix("p", X, E, []), cat.matrix("q", X, E, [])))
    assert u.shape == (0, 3) and u.name == "⟨p, q⟩"
    # a cone from the zero space factors by the empty map
    F = cat.object("F", 1)
    one = cat.matrix("one", F, D, [[1], [1]])
    R = cat.pullback(Cospan(one, one))
    assert R.apex.dim == 1
    v = R.factor(Cone(R.cospan, cat.matrix("p", E, F, [[]]), cat.matrix("q", E, F, [[]])))
    assert v.shape == (1, 0)


@CATS
def test_pullback_of_injections_is_their_intersection(cat):
    """F, G: ℚ¹ → ℚ² with images the lines x = y and x = 2y: they meet only in 0; with the
    same line twice, the pullback is that line (apex dimension 1) and factors the diagonal."""
    A, C = cat.object("A", 1), cat.object("C", 2)
    f = cat.matrix("f", A, C, [[1], [1]])
    g = cat.matrix("g", A, C, [[2], [1]])
    assert cat.pullback(Cospan(f, g)).apex.dim == 0
    h = cat.matrix("h", A, C, [[3], [3]])  # the same line as f
    P = cat.pullback(Cospan(f, h))
    assert P.apex.dim == 1
    p, q = _floats(P.left.matrix), _floats(P.right.matrix)
    assert np.allclose(p, 3 * q) and not np.allclose(p, 0)
    X = cat.object("X", 1)
    u = P.factor(Cone(P.cospan, cat.matrix("p", X, A, [[3]]), cat.matrix("q", X, A, [[1]])))
    assert np.allclose(p @ _floats(u.matrix), [[3]]) and np.allclose(q @ _floats(u.matrix), [[1]])


def test_matr_kernel_of_a_zero_row_or_column_block():
    assert MatR._kernel(np.zeros((0, 3))).shape == (3, 3)
    assert np.array_equal(MatR._kernel(np.zeros((0, 3))), np.eye(3))
    assert MatR._kernel(np.zeros((2, 0))).shape == (0, 0)
    k = MatR._kernel(np.zeros((2, 3)))  # the zero matrix: everything
    assert k.shape == (3, 3) and np.allclose(k.T @ k, np.eye(3))
    k = MatR._kernel(np.array([[1.0, 2.0, 3.0]]))
    assert (
        k.shape == (3, 2)
        and np.allclose(np.array([[1.0, 2.0, 3.0]]) @ k, 0)
        and np.allclose(k.T @ k, np.eye(2))
    )


def test_matr_kernel_cut_is_relative_to_the_largest_singular_value():
    loose = MatRCategory(atol=0.0, rtol=0.01)
    # singular values 100 and 0.5: 0.5 ≤ 0.01 · 100 is cut, so the kernel is 1-dimensional
    assert loose._kernel(np.diag([100.0, 0.5])).shape == (2, 1)
    assert loose._kernel(np.diag([100.0, 2.0])).shape == (2, 0)
    assert MatRCategory(atol=0.6, rtol=0.0)._kernel(np.diag([1.0, 0.5])).shape == (2, 1)


def test_matq_kernel_basis_by_hand():
    m = sympy.ImmutableMatrix([[1, 2, 0, 3], [0, 0, 1, 4]])
    k = MatQ._kernel(m)
    # free variables 1 and 3: columns e1 − 2 e0 and e3 − 3 e0 − 4 e2
    assert k == sympy.ImmutableMatrix([[-2, -3], [1, 0], [0, -4], [0, 1]])
    assert MatQ._kernel(sympy.ImmutableMatrix.zeros(0, 2)) == sympy.ImmutableMatrix.eye(2)


def test_solve_in_basis_reports_a_residual_exactly_when_no_solution():
    basis = sympy.ImmutableMatrix([[1], [1]])
    u, r, tol = MatQ._solve_in_basis(basis, sympy.ImmutableMatrix([[2], [2]]))
    assert u == sympy.ImmutableMatrix([[2]]) and (r, tol) == (0.0, 0.0)
    u, r, tol = MatQ._solve_in_basis(basis, sympy.ImmutableMatrix([[1], [2]]))
    assert r == 1.0 and tol == 0.0
    u, r, tol = MatQ._solve_in_basis(sympy.ImmutableMatrix.zeros(2, 0), sympy.ImmutableMatrix.zeros(2, 3))
    assert u.shape == (0, 3) and r == 0.0
    u, r, tol = MatQ._solve_in_basis(sympy.ImmutableMatrix.zeros(2, 0), sympy.ImmutableMatrix([[0], [1]]))
    assert r == 1.0
    b = np.array([[1.0], [0.0]])
    u, r, tol = MatR._solve_in_basis(b, np.array([[3.0], [4.0]]))
    assert np.allclose(u, [[3.0]]) and r == 4.0 and tol == pytest.approx(1e-9 + 1e-9 * 4.0)
    u, r, tol = MatR._solve_in_basis(b, np.zeros((2, 0)))
    assert u.shape == (1, 0) and (r, tol) == (0.0, 0.0)


# --- what the checker reports ------------------------------------------------------------------


def test_sample_features_name_spaces_and_matrix_kinds():
    for cat in (MatQ, MatR):
        A, B, E = cat.object("A", 2), cat.object("B", 3), cat.object("E", 0)
        assert cat.sample_features(A) == {"dimensions": 2}
        assert cat.sample_features("not a thing") == {}

        def kind(dom, cod, rows, cat=cat):
            return cat.sample_features(cat.matrix("f", dom, cod, rows))["matrix kinds"]

        assert kind(E, A, [[], []]) == "empty" and kind(A, E, []) == "empty"
        assert kind(A, A, [[0, 0], [0, 0]]) == "zero"
        assert kind(A, B, np.zeros((3, 2), dtype=int)) == "zero"
        assert kind(A, A, [[1, 2], [3, 4]]) == "invertible"
        assert kind(A, A, [[1, 2], [2, 4]]) == "singular"
        assert kind(A, A, [[0, 1], [0, 0]]) == "singular"
        assert kind(A, B, [[1, 0], [0, 1], [1, 1]]) == "full rank"
        assert kind(B, A, [[1, 0, 0], [0, 0, 1]]) == "full rank"
        assert kind(A, B, [[1, 2], [2, 4], [3, 6]]) == "rank-deficient"
        assert kind(B, A, [[0, 0, 1], [0, 0, 2]]) == "rank-deficient"
    x = sympy.Symbol("x")
    A = MatQ.object("A", 1)
    assert MatQ.sample_features(MatQ.matrix("s", A, A, [[x]]))["matrix kinds"] == "symbolic"


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    st.integers(1, 3).flatmap(
        lambda m: st.integers(1, 3).flatmap(
            lambda n: st.lists(
                st.lists(st.fractions(-2, 2, max_denominator=2), min_size=n, max_size=n),
                min_size=m,
                max_size=m,
            )
        )
    )
)
def test_rational_rank_matches_the_rank_by_minors(rows):
    m = sympy.ImmutableMatrix([[sympy.Rational(q.numerator, q.denominator) for q in r] for r in rows])
    assert mat._rational_rank(m) == _rank_by_fractions(rows)


# --- what the strategies draw -------------------------------------------------------------------




@CATS
def test_morphism_strategy_draws_every_rank_on_three_by_three(cat):
    V = cat.object("V", 3)
    draws = drawn(cat.morphisms(V, V), 80)
    ranks = {int(np.linalg.matrix_rank(_floats(f.matrix))) for f in draws}
    assert ranks == {0, 1, 2, 3}
    assert all(f.dom == V and f.cod == V and f.name == "f" for f in draws)


@CATS
def test_morphism_strategy_draws_low_ranks_on_non_square_shapes(cat):
    A, B = cat.object("A", 3), cat.object("B", 4)
    draws = drawn(cat.morphisms(A, B), 60)
    ranks = {int(np.linalg.matrix_rank(_floats(f.matrix))) for f in draws}
    assert {0, 1, 2, 3} <= ranks
    assert all(f.shape == (4, 3) for f in draws)


@CATS
def test_square_degenerate_matrices_are_projections_scalars_and_jordan_blocks(cat):
    V = cat.object("V", 3)
    ints = st.integers(-2, 2).map(cat._small)
    draws = [_floats(f.matrix) for f in drawn(mat._square_degenerate(cat, V, ints), 300)]
    seen = set()
    for m in draws:
        off = m - np.diag(np.diag(m))
        d = np.diag(m)
        if not off.any() and set(d) <= {0.0, 1.0} and list(d) == sorted(d, reverse=True):
            seen.add(("projection", int(d.sum())))
        if not off.any() and len(set(d)) == 1:
            seen.add(("scalar", d[0]))
        if np.array_equal(off, np.diag([1.0, 1.0], 1)) and len(set(d)) == 1:
            seen.add(("jordan", d[0]))
        assert (not off.any() and (len(set(d)) == 1 or list(d) == sorted(d, reverse=True))) or (
            np.array_equal(off, np.diag([1.0, 1.0], 1)) and len(set(d)) == 1
        ), m
    assert {("projection", k) for k in range(4)} <= seen
    assert {("scalar", c) for c in (-2.0, -1.0, 0.0, 1.0, 2.0)} <= seen
    assert {("jordan", c) for c in (-2.0, -1.0, 0.0, 1.0, 2.0)} <= seen


def test_entry_strategies_stay_in_their_ranges():
    q = drawn(MatQ._entries(), 300)
    assert all(isinstance(x, sympy.Rational) and -3 <= x <= 3 and x.q <= 3 for x in q)
    assert any(x.q == 3 for x in q) and any(x.q == 2 for x in q)
    r = drawn(MatR._entries(), 300)
    assert all(isinstance(x, float) and -4.0 <= x <= 4.0 for x in r)
    assert MatQ._small(2) == sympy.Integer(2) and isinstance(MatQ._small(2), sympy.Integer)
    assert MatR._small(-2) == -2.0 and isinstance(MatR._small(-2), float)


def test_object_strategy_with_a_bound_draws_every_dimension_up_to_it():
    spaces = drawn(MatQ.objects(max_dim=2), 100)
    assert {V.dim for V in spaces} == {0, 1, 2}
    assert all(V.name == f"V{V.dim}" and V.category == MatQ for V in spaces)
    default = drawn(MatR.objects(), 200)
    assert {V.dim for V in default} == {0, 1, 2, 3, 4}


def test_product_of_zero_spaces_and_named_projections():
    for cat in (MatQ, MatR):
        E, A = cat.object("E", 0), cat.object("A", 2)
        S = cat.product(E, A)
        assert S.apex.dim == 2 and S.left.shape == (0, 2)
        assert np.array_equal(_floats(S.right.matrix), np.eye(2))
        assert S.apex.name == "E ×_0 A"


def test_vector_space_equality_is_by_name_dimension_and_field():
    assert VectorSpace("A", 2, MatQ) == MatQ.object("A", 2)
    assert MatQ.object("A", 2) != MatQ.object("A", 3)
    assert hash(MatR.object("A", 2)) == hash(MatRCategory().object("A", 2))


def test_matr_compare_counts_a_difference_of_exactly_the_tolerance_as_equal():
    """``residual <= atol + rtol · scale``: the bound itself is inside (0.5 and 1.5 are exact
    in binary, so the residual is exactly 0.5)."""
    half = MatRCategory(atol=0.5, rtol=0.0)
    A = half.object("A", 1)
    c = half.compare(half.matrix("a", A, A, [[1.0]]), half.matrix("b", A, A, [[1.5]]))
    assert c.equal and c.residual == 0.5
    assert not half.compare(half.matrix("a", A, A, [[1.0]]), half.matrix("b", A, A, [[1.625]])).equal
    exact = MatRCategory(atol=0.0, rtol=0.0)
    B = exact.object("B", 2)
    same = exact.matrix("s", B, B, [[0.1, 0.2], [0.3, 0.4]])
    assert exact.compare(same, exact.matrix("t", B, B, [[0.1, 0.2], [0.3, 0.4]])).equal


@CATS
def test_limit_and_colimit_of_a_parallel_pair_are_kernel_and_cokernel(cat):
    """``limit``/``colimit`` hand the diagram to the kernel/cokernel code: for ``f, g: U ⇉ V``
    the apex dimensions are ``dim U − rank(f − g)`` and ``dim V − rank(f − g)`` (rank by numpy)."""
    from catdyn import Diagram

    U, V = cat.object("U", 3), cat.object("V", 2)
    f = cat.matrix("f", U, V, [[1, 2, 0], [0, 0, 1]])
    g = cat.matrix("g", U, V, [[0, 0, 0], [0, 0, 1]])
    d = Diagram("pair", cat, objects=[U, V], morphisms=[f, g])
    r = int(np.linalg.matrix_rank(_floats(f.matrix) - _floats(g.matrix)))
    L, C = cat.limit(d), cat.colimit(d)
    assert L is not None and C is not None
    assert L.apex.dim == 3 - r == 2 and C.apex.dim == 2 - r == 1
    assert L.cone.commutes().equal and C.cocone.commutes().equal
    assert L.kind == "limit" and C.kind == "colimit"
    assert (
        cat.limit(d, "equaliser").kind == "equaliser" and cat.colimit(d, "coequaliser").kind == "coequaliser"
    )


def test_is_zero_expands_expressions_of_rational_symbols():
    """Symbols declared rational (as :meth:`MatQCategory.generic` makes them) give expressions
    that sympy knows are rational but not that they are numbers: only a *number* that is
    rational and not 0 is decided non-zero without expanding."""
    x, y = sympy.symbols("x y", rational=True)
    d = x * (y + 1) - x * y - x
    assert d.is_rational and not d.is_number
    assert mat._is_zero(d)
    assert not mat._is_zero(x * (y + 1) - x * y)
    A = MatQ.object("A", 1)
    a = MatQ.matrix("a", A, A, [[x * (y + 1)]])
    b = MatQ.matrix("b", A, A, [[x * y + x]])
    assert MatQ.compare(a, b).equal


@CATS
def test_maps_with_the_same_ends_are_equal_exactly_when_their_entries_are(cat):
    A, B = cat.object("A", 2), cat.object("B", 1)
    f = cat.matrix("f", A, B, [[1, 2]])
    assert f == cat.matrix("g", A, B, [[1, 2]]) and hash(f) == hash(cat.matrix("g", A, B, [[1, 2]]))
    others = [cat.matrix("g", A, B, rows) for rows in ([[2, 1]], [[1, 3]], [[0, 0]])]
    assert all(f != g for g in others)
    assert len({f, *others}) == 4
