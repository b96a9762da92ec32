"""Widening (Net2Net) preserves the function for all five families, for equal and random
splits, and is refused where it would not (layer-normed coordinates, shrinking, bad maps)."""

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
from catdyn.backends.torch.models.widening import check_unit_map, reindex, widen  # noqa: E402
from catdyn.errors import ShapeError  # noqa: E402

ARCHS: list[Architecture] = [
    MLP((3, 4, 5, 2), batch_norm=True),
    CNN((1, 6, 6), (3, 4), 3, batch_norm=True),
    ResNet((1, 4, 4), 3, (2, 3), 2, batch_norm=True),
    Transformer(3, 4, 6, (2, 3), 2, (3, 4), 2),
    GRU(2, 4, 3),
]
IDS = [a.name for a in ARCHS]



@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
@given(seed=st.integers(0, 2**16), extra=st.integers(0, 3), split=st.sampled_from(["equal", "random"]))
def test_widening_preserves_the_function(arch: Architecture, seed: int, extra: int, split: str) -> None:
    g = torch.Generator().manual_seed(seed)
    theta = random_params(arch, g, torch.float64)
    x = arch.example_input(5, g, torch.float64)
    sizes = {grp.name: grp.size + extra for grp in arch.symmetry.groups if grp.widenable}
    wide, theta2 = widen(arch, theta, sizes, g, split)
    assert all(wide.symmetry[n].size == s for n, s in sizes.items())
    wide.symmetry.validate(theta2)
    torch.testing.assert_close(wide.apply(theta2, x), arch.apply(theta, x), rtol=1e-9, atol=1e-10)
    if extra:
        assert sum(t.numel() for t in theta2.values()) > sum(t.numel() for t in theta.values())


def test_widened_units_duplicate_features() -> None:
    net = MLP((3, 2, 2))
    theta = random_params(net, torch.Generator().manual_seed(0))
    source, fraction = torch.tensor([0, 1, 0, 1, 1]), torch.tensor([0.5, 0.2, 0.5, 0.3, 0.5])
    wide, theta2 = reindex(net, theta, {"hidden0": (source, fraction)})
    x = torch.randn(4, 3)
    torch.testing.assert_close(
        wide.features(theta2, x, "hidden0"), net.features(theta, x, "hidden0")[:, source]
    )
    torch.testing.assert_close(wide.apply(theta2, x), net.apply(theta, x), rtol=1e-5, atol=1e-6)


def test_wrong_splits_change_the_function() -> None:
    # The test can fail: fractions that do not sum to 1 are refused, and forcing them changes f.
    net = MLP((3, 2, 2))
    with pytest.raises(ShapeError, match="sum to"):
        check_unit_map(net, "hidden0", torch.tensor([0, 1, 1]), torch.tensor([1.0, 1.0, 1.0]))
    with pytest.raises(ShapeError, match="copies no unit"):
        check_unit_map(net, "hidden0", torch.tensor([0, 0]), torch.tensor([0.5, 0.5]))


def test_layer_normed_stream_cannot_be_widened() -> None:
    net = Transformer(3, 4, 6, (2,), 2, (3,), 2)
    theta = net.init(torch.Generator().manual_seed(0))
    with pytest.raises(ShapeError, match="cannot be widened"):
        widen(net, theta, {"stream": 8}, torch.Generator().manual_seed(0))


def test_widening_never_shrinks() -> None:
    net = MLP((3, 4, 2))
    with pytest.raises(ShapeError, match="cannot widen 4 units to 2"):
        widen(net, net.init(torch.Generator().manual_seed(0)), {"hidden0": 2}, torch.Generator())
