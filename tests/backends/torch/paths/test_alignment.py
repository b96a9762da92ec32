"""Alignment: planted permutations recovered exactly, the brute-force optimum, the laws."""

import itertools

import numpy as np
import pytest
import torch

from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet
from catdyn.backends.torch.models.symmetry import element_dict, permute, random_element
from catdyn.backends.torch.paths.alignment import (
    activation_matching,
    alignment_laws,
    matching_objective,
    weight_matching,
)
from catdyn.backends.torch.paths.interpolation import linear_path
from catdyn.categories.perm import Perm
from catdyn.checker.law import CheckConfig, check_law

NETS = [
    MLP((5, 12, 9, 7, 3)),
    MLP((4, 6, 3), batch_norm=True),
    CNN((1, 8, 8), (4, 6), 5),
    ResNet((1, 6, 6), 4, (3, 5), 3),
    GRU(3, 5, 2),
]


@pytest.mark.parametrize("net", NETS, ids=lambda n: n.name)
def test_weight_matching_recovers_a_planted_permutation(net) -> None:
    theta = net.init(torch.Generator().manual_seed(0))
    for s in range(3):
        tau = random_element(net, torch.Generator().manual_seed(10 + s))
        shuffled = permute(net, theta, tau)
        r = weight_matching(net, theta, shuffled, seed=s)
        got = element_dict(net, r.permutation)
        # σ is exactly τ⁻¹, group by group
        for g in net.symmetry.groups:
            assert torch.equal(got[g.name], torch.argsort(tau[g.name])), g.name
        assert r.permutation.dom == net.symmetry.group and r.converged
        aligned = permute(net, shuffled, r.permutation)
        assert all(torch.equal(aligned[k], theta[k]) for k in theta)


def test_aligned_copy_of_a_permuted_net_has_zero_barrier() -> None:
    net = MLP((4, 10, 3))
    theta = {k: 3 * v for k, v in net.init(torch.Generator().manual_seed(1)).items()}
    shuffled = permute(net, theta, random_element(net, torch.Generator().manual_seed(2)))
    x = torch.randn(200, 4, generator=torch.Generator().manual_seed(3))
    data = (x, net.apply(theta, x).argmax(1))  # labels of the network itself: zero error at both ends
    raw = linear_path(net, theta, shuffled, data, points=9)
    r = weight_matching(net, theta, shuffled)
    aligned = linear_path(net, theta, permute(net, shuffled, r.permutation), data, points=9)
    assert raw.barrier("error", "test") > 0.05  # the unaligned path does rise
    for m in ("loss", "error"):
        for d in ("mean-endpoint", "line-endpoint"):
            assert aligned.barrier(m, "test", d) == pytest.approx(0.0, abs=1e-7)


def test_one_hidden_layer_weight_matching_is_the_brute_force_optimum() -> None:
    # with one group the problem is one assignment problem: compare with all 6! permutations
    net = MLP((3, 6, 2))
    a, b = (net.init(torch.Generator().manual_seed(s)) for s in (3, 4))
    best = max(
        matching_objective(net, a, permute(net, b, {"hidden0": list(p)}))
        for p in itertools.permutations(range(6))
    )
    r = weight_matching(net, a, b)
    assert r.objective_after == pytest.approx(best, abs=1e-9)
    assert r.objective_after >= r.objective_before


def test_activation_matching_recovers_a_planted_permutation() -> None:
    for net in (MLP((4, 10, 8, 3)), CNN((1, 8, 8), (4, 6), 5), GRU(3, 5, 2)):
        theta = net.init(torch.Generator().manual_seed(0))
        tau = random_element(net, torch.Generator().manual_seed(5))
        shuffled = permute(net, theta, tau)
        x = net.example_input(128, torch.Generator().manual_seed(1))
        r = activation_matching(net, theta, shuffled, x)
        aligned = permute(net, shuffled, r.permutation)
        assert all(torch.allclose(aligned[k], theta[k]) for k in theta), net.name


def test_alignment_laws_hold_on_networks_and_a_broken_alignment_is_caught() -> None:
    net = MLP((3, 8, 5, 2))
    t0, t1 = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    x = torch.randn(20, 3)
    results = [check_law(law, CheckConfig(examples=4, seed=0)) for law in alignment_laws(net, t0, t1, x)]
    assert [r.status for r in results] == ["held", "held", "held"]
    # a "permutation" applied to weights but not to the next layer breaks the function: caught
    from catdyn.checker.law import Law, approx

    def broken(seed: int) -> torch.Tensor:
        moved = dict(t1)
        moved["fc0.weight"] = moved["fc0.weight"].flip(0)
        return net.apply(moved, x)

    law = Law(
        "broken alignment",
        "alignment",
        broken,
        lambda s: net.apply(t1, x),
        enumerate=lambda: [(0,)],
        compare=approx(atol=1e-5),
    )
    assert check_law(law).status == "refuted"


def test_alignment_is_a_perm_morphism_that_composes() -> None:
    net = MLP((3, 5, 4, 2))
    theta = net.init(torch.Generator().manual_seed(0))
    tau = Perm.random(net.symmetry.group, np.random.default_rng(0))
    r = weight_matching(net, theta, permute(net, theta, tau))
    assert (tau >> r.permutation) == Perm.identity(net.symmetry.group)


def test_alignment_laws_tolerate_rounding_at_scale_and_still_catch_a_broken_permute(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A trained CNN's logits are large (about 16 in the homotopy study's full preset), and a
    permuted copy rounds differently by about 1e-5 in float32: laws 1 and 2 must hold there
    (their tolerance scales with the values compared). Applying a permutation to a layer's
    output channels but not to the next layer's input channels is still refuted."""
    import catdyn.backends.torch.paths.alignment as alignment_module

    net = CNN((1, 8, 8), (8, 16), 10)
    big = [{k: 4.0 * v for k, v in net.init(torch.Generator().manual_seed(s)).items()} for s in (0, 1)]
    x = net.example_input(256, torch.Generator().manual_seed(2))
    assert float(net.apply(big[1], x).abs().max()) > 40  # a fixed tolerance of 1e-5 refuted both laws here
    laws = alignment_module.alignment_laws(net, big[0], big[1], x)
    assert [check_law(law, CheckConfig(examples=8, seed=0)).status for law in laws] == ["held"] * 3

    real = alignment_module.permute

    def next_layer_forgotten(arch, params, perm):  # type: ignore[no-untyped-def]
        out = real(arch, params, perm)
        out["conv1.weight"] = params["conv1.weight"]
        return out

    monkeypatch.setattr(alignment_module, "permute", next_layer_forgotten)
    broken = alignment_module.alignment_laws(net, big[0], big[1], x)[:2]
    assert [check_law(law, CheckConfig(examples=4, seed=0)).status for law in broken] == ["refuted"] * 2
