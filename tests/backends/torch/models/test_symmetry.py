"""Symmetry functoriality for all five families: a permuted network computes the same function,
and the permutation action is a group action (identity, composition, inverse) of the Perm group."""

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from catdyn.backends.torch.models.architectures import (  # noqa: E402
    CNN,
    GRU,
    MLP,
    Architecture,
    ResNet,
    Transformer,
    random_params,
)
from catdyn.backends.torch.models.symmetry import (  # noqa: E402
    coordinate_permutation,
    element_dict,
    permutation_matrix,
    permute,
    to_permutation,
)
from catdyn.categories.perm import Perm  # noqa: E402
from catdyn.errors import ShapeError  # noqa: E402

ARCHS: list[Architecture] = [
    MLP((3, 4, 5, 2), batch_norm=True),
    CNN((1, 6, 6), (3, 4), 3, batch_norm=True),
    ResNet((1, 4, 4), 3, (2, 3), 2, batch_norm=True),
    Transformer(3, 4, 6, (2, 3), 2, (3, 4), 2),
    GRU(2, 4, 3),
]
IDS = [a.name for a in ARCHS]



def elements(arch: Architecture):
    """Hypothesis-generated Perm morphisms of the architecture's symmetry group."""
    return Perm.morphisms(arch.symmetry.group, arch.symmetry.group)


def setup(arch: Architecture, seed: int):
    g = torch.Generator().manual_seed(seed)
    return random_params(arch, g, torch.float64), arch.example_input(5, g, torch.float64)


@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_a_permuted_network_computes_the_same_function(arch: Architecture, data, seed: int) -> None:
    theta, x = setup(arch, seed)
    sigma = data.draw(elements(arch))
    moved = permute(arch, theta, sigma)
    torch.testing.assert_close(arch.apply(moved, x), arch.apply(theta, x), rtol=1e-9, atol=1e-10)
    if any(not (p == range(len(p))).all() for p in sigma.perms):
        assert any(not torch.equal(moved[k], theta[k]) for k in theta)


@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_permutation_is_a_group_action(arch: Architecture, data, seed: int) -> None:
    theta, _ = setup(arch, seed)
    s, t = data.draw(elements(arch)), data.draw(elements(arch))
    G = arch.symmetry.group
    ident = permute(arch, theta, Perm.identity(G))
    assert all(torch.equal(ident[k], theta[k]) for k in theta)
    one_by_one = permute(arch, permute(arch, theta, s), t)
    at_once = permute(arch, theta, s >> t)
    assert all(torch.equal(one_by_one[k], at_once[k]) for k in theta)
    back = permute(arch, permute(arch, theta, s), s.inverse())
    assert all(torch.equal(back[k], theta[k]) for k in theta)


@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_features_move_by_the_coordinate_permutation(arch: Architecture, data, seed: int) -> None:
    theta, x = setup(arch, seed)
    sigma = data.draw(elements(arch))
    moved = permute(arch, theta, sigma)
    for layer in arch.layers():
        P = permutation_matrix(arch, layer, sigma, torch.float64)
        expected = arch.features(theta, x, layer) @ P.T
        torch.testing.assert_close(arch.features(moved, x, layer), expected, rtol=1e-9, atol=1e-10)


def test_every_declared_tensor_is_touched_and_every_weight_permuted() -> None:
    # A symmetry that forgot a tensor would leave it fixed: every tensor the spec names moves
    # under a derangement of every group.
    for arch in ARCHS:
        theta, _ = setup(arch, 0)
        sigma = {g.name: torch.roll(torch.arange(g.size), 1) for g in arch.symmetry.groups}
        moved = permute(arch, theta, sigma)
        touched = {t for g in arch.symmetry.groups for t in g.tensors()}
        for name in touched:
            assert not torch.equal(moved[name], theta[name]), (arch.name, name)
        # and the weights and biases of hidden layers are all declared somewhere
        output_bias = f"fc{len(arch.widths) - 2}.bias" if isinstance(arch, MLP) else "head.bias"
        for name in theta:
            if name != output_bias:
                assert name in touched, (arch.name, name)


def test_the_layer_coordinates_of_heads_move_in_blocks() -> None:
    net = Transformer(3, 4, 6, (3,), 2, (4,), 2)
    pi = coordinate_permutation(net, "layer0.attn", {"layer0.heads": [2, 0, 1]})
    assert pi.tolist() == [4, 5, 0, 1, 2, 3]


def test_group_elements_are_checked() -> None:
    net = MLP((2, 3, 1))
    with pytest.raises(ShapeError, match="permutation of 0 … 2"):
        element_dict(net, {"hidden0": [0, 0, 1]})
    with pytest.raises(ShapeError, match="no symmetry group"):
        element_dict(net, {"hidden9": [0, 1, 2]})
    other = Perm.identity(MLP((2, 4, 1)).symmetry.group)
    with pytest.raises(ShapeError, match="symmetry group"):
        permute(net, net.init(torch.Generator().manual_seed(0)), other)
    assert to_permutation(net, {"hidden0": [1, 2, 0]}).dom == net.symmetry.group
