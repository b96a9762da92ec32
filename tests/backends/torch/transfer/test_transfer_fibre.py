"""The fibre product over Rep against exact pullbacks (FinSet, Mat) and closed forms."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from catdyn.backends.torch.transfer.category import SampledCategory
from catdyn.backends.torch.transfer.fibre import ConstraintSolver, fibre_laws, fibre_product
from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatR
from catdyn.checker.law import check_laws
from catdyn.errors import ConeError
from catdyn.limits import Cone, Cospan

D = torch.float64



AL = ConstraintSolver("augmented_lagrangian", penalty=1000.0, rounds=5, steps=40, optimiser="lbfgs")


def linear_cospan(Fm: np.ndarray, Gm: np.ndarray, cat: SampledCategory) -> Cospan:
    F, G = torch.tensor(Fm, dtype=D), torch.tensor(Gm, dtype=D)
    A, B, C = cat.space("A"), cat.space("B"), cat.space("C")
    return Cospan(cat.map("F", A, C, lambda a: F @ a), cat.map("G", B, C, lambda b: G @ b))


matrices = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).flatmap(
    lambda s: st.tuples(
        st.lists(st.integers(-2, 2), min_size=s[2] * s[0], max_size=s[2] * s[0]).map(
            lambda v, s=s: np.array(v, float).reshape(s[2], s[0])
        ),
        st.lists(st.integers(-2, 2), min_size=s[2] * s[1], max_size=s[2] * s[1]).map(
            lambda v, s=s: np.array(v, float).reshape(s[2], s[1])
        ),
        st.integers(0, 2**31 - 1),
    )
)


@given(matrices)
def test_param_construction_agrees_with_the_exact_mat_pullback(case):
    Fm, Gm, seed = case
    a, b = Fm.shape[1], Gm.shape[1]
    cat = SampledCategory(atol=1e-6, name="Lin")
    rng = np.random.default_rng(seed)
    starts = [rng.normal(size=a + b) for _ in range(a + b)]
    fp = fibre_product(
        linear_cospan(Fm, Gm, cat), [(torch.tensor(z[:a]), torch.tensor(z[a:])) for z in starts], AL
    )
    # the exact pullback in Mat: ker [F, -G] with an orthonormal basis K; projection K Kᵀ
    A, B, C = MatR.object("A", a), MatR.object("B", b), MatR.object("C", Fm.shape[0])
    exact = MatR.pullback(Cospan(MatR.matrix("F", A, C, Fm), MatR.matrix("G", B, C, Gm)))
    K = np.vstack([exact.left.matrix, exact.right.matrix])
    solved = np.array([np.concatenate([p.numpy(), q.numpy()]) for p, q in fp.points])
    for z, s in zip(starts, solved):
        np.testing.assert_allclose(s, K @ (K.T @ z), atol=1e-6)
    # the witnesses span the apex: same dimension as the exact pullback
    assert np.linalg.matrix_rank(solved, tol=1e-6) == exact.apex.dim
    # and a Mat cone factors through both: the Param mediating map fixes its points, and
    # Mat's mediating matrix U has K U = [P; Q]
    if exact.apex.dim:
        cone_cols = K @ rng.normal(size=(exact.apex.dim, 2))
        X = MatR.object("X", 2)
        mcone = Cone(
            exact.cospan, MatR.matrix("P", X, A, cone_cols[:a]), MatR.matrix("Q", X, B, cone_cols[a:])
        )
        U = exact.factor(mcone).matrix
        Xs = cat.space("X", [torch.tensor(c) for c in cone_cols.T])
        pcone = Cone(
            fp.cospan,
            cat.map("P", Xs, fp.cospan.left.dom, lambda x: x[:a]),
            cat.map("Q", Xs, fp.cospan.right.dom, lambda x: x[a:]),
        )
        u = fp.pullback.factor(pcone)
        for col, x in zip((K @ U).T, Xs.points):
            p, q = u(x)
            np.testing.assert_allclose(np.concatenate([p.numpy(), q.numpy()]), col, atol=1e-6)


@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, n - 1), min_size=1, max_size=4),
            st.lists(st.integers(0, n - 1), min_size=1, max_size=4),
            st.just(n),
        )
    )
)
def test_param_construction_agrees_with_the_exact_finset_pullback(case):
    f, g, n = case
    A, B, C = FinSet.object("A", len(f)), FinSet.object("B", len(g)), FinSet.object("C", n)
    exact = FinSet.pullback(Cospan(FinSet.function("f", A, C, f), FinSet.function("g", B, C, g)))
    pairs = {(exact.left(z), exact.right(z)) for z in exact.apex.elements}
    # the same cospan as linear maps on one-hot vectors; a pair is in the pullback when
    # projecting it onto the fibre product does not move it
    Mf, Mg = np.eye(n)[:, f], np.eye(n)[:, g]
    cat = SampledCategory(atol=1e-6, name="Lin")
    onehot = [
        (torch.eye(len(f), dtype=D)[i], torch.eye(len(g), dtype=D)[j])
        for i in range(len(f))
        for j in range(len(g))
    ]
    fp = fibre_product(linear_cospan(Mf, Mg, cat), onehot, AL)
    moved = {
        (i, j): float(sum((p - s).norm() ** 2 for p, s in zip(pt, start)) ** 0.5)
        for (i, j), pt, start in zip(
            [(i, j) for i in range(len(f)) for j in range(len(g))], fp.points, onehot
        )
    }
    found = {ij for ij, d in moved.items() if d < 1e-6}
    assert found == {(A.elements[i], B.elements[j]) for i, j in found} and len(found) == len(pairs)
    assert {(A.elements[i], B.elements[j]) for i, j in found} == pairs
    # off the pullback a one-hot pair is far from the fibre (at least 1/√2 away)
    assert all(d > 0.5 for ij, d in moved.items() if ij not in found)


def test_penalty_residual_falls_as_the_penalty_grows_and_matches_the_closed_form():
    M = np.array([[1.0, 2.0, -1.0], [0.0, 1.0, 1.0]])
    z0 = np.array([1.0, -2.0, 0.5])
    cat = SampledCategory(atol=1e-6, name="Lin")
    cospan = linear_cospan(M[:, :2], -M[:, 2:], cat)  # F a = G b  ⇔  M [a; b] = 0
    start = (torch.tensor(z0[:2]), torch.tensor(z0[2:]))
    residuals = []
    for mu in (0.1, 1.0, 10.0, 100.0, 1000.0):
        fp = fibre_product(
            cospan, [start], ConstraintSolver("penalty", penalty=mu, rounds=1, steps=200, optimiser="lbfgs")
        )
        p, q = fp.points[0]
        closed = np.linalg.solve(np.eye(3) + mu * M.T @ M, z0)  # argmin ½‖z − z0‖² + μ/2‖Mz‖²
        np.testing.assert_allclose(np.concatenate([p.numpy(), q.numpy()]), closed, atol=1e-7)
        residuals.append(fp.residual(fp.points[0]))
    assert all(b < a for a, b in itertools.pairwise(residuals))
    assert residuals[-1] < 1e-2 * residuals[0]
    # the augmented Lagrangian reaches the fibre at a fixed, modest μ
    al = fibre_product(
        cospan,
        [start],
        ConstraintSolver("augmented_lagrangian", penalty=1.0, rounds=30, steps=50, optimiser="lbfgs"),
    )
    assert al.residual(al.points[0]) < 1e-6 < residuals[1]


def test_penalty_residual_falls_on_a_real_network():
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.transfer.baselines import SourceModel, fibre_cospan

    g = torch.Generator().manual_seed(0)
    arch = MLP((6, 16, 3))
    src = SourceModel(arch, arch.init(g), "hidden0")
    probe, x = torch.randn(32, 6, generator=g), torch.randn(30, 6, generator=g)
    y = torch.randint(0, 3, (30,), generator=g)
    cospan = fibre_cospan(src, probe, SampledCategory(atol=1e-3, name="Param"))
    start = arch.init(torch.Generator().manual_seed(1))

    def ce(_a, th):
        return torch.nn.functional.cross_entropy(arch.apply(th, x), y)

    res = []
    for mu in (0.1, 10.0, 1000.0):
        solver = ConstraintSolver("penalty", penalty=mu, rounds=1, steps=150, lr=1e-2)
        fp = fibre_product(cospan, [((), start)], solver, objective=ce, fixed=("left",))
        res.append(fp.residual(fp.points[0]))
    assert res[0] > res[1] > res[2]


def test_universal_property_laws_hold_for_the_augmented_lagrangian_and_fail_for_a_weak_penalty():
    M = np.array([[1.0, -1.0]])
    cat = SampledCategory(atol=1e-5, name="Lin")
    cospan = linear_cospan(M[:, :1], -M[:, 1:], cat)
    starts = [
        (torch.tensor([1.0], dtype=D), torch.tensor([0.0], dtype=D)),
        (torch.tensor([0.0], dtype=D), torch.tensor([3.0], dtype=D)),
    ]
    good = fibre_product(cospan, starts, AL)
    assert all(r.ok for r in check_laws(fibre_laws(good)))
    weak = fibre_product(
        cospan, starts, ConstraintSolver("penalty", penalty=1.0, rounds=1, steps=50, optimiser="lbfgs")
    )
    statuses = {r.law: r.status for r in check_laws(fibre_laws(weak, cones=[good.pullback.cone]))}
    assert statuses["square commutes within tolerance"] == "refuted"
    # a cone that does not commute is refused, not factored
    A = cospan.left.dom
    X = cat.space("X", [torch.tensor([1.0], dtype=D)])
    bad = Cone(cospan, cat.map("p", X, A, lambda x: x), cat.map("q", X, cospan.right.dom, lambda x: 2 * x))
    with pytest.raises(ConeError):
        good.pullback.factor(bad)


def test_solver_refuses_bad_settings():
    with pytest.raises(ConeError):
        ConstraintSolver("lagrange")
    with pytest.raises(ConeError):
        ConstraintSolver(penalty=-1.0)


def _mlp_fibre(atol: float = 0.05):
    """A digits MLP's fibre product over Rep (64-16-5, 32 probes, one witness near the source):
    its witness lies in the apex (residual ≈ 0.038 < atol) but re-solving moves it ≈ 0.059."""
    from catdyn.backends.torch.data.datasets import load_digits
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.transfer.baselines import SourceModel, fibre_cospan

    x = load_digits(seed=0).train.x[:32].double()
    arch = MLP((64, 16, 5))
    src = SourceModel(arch, arch.init(torch.Generator().manual_seed(0), D), "hidden0")
    noise = torch.Generator().manual_seed(1)
    starts = [((), {k: v + 0.05 * torch.randn(v.shape, generator=noise) for k, v in src.params.items()})]
    solver = ConstraintSolver("augmented_lagrangian", penalty=100.0, rounds=5, steps=50, optimiser="lbfgs")
    return fibre_product(fibre_cospan(src, x, SampledCategory(atol=atol, name="Param")), starts, solver,
                         fixed=("left",))


def _statuses(fp, cones=()):
    return {r.law: r for r in check_laws(fibre_laws(fp, cones=cones))}


def test_the_projection_onto_the_apex_is_idempotent_and_fixes_points_already_in_it():
    M = np.array([[1.0, -1.0]])
    cat = SampledCategory(atol=1e-5, name="Lin")
    fp = fibre_product(linear_cospan(M[:, :1], -M[:, 1:], cat), [(torch.tensor([1.0], dtype=D),
                                                                  torch.tensor([0.0], dtype=D))], AL)
    off = (torch.tensor([2.0], dtype=D), torch.tensor([-2.0], dtype=D))  # a = −b, off the fibre a = b
    once = fp.project(off)
    np.testing.assert_allclose([once[0].item(), once[1].item()], [0.0, 0.0], atol=1e-6)  # closed form
    twice = fp.project(once)
    assert twice is once  # in the apex: not moved at all
    on = (torch.tensor([0.5], dtype=D), torch.tensor([0.5], dtype=D))
    assert fp.project(on) is on and fp.on_fibre(on) and not fp.on_fibre(off)


def test_every_cone_factors_holds_on_a_real_network_and_the_old_resolve_is_refuted():
    fp = _mlp_fibre()
    laws = _statuses(fp)
    assert laws["square commutes within tolerance"].status == "held"
    assert laws["every cone factors within tolerance"].status == "held"
    # a true cone that is not the apex's own: witnesses solved from other starts, same cospan
    g = torch.Generator().manual_seed(7)
    theta = fp.points[0][1]
    other = fibre_product(fp.cospan, [((), {k: v + 0.02 * torch.randn(v.shape, generator=g, dtype=D)
                                            for k, v in theta.items()})], fp.solver, fixed=("left",))
    assert _statuses(fp, cones=[other.pullback.cone])["every cone factors within tolerance"].status == "held"
    # the planted broken construction: a mediating morphism that re-solves for the exact fibre
    # (the old statement) moves the witnesses, so the law is refuted with that distance
    from catdyn.backends.torch.transfer.fibre import factorisation_diagnostics
    from catdyn.limits import Pullback

    good = fp.pullback
    cat = fp.category
    fp.pullback = Pullback(good.cone, lambda cone: cat.map(
        "resolve", cone.apex, good.apex, lambda x: fp.resolve((cone.left(x), cone.right(x)))))
    broken = _statuses(fp)["every cone factors within tolerance"]
    moved = [d["moved_by_projection"] for d in factorisation_diagnostics(fp)]
    assert broken.status == "refuted" and broken.residual > cat.atol
    assert any(broken.residual == pytest.approx(m, rel=1e-6) for m in moved)  # the counterexample's move


def test_a_planted_cone_that_does_not_factor_is_refuted():
    M = np.array([[1.0, -1.0]])
    cat = SampledCategory(atol=1e-5, name="Lin")
    cospan = linear_cospan(M[:, :1], -M[:, 1:], cat)
    fp = fibre_product(cospan, [(torch.tensor([1.0], dtype=D), torch.tensor([0.0], dtype=D))], AL)
    A, B = cospan.left.dom, cospan.right.dom
    X = cat.space("X", [torch.tensor([1.0], dtype=D), torch.tensor([-3.0], dtype=D)])
    true = Cone(cospan, cat.map("p", X, A, lambda x: x), cat.map("q", X, B, lambda x: x))   # a = b
    bad = Cone(cospan, cat.map("p", X, A, lambda x: x), cat.map("q", X, B, lambda x: 2 * x))  # a ≠ b
    assert _statuses(fp, cones=[true])["every cone factors within tolerance"].status == "held"
    refuted = _statuses(fp, cones=[true, bad])["every cone factors within tolerance"]
    assert refuted.status == "refuted" and refuted.residual == float("inf")
    # and a mediating morphism that lands outside the apex (a constant off the fibre) is refuted
    # although its projections would be close within a loose parameter tolerance
    loose = SampledCategory(atol=0.5, name="Loose")
    lc = linear_cospan(M[:, :1], -M[:, 1:], loose)
    lfp = fibre_product(lc, [(torch.tensor([1.0], dtype=D), torch.tensor([1.0], dtype=D))], AL)
    from catdyn.limits import Pullback

    Y = loose.space("Y", [torch.tensor([0.0], dtype=D)])
    cone = Cone(lc, loose.map("p", Y, lc.left.dom, lambda y: y), loose.map("q", Y, lc.right.dom, lambda y: y))
    lfp.pullback = Pullback(lfp.pullback.cone, lambda c: loose.map(
        "off", c.apex, lfp.pullback.apex, lambda y: (torch.tensor([0.3], dtype=D), torch.tensor([-0.3], dtype=D))))
    r = _statuses(lfp, cones=[cone])["every cone factors within tolerance"]
    assert r.status == "refuted" and r.residual < 0.5  # close in parameters, but not in the apex
