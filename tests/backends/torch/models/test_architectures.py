"""The Architecture contract for all five families: deterministic init, pure apply that works
under vmap and grad, features of every layer, batch norm, and agreement with torch's own layers."""

import pytest

torch = pytest.importorskip("torch")

from torch.func import grad, vmap  # noqa: E402

from catdyn.backends.torch.models.architectures import (  # noqa: E402
    CNN,
    GRU,
    MLP,
    Architecture,
    ResNet,
    Transformer,
    random_params,
    recalibrate,
)
from catdyn.backends.torch.models.symmetry import AxisAction, PermGroup, SymmetrySpec  # noqa: E402
from catdyn.errors import ShapeError  # noqa: E402

ARCHS: list[Architecture] = [
    MLP((4, 5, 6, 3), batch_norm=True),
    CNN((2, 8, 8), (3, 4), 5, batch_norm=True),
    CNN((1, 6, 6), (3,), 2, pool="avg", readout="mean"),
    ResNet((2, 6, 6), 4, (3, 5), 3, batch_norm=True),
    Transformer(3, 5, 8, (2, 3), 4, (6, 7), 2),
    Transformer(3, 5, 8, (2,), 4, (6,), 2, vocab=11),
    GRU(3, 5, 2),
]
IDS = [a.name for a in ARCHS]



@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
def test_init_is_deterministic_and_ordered(arch: Architecture) -> None:
    a = arch.init(torch.Generator().manual_seed(3))
    b = arch.init(torch.Generator().manual_seed(3))
    c = arch.init(torch.Generator().manual_seed(4))
    assert list(a) == list(b) == list(c)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a)
    arch.symmetry.validate(a)
    assert set(arch.buffers()) <= set(a)


@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
def test_features_of_every_layer_are_matrices(arch: Architecture) -> None:
    g = torch.Generator().manual_seed(0)
    theta = random_params(arch, g)
    x = arch.example_input(7, g)
    for layer in arch.layers():
        f = arch.features(theta, x, layer)
        assert f.shape == (7, arch.layer_width(layer)), layer
    assert torch.equal(arch.features(theta, x, "logits"), arch.apply(theta, x))
    with pytest.raises(ShapeError, match="no layer"):
        arch.features(theta, x, "nope")


@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
def test_apply_works_under_vmap_and_grad(arch: Architecture) -> None:
    g = torch.Generator().manual_seed(1)
    members = [arch.init(torch.Generator().manual_seed(k)) for k in range(3)]
    stacked = {k: torch.stack([m[k] for m in members]) for k in members[0]}
    x = arch.example_input(6, g)
    y = torch.randint(0, arch.layer_width("logits"), (6,), generator=g)
    batched = vmap(lambda p: arch.apply(p, x, train=True))(stacked)
    looped = torch.stack([arch.apply(m, x, train=True) for m in members])
    torch.testing.assert_close(batched, looped, rtol=1e-5, atol=1e-6)

    def loss(p):
        return torch.nn.functional.cross_entropy(arch.apply(p, x, train=True), y)

    grads = vmap(grad(loss))(stacked)
    single = grad(loss)(members[1])
    for k in single:
        torch.testing.assert_close(grads[k][1], single[k], rtol=1e-5, atol=1e-6)
    assert any(single[k].abs().sum() > 0 for k in single if k not in arch.buffers())


def test_mlp_matches_torch_layers() -> None:
    net = MLP((3, 4, 2), activation="tanh")
    theta = net.init(torch.Generator().manual_seed(0))
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    ref.load_state_dict(
        {
            "0.weight": theta["fc0.weight"],
            "0.bias": theta["fc0.bias"],
            "2.weight": theta["fc1.weight"],
            "2.bias": theta["fc1.bias"],
        }
    )
    x = torch.randn(5, 3)
    torch.testing.assert_close(net.apply(theta, x), ref(x))


def test_gru_matches_torch_gru() -> None:
    net = GRU(3, 5, 2)
    theta = random_params(net, torch.Generator().manual_seed(0))
    ref = torch.nn.GRU(3, 5, batch_first=True)
    with torch.no_grad():
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ref, f"{n}_l0").copy_(theta[f"gru.{n}"])
    x = torch.randn(4, 6, 3)
    torch.testing.assert_close(net.features(theta, x, "hidden"), ref(x)[1][0], rtol=1e-5, atol=1e-6)


def test_cnn_matches_torch_layers_with_batch_norm_in_eval_mode() -> None:
    net = CNN((1, 6, 6), (3,), 2, batch_norm=True)
    theta = random_params(net, torch.Generator().manual_seed(0))
    conv, bn, head = torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.BatchNorm2d(3), torch.nn.Linear(27, 2)
    conv.load_state_dict({"weight": theta["conv0.weight"], "bias": theta["conv0.bias"]})
    bn.load_state_dict(
        {k: theta[f"bn0.{k}"] for k in ("weight", "bias", "running_mean", "running_var")}, strict=False
    )
    head.load_state_dict({"weight": theta["head.weight"], "bias": theta["head.bias"]})
    bn.eval()
    x = torch.randn(4, 1, 6, 6)
    expected = head(torch.nn.functional.max_pool2d(torch.relu(bn(conv(x))), 2).flatten(1))
    torch.testing.assert_close(net.apply(theta, x), expected, rtol=1e-5, atol=1e-6)


def test_recalibrate_sets_running_statistics_to_the_batch() -> None:
    net = ResNet((1, 4, 4), 3, (2,), 2, batch_norm=True)
    theta = random_params(net, torch.Generator().manual_seed(0))
    x = net.example_input(16, torch.Generator().manual_seed(1))
    assert not torch.allclose(net.apply(theta, x), net.apply(theta, x, train=True))
    fixed = recalibrate(net, theta, x)
    torch.testing.assert_close(net.apply(fixed, x), net.apply(theta, x, train=True), rtol=1e-5, atol=1e-5)
    assert all(torch.equal(fixed[k], theta[k]) for k in theta if k not in net.buffers())


def test_a_symmetry_spec_refuses_two_groups_on_one_axis() -> None:
    a = AxisAction("w", 0, "out")
    with pytest.raises(ShapeError, match="both act on axis 0 of w"):
        SymmetrySpec("x", (PermGroup("g", 2, (a,)), PermGroup("h", 2, (a,))))


def test_validate_names_a_wrong_declaration() -> None:
    net = MLP((2, 3, 1))
    theta = net.init(torch.Generator().manual_seed(0))
    bad = SymmetrySpec("bad", (PermGroup("hidden0", 4, (AxisAction("fc0.weight", 0, "out"),)),))
    with pytest.raises(ShapeError, match="length 4"):
        bad.validate(theta)


# --- build_architecture: one builder from a config ------------------------------------------
@pytest.mark.parametrize("arch", ARCHS, ids=IDS)
def test_build_architecture_inverts_architecture_config(arch: Architecture) -> None:
    import json

    from catdyn.backends.torch.models.architectures import architecture_config, build_architecture

    config = json.loads(json.dumps(architecture_config(arch)))  # plain JSON: tuples become lists
    rebuilt = build_architecture(config)
    assert rebuilt == arch and type(rebuilt) is type(arch)
    g = torch.Generator().manual_seed(0)
    x = arch.example_input(2, torch.Generator().manual_seed(1))
    theta = arch.init(g)
    assert torch.equal(rebuilt.apply(theta, x), arch.apply(theta, x))


def test_build_architecture_equals_the_direct_constructors() -> None:
    from catdyn.backends.torch.models.architectures import build_architecture

    assert build_architecture({"type": "MLP", "widths": [64, 8, 10]}) == MLP((64, 8, 10))
    cfg = {"type": "cnn", "input_shape": [1, 8, 8], "channels": [4], "classes": 10, "pool": "max"}
    assert build_architecture(cfg) == CNN((1, 8, 8), (4,), 10, pool="max")


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"widths": [4, 2]}, "'type'"),
        ({"type": "lstm", "hidden": 3}, "'type' = 'lstm'"),
        ({"type": "mlp", "widths": [4, 2], "hiden": 3}, "'hiden'"),
        ({"type": "cnn", "input_shape": [1, 8, 8], "classes": 10}, "'channels'"),
        ({"type": "mlp", "widths": 4}, "'widths'"),
        ({"type": "gru", "input_dim": 3, "hidden": 2.5, "classes": 2}, "hidden"),
    ],
)
def test_a_bad_config_names_the_bad_key(config: dict, named: str) -> None:
    from catdyn.backends.torch.models.architectures import build_architecture
    from catdyn.errors import ArchitectureError

    with pytest.raises(ArchitectureError, match=named):
        build_architecture(config)
