"""Mat: category laws over ℚ (exact, and proved on symbols) and ℝ (within tolerance), the
kernel pullback against independent references, its universal property, and the errors."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from catdyn import Cone, Cospan
from catdyn.categories.mat import LinearMap, MatQ, MatR, MatRCategory, VectorSpace
from catdyn.errors import CompositionError, ConeError, DataError, FactorError, ShapeError

# --- category laws ---------------------------------------------------------------------


@given(MatQ.composable(3))
def test_matq_composition_is_associative_exactly(chain):
    f, g, h = chain
    assert (f >> g) >> h == f >> (g >> h)


@given(MatQ.composable(1))
def test_matq_identities_are_units_exactly(chain):
    (f,) = chain
    assert MatQ.identity(f.dom) >> f == f
    assert f >> MatQ.identity(f.cod) == f


@given(MatR.composable(3))
def test_matr_composition_is_associative_within_tolerance(chain):
    f, g, h = chain
    c = MatR.compare((f >> g) >> h, f >> (g >> h))
    assert c.equal and not c.exact


@given(MatR.composable(1))
def test_matr_identities_are_units(chain):
    (f,) = chain
    # multiplying by an identity matrix is exact in floating point too
    assert MatR.identity(f.dom) >> f == f
    assert f >> MatR.identity(f.cod) == f


def _fractions(m):
    return [[Fraction(int(x.p), int(x.q)) for x in m.row(i)] for i in range(m.rows)]


def _loop_product(G, F, rows, inner, cols):
    """(G F)[i][j] = Σ_k G[i][k] F[k][j], by loops: the reference for composition."""
    return [[sum((G[i][k] * F[k][j] for k in range(inner)), Fraction(0)) for j in range(cols)] for i in range(rows)]


@given(MatQ.composable(2))
def test_matq_composition_is_g_times_f(chain):
    f, g = chain
    fg = f >> g
    assert fg.shape == (g.cod.dim, f.dom.dim)
    expected = _loop_product(_fractions(g.matrix), _fractions(f.matrix), g.cod.dim, f.cod.dim, f.dom.dim)
    assert _fractions(fg.matrix) == expected


@given(MatR.composable(2))
def test_matr_composition_is_g_times_f(chain):
    f, g = chain
    fg = f >> g
    for i, j in itertools.product(range(g.cod.dim), range(f.dom.dim)):
        ref = math.fsum(g.matrix[i, k] * f.matrix[k, j] for k in range(f.cod.dim))
        assert abs(fg.matrix[i, j] - ref) <= 1e-12 * (1 + abs(ref))


def test_laws_are_proved_on_symbols_and_a_false_law_is_refuted():
    A = MatQ.object("A", 2)
    F, G, H = (MatQ.generic(n, A, A) for n in "FGH")
    assert MatQ.compare((F >> G) >> H, F >> (G >> H)).equal
    assert MatQ.compare(MatQ.identity(A) >> F, F).equal
    wrong = MatQ.compare(F >> G, G >> F)  # matrices do not commute
    assert not wrong.equal and wrong.residual == 1.0 and wrong.exact


def test_matq_compare_simplifies_symbolic_differences():
    x = sympy.Symbol("x")
    A = MatQ.object("A", 1)
    a = MatQ.matrix("a", A, A, [[sympy.sin(x) ** 2 + sympy.cos(x) ** 2]])
    assert MatQ.compare(a, MatQ.identity(A)).equal
    assert not MatQ.compare(a, MatQ.matrix("b", A, A, [[2]])).equal


def test_matr_compare_uses_absolute_and_relative_tolerance():
    A = MatR.object("A", 1)
    big = MatR.matrix("big", A, A, [[1e6]])
    assert MatR.compare(big, MatR.matrix("b", A, A, [[1e6 + 1e-4]])).equal  # 1e-4 ≤ 1e-9 + 1e-9·1e6
    c = MatR.compare(big, MatR.matrix("b", A, A, [[1e6 + 1e-2]]))
    assert not c.equal and c.residual == pytest.approx(1e-2, rel=1e-3)
    loose = MatRCategory(atol=0.1, rtol=0.0)
    B = loose.object("A", 1)
    assert loose.compare(loose.matrix("a", B, B, [[1.0]]), loose.matrix("b", B, B, [[1.09]])).equal
    assert not loose.compare(loose.matrix("a", B, B, [[1.0]]), loose.matrix("b", B, B, [[1.11]])).equal


def test_data_is_immutable_and_hashed_by_value():
    A = MatR.object("A", 2)
    raw = np.array([[1.0, -0.0], [0.0, 2.0]])
    f = MatR.matrix("f", A, A, raw)
    raw[0, 0] = 99.0  # the morphism holds its own copy
    assert f.matrix[0, 0] == 1.0
    with pytest.raises(ValueError):
        f.matrix[0, 0] = 5.0
    g = MatR.matrix("g", A, A, [[1.0, 0.0], [0.0, 2.0]])
    assert f == g and hash(f) == hash(g)  # names differ, -0.0 == 0.0
    q = MatQ.matrix("q", MatQ.object("A", 1), MatQ.object("A", 1), [[1]])
    with pytest.raises(TypeError):
        q.matrix[0, 0] = 2


def test_objects_are_nominal_and_belong_to_one_field():
    assert MatQ.object("A", 2) == MatQ.object("A", 2)
    assert MatQ.object("A", 2) != MatQ.object("B", 2)
    assert MatQ.object("A", 2) != MatR.object("A", 2)
    assert MatRCategory() == MatR and MatRCategory(atol=1e-3) != MatR
    assert MatR.object("A", 2) != MatRCategory(atol=1e-3).object("A", 2)


def test_exact_entries_are_read_exactly():
    A = MatQ.object("A", 3)
    B = MatQ.object("B", 1)
    f = MatQ.matrix("f", A, B, [["0.1", Fraction(1, 3), np.int64(7)]])
    assert list(f.matrix) == [sympy.Rational(1, 10), sympy.Rational(1, 3), 7]


# --- pullbacks over ℚ ----------------------------------------------------------------------

small_ints = st.integers(-2, 2)


def _int_matrix(rows: int, cols: int):
    return st.lists(st.lists(small_ints, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


@st.composite
def int_cospans(draw, max_dim: int = 3):
    """Dimensions and small integer matrices F: A → C, G: B → C (entries -2…2, so kernels
    of every dimension occur)."""
    a, b, c = (draw(st.integers(0, max_dim)) for _ in range(3))
    return a, b, c, draw(_int_matrix(c, a)), draw(_int_matrix(c, b))


def _cospan(cat, a, b, c, F, G):
    A, B, C = cat.object("A", a), cat.object("B", b), cat.object("C", c)
    return Cospan(cat.matrix("f", A, C, F if c else []), cat.matrix("g", B, C, G if c else []))


def _reference_kernel(a, b, c, F, G):
    """sympy's own nullspace of [F, −G] (exact): the reference basis, as a list of columns."""
    M = sympy.Matrix(c, a + b, [x for i in range(c) for x in [*F[i], *(-y for y in G[i])]])
    return M.nullspace() if a + b else []


@given(int_cospans())
def test_matq_pullback_square_commutes_exactly(data):
    P = MatQ.pullback(_cospan(MatQ, *data))
    c = P.cone.commutes()
    assert c.equal and c.exact
    f, g = P.cospan.left, P.cospan.right
    assert f.matrix * P.left.matrix == g.matrix * P.right.matrix


@given(int_cospans())
def test_matq_pullback_matches_sympy_nullspace(data):
    P = MatQ.pullback(_cospan(MatQ, *data))
    reference = _reference_kernel(*data)
    assert P.apex.dim == len(reference)
    K = sympy.Matrix(P.left.matrix.col_join(P.right.matrix))
    assert K.rank() == P.apex.dim  # independent columns: factorisations are unique
    # every vector of sympy's kernel lies in the span of ours (so the spans are equal)
    if reference:
        N = sympy.Matrix.hstack(*reference)
        assert K.row_join(N).rank() == K.rank()


@given(int_cospans(max_dim=2))
def test_matq_pullback_contains_every_small_integer_solution(data):
    """Brute force: every integer (x, y) in {-2…2}^(a+b) with F x = G y is in the span."""
    a, b, c, F, G = data
    P = MatQ.pullback(_cospan(MatQ, *data))
    K = np.array(P.left.matrix.col_join(P.right.matrix).tolist(), dtype=float).reshape(a + b, P.apex.dim)
    rank = np.linalg.matrix_rank(K) if K.size else 0
    Fn, Gn = np.array(F, dtype=float).reshape(c, a), np.array(G, dtype=float).reshape(c, b)
    for v in itertools.product(range(-2, 3), repeat=a + b):
        x, y = np.array(v[:a], dtype=float), np.array(v[a:], dtype=float)
        if np.array_equal(Fn @ x, Gn @ y):
            assert np.linalg.matrix_rank(np.column_stack([K, v])) == rank, v


@given(int_cospans(), st.integers(0, 3), st.data())
def test_matq_every_cone_factors_uniquely(data, x_dim, draw):
    """Cones are built from sympy's reference kernel: [P; Q] = N W for a random W, which is
    every commuting cone; factor() must give U with U >> p = P and U >> q = Q."""
    a, b = data[:2]
    cospan = _cospan(MatQ, *data)
    P = MatQ.pullback(cospan)
    reference = _reference_kernel(*data)
    X = MatQ.object("X", x_dim)
    W = sympy.Matrix(len(reference), x_dim, draw.draw(st.lists(small_ints, min_size=len(reference) * x_dim, max_size=len(reference) * x_dim)))
    stacked = sympy.Matrix.hstack(*reference) * W if reference else sympy.zeros(a + b, x_dim)
    left = MatQ.matrix("P", X, cospan.left.dom, stacked[:a, :])
    right = MatQ.matrix("Q", X, cospan.right.dom, stacked[a:, :])
    cone = Cone(cospan, left, right)
    assert cone.commutes().equal
    u = P.factor(cone)
    assert u.dom == X and u.cod == P.apex
    assert u >> P.left == left and u >> P.right == right
    # uniqueness: a second map through the apex with the same legs is u itself
    U0 = MatQ.matrix("U0", X, P.apex, draw.draw(_int_matrix(P.apex.dim, x_dim)) if P.apex.dim else [])
    again = P.factor(Cone(cospan, U0 >> P.left, U0 >> P.right))
    assert again == U0


def test_matq_pullback_of_a_rank_one_cospan_by_hand():
    A, B, C = MatQ.object("A", 2), MatQ.object("B", 2), MatQ.object("C", 1)
    f = MatQ.matrix("f", A, C, [[1, 1]])
    g = MatQ.matrix("g", B, C, [[0, 0]])
    P = MatQ.pullback(Cospan(f, g))
    # {(x, y) : x1 + x2 = 0}: dimension 1 + 2
    assert P.apex.dim == 3 and P.apex.name == "A ×_C B"
    assert (P.left.matrix.T * sympy.Matrix([1, 1])).is_zero_matrix


# --- pullbacks over ℝ -----------------------------------------------------------------------


@st.composite
def float_cospans(draw):
    a, b, c = (draw(st.integers(0, 3)) for _ in range(3))
    entries = st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False)
    F = draw(st.lists(st.lists(entries, min_size=a, max_size=a), min_size=c, max_size=c))
    G = draw(st.lists(st.lists(entries, min_size=b, max_size=b), min_size=c, max_size=c))
    return a, b, c, F, G


@given(st.one_of(float_cospans(), int_cospans()), st.integers(0, 3), st.data())
def test_matr_pullback_commutes_and_cones_factor(data, x_dim, draw):
    a, b, c, F, G = data
    cospan = _cospan(MatR, a, b, c, [[float(x) for x in r] for r in F], [[float(x) for x in r] for r in G])
    P = MatR.pullback(cospan)
    assert P.cone.commutes().equal
    K = np.vstack([P.left.matrix, P.right.matrix])
    assert np.allclose(K.T @ K, np.eye(P.apex.dim), atol=1e-12)  # orthonormal: unique factors
    X = MatR.object("X", x_dim)
    U = MatR.matrix("U", X, P.apex, np.array(draw.draw(st.lists(st.floats(-2, 2), min_size=P.apex.dim * x_dim, max_size=P.apex.dim * x_dim))).reshape(P.apex.dim, x_dim))
    u = P.factor(Cone(cospan, U >> P.left, U >> P.right))
    assert MatR.compare(u, U).equal


@given(int_cospans(), st.integers(1, 3), st.data())
def test_matr_pullback_matches_the_exact_rational_kernel(data, x_dim, draw):
    """An SVD-free reference: on integer-valued data the exact rational nullspace (sympy)
    spans the same space as MatR's orthonormal basis, and its cones factor through it."""
    a, b, c, F, G = data
    cospan = _cospan(MatR, a, b, c, [[float(x) for x in r] for r in F], [[float(x) for x in r] for r in G])
    P = MatR.pullback(cospan)
    reference = _reference_kernel(*data)
    assert P.apex.dim == len(reference)
    K = np.vstack([P.left.matrix, P.right.matrix])
    for v in reference:
        v = np.array(v.tolist(), dtype=float).ravel()
        assert np.allclose(K @ (K.T @ v), v, atol=1e-9)  # v lies in span K
    if reference:
        N = np.array(sympy.Matrix.hstack(*reference).tolist(), dtype=float)
        W = np.array(draw.draw(st.lists(small_ints, min_size=len(reference) * x_dim, max_size=len(reference) * x_dim)), dtype=float).reshape(len(reference), x_dim)
        X = MatR.object("X", x_dim)
        left = MatR.matrix("P", X, cospan.left.dom, (N @ W)[:a])
        right = MatR.matrix("Q", X, cospan.right.dom, (N @ W)[a:])
        u = P.factor(Cone(cospan, left, right))
        assert MatR.compare(u >> P.left, left).equal and MatR.compare(u >> P.right, right).equal


def test_products_have_block_projections_and_pair_maps():
    for cat in (MatQ, MatR):
        A, B, X = cat.object("A", 2), cat.object("B", 1), cat.object("X", 1)
        S = cat.product(A, B)
        assert S.apex.dim == 3
        assert np.array_equal(np.array(S.left.matrix.tolist(), dtype=float), [[1, 0, 0], [0, 1, 0]])
        assert np.array_equal(np.array(S.right.matrix.tolist(), dtype=float), [[0, 0, 1]])
        p = cat.matrix("p", X, A, [[1], [2]])
        q = cat.matrix("q", X, B, [[3]])
        u = S.factor(Cone(S.cospan, p, q))
        assert np.array_equal(np.array(u.matrix.tolist(), dtype=float), [[1], [2], [3]])


def test_strategies_make_matrices_of_the_declared_shape():
    A, B = MatQ.object("A", 0), MatQ.object("B", 3)

    @given(MatQ.morphisms(A, B), MatR.morphisms(MatR.object("A", 2), MatR.object("B", 0)))
    def check(f, g):
        assert f.shape == (3, 0) and f.matrix.shape == (3, 0)
        assert g.shape == (0, 2) and g.matrix.shape == (0, 2)

    check()


# --- errors: each names the things involved ----------------------------------------------


def test_wrong_shape_names_the_matrix_and_its_objects():
    A, B = MatQ.object("Params", 2), MatQ.object("Reps", 3)
    with pytest.raises(ShapeError) as err:
        MatQ.matrix("W", A, B, [[1, 2, 3], [4, 5, 6]])
    msg = str(err.value)
    assert "W" in msg and "Params → Reps" in msg and "(2, 3)" in msg and "(3, 2)" in msg
    with pytest.raises(ShapeError, match="W"):
        MatR.matrix("W", MatR.object("Params", 2), MatR.object("Reps", 3), np.zeros((2, 3)))
    with pytest.raises(ShapeError, match="rows of different lengths"):
        MatR.matrix("W", MatR.object("Params", 2), MatR.object("Reps", 2), [[1.0, 2.0], [3.0]])


def test_composing_maps_whose_ends_do_not_meet_names_both():
    A, B, C = MatR.object("A", 2), MatR.object("B", 2), MatR.object("C", 2)
    f = MatR.matrix("f", A, B, np.eye(2))
    h = MatR.matrix("h", C, A, np.eye(2))
    with pytest.raises(CompositionError) as err:
        f >> h
    msg = str(err.value)
    assert "f >> h" in msg and "f: A → B" in msg and "h: C → A" in msg


def test_composing_across_fields_is_refused():
    f = MatQ.identity(MatQ.object("A", 1))
    g = MatR.identity(MatR.object("A", 1))
    with pytest.raises(CompositionError, match=r"MatQ.*MatR"):
        f >> g


def test_cone_that_does_not_commute_names_its_legs():
    A, C = MatQ.object("A", 1), MatQ.object("C", 1)
    f = MatQ.matrix("f", A, C, [[1]])
    P = MatQ.pullback(Cospan(f, f))
    X = MatQ.object("X", 1)
    bad = Cone(P.cospan, MatQ.matrix("left_leg", X, A, [[1]]), MatQ.matrix("right_leg", X, A, [[2]]))
    with pytest.raises(ConeError) as err:
        P.factor(bad)
    assert "left_leg" in str(err.value) and "right_leg" in str(err.value)


def test_nearly_commuting_cone_that_cannot_factor_is_a_factor_error():
    loose = MatRCategory(atol=1e-3)
    A, B, C = loose.object("A", 1), loose.object("B", 1), loose.object("C", 1)
    cospan = Cospan(loose.matrix("f", A, C, [[0.01]]), loose.matrix("g", B, C, [[0.0]]))
    P = loose.pullback(cospan)  # the kernel is B alone: the singular value 0.01 is kept
    assert P.apex.dim == 1
    X = loose.object("X", 1)
    cone = Cone(cospan, loose.matrix("p", X, A, [[0.05]]), loose.matrix("q", X, B, [[1.0]]))
    assert cone.commutes().equal  # 0.01 · 0.05 = 5e-4 ≤ 1e-3
    with pytest.raises(FactorError) as err:
        P.factor(cone)
    assert "p" in str(err.value) and "q" in str(err.value) and "A ×_C B" in str(err.value)


def test_inexact_and_non_numeric_entries_are_refused_with_their_position():
    A = MatQ.object("A", 2)
    with pytest.raises(DataError) as err:
        MatQ.matrix("f", A, A, [[1, 0], [0, 0.1]])
    assert "f" in str(err.value) and "0.1" in str(err.value) and "row 1, column 1" in str(err.value)
    with pytest.raises(DataError, match="'abc'"):
        MatQ.matrix("f", A, A, [[1, "abc"], [0, 1]])
    with pytest.raises(DataError, match="non-finite"):
        MatR.matrix("g", MatR.object("A", 1), MatR.object("A", 1), [[float("nan")]])
    with pytest.raises(DataError, match="symbols"):
        MatR.matrix("g", MatR.object("A", 1), MatR.object("A", 1), sympy.Matrix([[sympy.Symbol("t")]]))


def test_a_map_between_spaces_of_two_fields_is_refused():
    with pytest.raises(DataError, match="MatQ and MatR"):
        LinearMap("f", MatQ.object("A", 1), MatR.object("B", 1), [[1]])


def test_a_negative_dimension_is_refused():
    with pytest.raises(ShapeError, match="V"):
        VectorSpace("V", -1, MatQ)


def test_a_large_non_zero_polynomial_is_decided_by_expansion_not_simplify(monkeypatch):
    """``simplify`` on an expanded non-zero polynomial of a few thousand terms ran for minutes
    (issue 16: a diagram within the reader's caps made check_laws run for > 90 s)."""
    from catdyn.categories import mat

    a, b, c, d, e = sympy.symbols("a b c d e")
    big = (a + b + c + d + e + 1) ** 6

    def no_simplify(*args, **kwargs):
        raise AssertionError("simplify called")

    monkeypatch.setattr(sympy, "simplify", no_simplify)
    assert not mat._is_zero(big * (a + b) - (a + b) * big * (a + 1))
    assert mat._is_zero(big * (a + b) - (a + b) * big)
    assert mat._is_zero(1 / (a - 1) - 1 / (a + 1) - 2 / (a**2 - 1))  # a rational function: over one denominator
    assert not mat._is_zero(1 / (a - 1) - 1 / (a + 1))
