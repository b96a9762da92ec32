"""Weight matching recovers planted permutations on wide nets of every family, over many seeds.

A small net can hide a wrong axis in the matching: on GRU(3, 5, 2), using the recurrent
permutation where its inverse belongs (``_group_cost``) still recovers every planted
permutation, while on GRU(4, 24, 3) it recovers about half. So each family is tested here at a
width where a unit matched from the wrong side cannot pass by luck, and over eight seeds.
"""

from __future__ import annotations

import pytest
import torch

from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer
from catdyn.backends.torch.models.symmetry import element_dict, permute, random_element
from catdyn.backends.torch.paths.alignment import weight_matching

SEEDS = range(8)

WIDE_NETS = [
    MLP((6, 32, 24, 4)),
    CNN((1, 8, 8), (12, 16), 4),
    ResNet((1, 6, 6), 8, (8, 12), 3),
    Transformer(input_dim=3, seq_len=4, d_model=12, heads=(3, 2), head_dim=4, mlp=(16, 10), classes=3),
    GRU(4, 24, 3),
    GRU(2, 32, 5),
]


def _recovered(net, theta, seed: int) -> bool:
    tau = random_element(net, torch.Generator().manual_seed(1000 + seed))
    shuffled = permute(net, theta, tau)
    r = weight_matching(net, theta, shuffled, seed=seed)
    got = element_dict(net, r.permutation)
    return all(torch.equal(got[g.name], torch.argsort(tau[g.name])) for g in net.symmetry.groups)


@pytest.mark.parametrize("net", WIDE_NETS, ids=lambda n: n.name)
def test_every_planted_permutation_is_inverted_exactly(net) -> None:
    # the parameters differ per seed too: a symmetric accident of one draw cannot carry the test
    misses = [
        s for s in SEEDS if not _recovered(net, net.init(torch.Generator().manual_seed(s)), s)
    ]
    assert misses == [], f"{net.name}: planted permutation not recovered for seeds {misses}"


@pytest.mark.parametrize("net", WIDE_NETS, ids=lambda n: n.name)
def test_the_aligned_copy_is_the_original_tensor_for_tensor(net) -> None:
    theta = net.init(torch.Generator().manual_seed(7))
    shuffled = permute(net, theta, random_element(net, torch.Generator().manual_seed(8)))
    r = weight_matching(net, theta, shuffled, seed=3)
    aligned = permute(net, shuffled, r.permutation)
    assert r.converged
    assert all(torch.equal(aligned[k], theta[k]) for k in theta)
    assert r.objective_after >= r.objective_before
