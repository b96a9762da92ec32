"""Alignment (``backends/torch/paths/alignment.py``) against brute force on tiny nets: the unit
cost matrix against its sum-of-inner-products definition, the assignment against every
permutation, the recorded objectives against a direct ``Σ⟨θ_a, σ·θ_b⟩``, groups held at
``init``, the similarity options of activation matching, ``align``'s options, and the errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import catdyn.backends.torch.paths.alignment as A  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.models.symmetry import element_dict, permute, random_element  # noqa: E402
from catdyn.errors import HomotopyError, ShapeError  # noqa: E402


def _objective(a, b, names):
    return sum(float((a[k].double() * b[k].double()).sum()) for k in names)


def test_group_cost_is_the_sum_of_unit_inner_products() -> None:
    net = MLP((3, 4, 5, 2))
    a = net.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    b = net.init(torch.Generator().manual_seed(1), dtype=torch.float64)
    for gi, group in enumerate(net.symmetry.groups):
        cost = A._group_cost(net, group, a, b)
        size = group.size
        ref = np.zeros((size, size))
        for i, j in itertools.product(range(size), range(size)):
            # hidden layer gi: its rows of fc{gi} (weight and bias) and its columns of fc{gi+1}
            ref[i, j] = (
                float(a[f"fc{gi}.weight"][i] @ b[f"fc{gi}.weight"][j])
                + float(a[f"fc{gi}.bias"][i] * b[f"fc{gi}.bias"][j])
                + float(a[f"fc{gi + 1}.weight"][:, i] @ b[f"fc{gi + 1}.weight"][:, j])
            )
        np.testing.assert_allclose(cost.numpy(), ref, atol=1e-12)


def test_assignment_is_the_best_over_every_permutation() -> None:
    g = torch.Generator().manual_seed(3)
    for _ in range(20):
        cost = torch.randn(5, 5, generator=g, dtype=torch.float64)
        sigma = A._assign(cost)
        best = max(
            itertools.permutations(range(5)), key=lambda s: sum(float(cost[s[j], j]) for j in range(5))
        )
        assert sigma.tolist() == list(best)
        assert A._score(cost, sigma) == pytest.approx(sum(float(cost[best[j], j]) for j in range(5)))


def test_objectives_are_the_direct_inner_products_and_buffers_are_left_out() -> None:
    for net in (MLP((3, 5, 4, 2)), MLP((3, 5, 2), batch_norm=True)):
        a = net.init(torch.Generator().manual_seed(0))
        b = net.init(torch.Generator().manual_seed(1))
        acted = {ac.tensor for grp in net.symmetry.groups for ac in grp.actions} - set(net.buffers())
        assert A.matching_objective(net, a, b) == pytest.approx(_objective(a, b, acted), rel=1e-12)
        if net.buffers():
            b2 = dict(b)
            for k in net.buffers():
                b2[k] = b[k] + 100.0
            assert A.matching_objective(net, a, b2) == A.matching_objective(net, a, b)
        r = A.weight_matching(net, a, b)
        moved = permute(net, b, r.permutation)
        assert r.objective_before == pytest.approx(_objective(a, b, acted), rel=1e-12)
        assert r.objective_after == pytest.approx(_objective(a, moved, acted), rel=1e-12)
        assert r.objective_after >= r.objective_before
        assert r.method == "weight" and r.converged and 1 <= r.sweeps <= 100


def test_groups_outside_the_descent_stay_at_init() -> None:
    net = MLP((3, 5, 4, 2))
    theta = net.init(torch.Generator().manual_seed(0))
    tau = random_element(net, torch.Generator().manual_seed(4))
    shuffled = permute(net, theta, tau)
    # the true inverse of tau, as found by a full matching
    full = element_dict(net, A.weight_matching(net, theta, shuffled).permutation)
    init = random_element(net, torch.Generator().manual_seed(9))
    init_d = element_dict(net, init)
    r = A.weight_matching(net, theta, shuffled, groups=["hidden1"], init=init)
    got = element_dict(net, r.permutation)
    assert torch.equal(got["hidden0"], init_d["hidden0"])  # held
    r2 = A.weight_matching(net, theta, shuffled, groups=[])
    assert r2.converged and r2.sweeps == 0
    assert all(torch.equal(p, torch.arange(len(p))) for p in element_dict(net, r2.permutation).values())
    r3 = A.weight_matching(net, theta, shuffled, init=init)
    assert all(torch.equal(element_dict(net, r3.permutation)[k], full[k]) for k in full)
    with pytest.raises(ShapeError, match="nope"):
        A.weight_matching(net, theta, shuffled, groups=["nope"])
    with pytest.raises(HomotopyError):
        A.weight_matching(net, theta, {k: shuffled[k] for k in reversed(list(shuffled))})


def _act_cost(net, a, b, x, similarity):
    za = net.features(a, x, "hidden0").double().T
    zb = net.features(b, x, "hidden0").double().T
    if similarity == "correlation":
        za = za - za.mean(1, keepdim=True)
        zb = zb - zb.mean(1, keepdim=True)
        za = za / za.norm(dim=1, keepdim=True)
        zb = zb / zb.norm(dim=1, keepdim=True)
    return za @ zb.T


@pytest.mark.parametrize("similarity", ["correlation", "inner"])
def test_activation_matching_similarities_against_all_orders(similarity) -> None:
    net = MLP((3, 5, 2), activation="tanh")
    a = net.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    b = net.init(torch.Generator().manual_seed(1), dtype=torch.float64)
    x = torch.randn(40, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    r = A.activation_matching(net, a, b, x, similarity=similarity)
    cost = _act_cost(net, a, b, x, similarity)
    best = max(itertools.permutations(range(5)), key=lambda s: sum(float(cost[s[j], j]) for j in range(5)))
    assert element_dict(net, r.permutation)["hidden0"].tolist() == list(best)
    assert r.extra == {"weight_matched_groups": [], "similarity": similarity}
    assert (r.method, r.sweeps, r.converged) == ("activation", 1, True)
    acted = {ac.tensor for grp in net.symmetry.groups for ac in grp.actions}
    assert r.objective_before == pytest.approx(_objective(a, b, acted), rel=1e-12)
    moved = permute(net, b, r.permutation)
    assert r.objective_after == pytest.approx(_objective(a, moved, acted), rel=1e-12)
    with pytest.raises(HomotopyError, match="similarity"):
        A.activation_matching(net, a, b, x, similarity="cosine")  # type: ignore[arg-type]


def test_a_scaled_unit_is_matched_by_correlation() -> None:
    """A unit scaled by 50 is still its original to correlation; both similarities are their brute-force optimum."""
    net = MLP((2, 3, 2), activation="identity")
    a = net.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    x = torch.randn(50, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    b = {k: v.clone() for k, v in a.items()}
    # b's unit 0 is a's unit 0 scaled by 50: correlation still matches it to a's unit 0
    b["fc0.weight"][0] *= 50.0
    b["fc0.bias"][0] *= 50.0
    orders = {}
    for similarity in ("correlation", "inner"):
        r = A.activation_matching(net, a, b, x, similarity=similarity)
        orders[similarity] = element_dict(net, r.permutation)["hidden0"].tolist()
        cost = _act_cost(net, a, b, x, similarity)
        best = max(
            itertools.permutations(range(3)), key=lambda s: sum(float(cost[s[j], j]) for j in range(3))
        )
        assert orders[similarity] == list(best)
    assert orders["correlation"] == [0, 1, 2]


def test_align_options() -> None:
    net = MLP((3, 5, 2))
    a = net.init(torch.Generator().manual_seed(0))
    b = net.init(torch.Generator().manual_seed(1))
    x = torch.randn(30, 3, generator=torch.Generator().manual_seed(2))
    same, none = A.align(net, a, b, method="none")
    assert none is None and same is not b and all(torch.equal(same[k], b[k]) for k in b)
    moved, r = A.align(net, a, b, method="activation", x=x, seed=3)
    ref = A.activation_matching(net, a, b, x, seed=3)
    assert r.method == "activation"
    assert (
        element_dict(net, r.permutation)["hidden0"].tolist()
        == element_dict(net, ref.permutation)["hidden0"].tolist()
    )
    expected = permute(net, b, ref.permutation)
    assert all(torch.equal(moved[k], expected[k]) for k in b)
    with pytest.raises(HomotopyError, match="probe"):
        A.align(net, a, b, method="activation")
    with pytest.raises(HomotopyError, match="method"):
        A.align(net, a, b, method="greedy")  # type: ignore[arg-type]


def test_group_cost_ignores_batch_norm_statistics() -> None:
    """Running statistics are moved by the group but never choose the permutation: the cost
    is the same with any statistics, and equals the sum over the other tensors."""
    net = MLP((3, 4, 2), batch_norm=True)
    a = net.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    b = net.init(torch.Generator().manual_seed(1), dtype=torch.float64)
    group = net.symmetry.groups[0]
    acted = [ac for ac in group.actions if ac.tensor not in set(net.buffers())]
    assert len(acted) < len(group.actions)  # the statistics are acted on
    b2 = dict(b)
    for k in net.buffers():
        b2[k] = torch.rand(b[k].shape, dtype=torch.float64) * 50 + 1
    cost = A._group_cost(net, group, a, b2)
    ref = torch.zeros(4, 4, dtype=torch.float64)
    for ac in acted:
        ua = a[ac.tensor].movedim(ac.axis, 0).reshape(4, -1)
        ub = b2[ac.tensor].movedim(ac.axis, 0).reshape(4, -1)
        ref += ua @ ub.T
    torch.testing.assert_close(cost, ref)
    torch.testing.assert_close(cost, A._group_cost(net, group, a, b))


def test_alignment_laws_are_named_and_filed_as_documented() -> None:
    """The three laws of the docstring, in its order, each in the ``alignment`` suite, about
    the architecture, with its statement."""
    net = MLP((3, 4, 2))
    t0, t1 = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    laws = A.alignment_laws(net, t0, t1, torch.randn(8, 3, generator=torch.Generator().manual_seed(2)))
    assert [law.name for law in laws] == [
        "aligned network computes the same function",
        "realisation of the aligned network is the permuted realisation",
        "weight matching inverts a planted permutation",
    ]
    assert [law.suite for law in laws] == ["alignment"] * 3
    assert [law.subject for law in laws] == [net.name] * 3
    assert [law.argnames for law in laws] == [("seed",)] * 3
    assert [law.statement for law in laws] == [
        "f(σ·θ_b) = f(θ_b), σ = weight_matching(θ_a, θ_b)",
        "features(σ·θ_b) = features(θ_b) · P_σᵀ at every layer",
        "σ·(τ·θ) = θ for σ = weight_matching(θ, τ·θ)",
    ]
