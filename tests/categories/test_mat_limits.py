"""Mat limits and colimits (kernels and cokernels) on 1,000 random small diagrams over ℚ,
against dimensions computed independently (rank of the constraint matrix by numpy) and the
factorisation of cones built from an independent null space (sympy's ``nullspace``); the
same over ℝ within tolerance."""

import numpy as np
import sympy

from catdyn import Diagram
from catdyn.categories.mat import MatQ, MatR
from catdyn.limits import (
    DiagramCocone,
    DiagramCone,
    coequaliser,
    colimit,
    coproduct,
    equaliser,
    limit,
    product,
)


def random_diagram(cat, rng: np.random.Generator, k: int, real: bool = False) -> Diagram:
    objects = [cat.object(f"V{i}", int(rng.integers(0, 3))) for i in range(int(rng.integers(1, 4)))]
    morphisms = []
    for j in range(int(rng.integers(0, 4))):
        a, b = objects[int(rng.integers(len(objects)))], objects[int(rng.integers(len(objects)))]
        data = rng.integers(-1, 3, (b.dim, a.dim))
        morphisms.append(cat.matrix(f"m{j}", a, b, data.astype(float) if real else data.tolist() or []))
    return Diagram(f"D{k}", cat, morphisms, objects=objects)


def constraint_rows(d: Diagram) -> np.ndarray:
    """``[m x_dom − x_cod]`` as a float array, written out here (independently)."""
    objs = list(d.objects)
    at = np.cumsum([0] + [o.dim for o in objs])
    idx = {o.name: i for i, o in enumerate(objs)}
    rows = []
    for m in d.morphisms:
        block = np.zeros((m.cod.dim, at[-1]))
        i, j = idx[m.dom.name], idx[m.cod.name]
        block[:, at[i] : at[i + 1]] += np.array(m.matrix.tolist(), dtype=float).reshape(m.cod.dim, m.dom.dim)
        block[:, at[j] : at[j + 1]] -= np.eye(m.cod.dim)
        rows.append(block)
    return np.vstack(rows) if rows else np.zeros((0, at[-1]))


def cocone_rows(d: Diagram) -> np.ndarray:
    """``[y_dom − mᵀ y_cod]``: a cocone ``L`` commutes iff ``Lᵀ`` is in its null space."""
    objs = list(d.objects)
    at = np.cumsum([0] + [o.dim for o in objs])
    idx = {o.name: i for i, o in enumerate(objs)}
    rows = []
    for m in d.morphisms:
        block = np.zeros((m.dom.dim, at[-1]))
        i, j = idx[m.dom.name], idx[m.cod.name]
        block[:, at[i] : at[i + 1]] += np.eye(m.dom.dim)
        block[:, at[j] : at[j + 1]] -= np.array(m.matrix.tolist(), dtype=float).reshape(m.cod.dim, m.dom.dim).T
        rows.append(block)
    return np.vstack(rows) if rows else np.zeros((0, at[-1]))


def rank(m: np.ndarray) -> int:
    return int(np.linalg.matrix_rank(m)) if m.size else 0


def test_mat_q_limits_and_colimits_on_1000_random_diagrams():
    rng = np.random.default_rng(7)
    for k in range(1000):
        d = random_diagram(MatQ, rng, k)
        objs = list(d.objects)
        M = constraint_rows(d)
        n = M.shape[1]
        L, C = limit(d), colimit(d)
        assert L.apex.dim == n - rank(M), d  # dim ker M
        assert C.apex.dim == n - rank(cocone_rows(d)), d  # the cocones into a line
        assert L.cone.commutes().equal and C.cocone.commutes().equal
        stacked = sympy.Matrix.vstack(*(sympy.Matrix(L.leg(o).matrix) for o in objs))
        assert stacked.rank() == L.apex.dim  # legs jointly injective: factorisations unique
        side = sympy.Matrix.hstack(*(sympy.Matrix(C.leg(o).matrix) for o in objs))
        assert side.rank() == C.apex.dim  # legs jointly surjective
        # a cone from an independent null-space vector factors exactly
        null = sympy.Matrix(M.astype(int).tolist()).nullspace() if M.shape[0] else [sympy.eye(n)[:, j] for j in range(n)]
        if null:
            v = sum((int(c) * b for c, b in zip(rng.integers(-2, 3, len(null)), null)), sympy.zeros(n, 1))
            X = MatQ.object("X", 1)
            at = np.cumsum([0] + [o.dim for o in objs])
            cone = DiagramCone(d, X, {o.name: MatQ.matrix("x", X, o, v[at[i] : at[i + 1], :]) for i, o in enumerate(objs)})
            u = L.factor(cone)
            assert all(MatQ.compare(u >> L.leg(o), cone.leg(o)).equal for o in objs)


def test_mat_r_limits_and_colimits_within_tolerance():
    rng = np.random.default_rng(8)
    for k in range(300):
        d = random_diagram(MatR, rng, k, real=True)
        M = constraint_rows(d)
        L, C = limit(d), colimit(d)
        assert L.apex.dim == M.shape[1] - rank(M)
        assert C.apex.dim == M.shape[1] - rank(cocone_rows(d))
        assert L.cone.commutes().equal and C.cocone.commutes().equal
        assert MatR.compare(L.factor(L.cone), MatR.identity(L.apex)).equal
        assert MatR.compare(C.factor(C.cocone), MatR.identity(C.apex)).equal


def test_products_and_coproducts_are_direct_sums():
    for cat in (MatQ, MatR):
        A, B = cat.object("A", 2), cat.object("B", 1)
        P, S = product(A, B), coproduct(A, B)
        assert P.apex.dim == S.apex.dim == 3
        # π_A ∘ ι_A = id, π_B ∘ ι_A = 0 once the apexes are identified
        iso = P.leg("A").matrix, S.leg("A").matrix
        assert np.array(iso[0], dtype=float).shape == (2, 3) and np.array(iso[1], dtype=float).shape == (3, 2)


def test_cokernel_mediates_a_cocone_and_refuses_a_non_commuting_one():
    U, V = MatQ.object("U", 2), MatQ.object("V", 2)
    f = MatQ.matrix("f", U, V, [[1, 0], [0, 0]])
    g = MatQ.matrix("g", U, V, [[0, 0], [0, 0]])
    Q = coequaliser(f, g)  # V modulo the first axis
    assert Q.apex.dim == 1
    Y = MatQ.object("Y", 1)
    ok = DiagramCocone(Q.diagram, Y, {"U": MatQ.matrix("a", U, Y, [[0, 0]]), "V": MatQ.matrix("b", V, Y, [[0, 5]])})
    u = Q.factor(ok)
    assert MatQ.compare(Q.leg("V") >> u, ok.leg("V")).equal
    bad = DiagramCocone(Q.diagram, Y, {"U": MatQ.matrix("a", U, Y, [[0, 0]]), "V": MatQ.matrix("b", V, Y, [[1, 0]])})
    import pytest

    from catdyn.errors import ConeError

    with pytest.raises(ConeError, match="does not commute"):
        Q.factor(bad)
    E = equaliser(f, g)
    assert E.apex.dim == 1 and E.leg("U").matrix.tolist() == [[0], [1]]
