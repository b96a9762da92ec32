"""User data entering the torch backend is checked where it enters: parameter dicts and inputs
that do not fit an architecture, unknown group names, sizes an architecture cannot have. Each
mistake is a catdyn ShapeError naming the architecture and the tensor (or input), never a bare
KeyError, a torch matmul RuntimeError, or a silently wrong answer."""

import pytest

torch = pytest.importorskip("torch")

from torch.func import grad, vmap  # noqa: E402

from catdyn.backends.torch.functors.realisation import Realisation  # noqa: E402
from catdyn.backends.torch.functors.rep import Probe  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer  # noqa: E402
from catdyn.backends.torch.models.param import Param  # noqa: E402
from catdyn.backends.torch.models.symmetry import permute  # noqa: E402
from catdyn.backends.torch.models.widening import widen  # noqa: E402
from catdyn.errors import CatdynError, ShapeError  # noqa: E402

NET = MLP((2, 3, 2))


def _theta() -> dict:
    return NET.init(torch.Generator().manual_seed(0))


# --- 1. permute ---------------------------------------------------------------------------
def test_permute_refuses_a_tensor_of_the_wrong_shape() -> None:
    theta = _theta()
    theta["fc0.weight"] = torch.randn(4, 2)  # one row too many: permute used to drop it silently
    with pytest.raises(ShapeError, match=r"fc0\.weight.*mlp\(2-3-2\).*\(4, 2\).*\(3, 2\)"):
        permute(NET, theta, {"hidden0": [2, 0, 1]})


def test_permute_refuses_a_wrong_shape_on_an_axis_no_group_acts_on() -> None:
    theta = _theta()
    theta["fc0.weight"] = torch.randn(3, 5)  # the input width: no symmetry acts on it
    with pytest.raises(ShapeError, match=r"fc0\.weight.*\(3, 5\).*\(3, 2\)"):
        permute(NET, theta, {"hidden0": [2, 0, 1]})


def test_permute_names_a_missing_tensor() -> None:
    theta = _theta()
    del theta["fc1.bias"]
    with pytest.raises(ShapeError, match=r"mlp\(2-3-2\).*fc1\.bias") as info:
        permute(NET, theta, {"hidden0": [2, 0, 1]})
    assert not isinstance(info.value, KeyError)


def test_permute_names_a_tensor_the_architecture_does_not_have() -> None:
    theta = {**_theta(), "fc9.weight": torch.zeros(1)}
    with pytest.raises(ShapeError, match=r"mlp\(2-3-2\).*fc9\.weight"):
        permute(NET, theta, {"hidden0": [2, 0, 1]})


def test_widening_parameters_checks_them_first() -> None:
    theta = _theta()
    theta["fc0.bias"] = torch.zeros(4)
    with pytest.raises(ShapeError, match=r"fc0\.bias.*\(4,\).*\(3,\)"):
        widen(NET, theta, {"hidden0": 5}, torch.Generator().manual_seed(0))


# --- 2. apply / features / realise --------------------------------------------------------
def test_apply_names_a_missing_tensor_instead_of_a_key_error() -> None:
    theta = _theta()
    del theta["fc1.weight"]
    with pytest.raises(ShapeError, match=r"mlp\(2-3-2\).*fc1\.weight.*\(2, 3\)") as info:
        NET.apply(theta, torch.randn(4, 2))
    assert isinstance(info.value.__cause__, KeyError)


def test_apply_names_an_input_of_the_wrong_width() -> None:
    with pytest.raises(ShapeError, match=r"input.*mlp\(2-3-2\).*\(4, 5\).*\(N, 2\)"):
        NET.apply(_theta(), torch.randn(4, 5))


def test_features_names_an_input_of_the_wrong_width() -> None:
    net = CNN((1, 6, 6), (2,), 3)
    theta = net.init(torch.Generator().manual_seed(0))
    with pytest.raises(ShapeError, match=r"input.*\(4, 3, 6, 6\).*\(N, 1, 6, 6\)"):
        net.features(theta, torch.randn(4, 3, 6, 6), "conv0")


def test_apply_names_a_tensor_of_the_wrong_shape_when_torch_fails() -> None:
    theta = _theta()
    theta["fc1.weight"] = torch.randn(2, 4)
    with pytest.raises(ShapeError, match=r"fc1\.weight.*\(2, 4\).*\(2, 3\)"):
        NET.apply(theta, torch.randn(4, 2))


def test_apply_names_an_input_of_the_wrong_dtype() -> None:
    with pytest.raises(ShapeError, match=r"input.*float64.*float32"):
        NET.apply(_theta(), torch.randn(4, 2, dtype=torch.float64))


def test_apply_diagnoses_under_vmap_and_grad_and_runs_unchecked_when_right() -> None:
    members = [NET.init(torch.Generator().manual_seed(k)) for k in range(3)]
    stacked = {k: torch.stack([m[k] for m in members]) for k in members[0]}
    x = torch.randn(5, 2)
    y = torch.tensor([0, 1, 0, 1, 1])

    def loss(p, x):
        return torch.nn.functional.cross_entropy(NET.apply(p, x), y)

    assert vmap(grad(loss), in_dims=(0, None))(stacked, x)["fc0.weight"].shape == (3, 3, 2)
    with pytest.raises(ShapeError, match=r"input.*\(5, 4\).*\(N, 2\)"):
        vmap(grad(loss), in_dims=(0, None))(stacked, torch.randn(5, 4))


def test_check_params_and_check_input_are_public_and_quiet_on_good_data() -> None:
    for arch in (
        MLP((2, 3, 2), batch_norm=True),
        CNN((1, 6, 6), (2, 3), 4, readout="mean"),
        ResNet((2, 6, 6), 4, (3,), 3),
        Transformer(3, 5, 8, (2,), 4, (6,), 2),
        Transformer(3, 5, 8, (2,), 4, (6,), 2, vocab=11),
        GRU(3, 5, 2),
    ):
        g = torch.Generator().manual_seed(0)
        arch.check_params(arch.init(g))
        arch.check_input(arch.example_input(3, g))
    assert MLP((2, 3, 2)).param_shapes["fc0.weight"] == (3, 2)


def test_check_input_of_token_ids() -> None:
    net = Transformer(3, 5, 8, (2,), 4, (6,), 2, vocab=11)
    with pytest.raises(ShapeError, match="token"):
        net.check_input(torch.full((2, 5), 11))
    with pytest.raises(ShapeError, match="integer"):
        net.check_input(torch.zeros(2, 5))
    with pytest.raises(ShapeError, match=r"\(N, 5\)"):
        net.check_input(torch.zeros(2, 6, dtype=torch.long))


def test_realise_names_a_probe_of_the_wrong_width() -> None:
    A = Param.space(NET)
    R = Realisation(Probe("x", torch.randn(4, 5)), "hidden0")
    with pytest.raises(ShapeError, match=r"input.*mlp\(2-3-2\).*\(4, 5\).*\(N, 2\)"):
        R.realise(A, _theta())


def test_realise_names_a_missing_tensor() -> None:
    A = Param.space(NET)
    R = Realisation(Probe("x", torch.randn(4, 2)), "hidden0")
    with pytest.raises(ShapeError, match=r"fc0\.bias"):
        R.realise(A, {k: v for k, v in _theta().items() if k != "fc0.bias"})
    with pytest.raises(ShapeError, match=r"fc0\.weight"):
        R.realise(A, {})


# --- 3. Param.widening --------------------------------------------------------------------
def test_param_widening_refuses_an_unknown_group_and_lists_the_known_ones() -> None:
    A = Param.space(MLP((2, 3, 1)))
    with pytest.raises(ShapeError, match=r"hiddenX.*hidden0"):
        Param.widening(A, {"hiddenX": 5}, torch.Generator().manual_seed(0))


# --- 4. sizes -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: MLP((2, 0, 1)), "widths"),
        (lambda: MLP((0, 3, 1)), "widths"),
        (lambda: MLP((2, 2.5, 1)), "widths"),
        (lambda: CNN((1, 6, 6), (2, 0), 3), "channels"),
        (lambda: CNN((1, 6, 6), (), 3), "channels"),
        (lambda: CNN((0, 6, 6), (2,), 3), "input_shape"),
        (lambda: CNN((1, 6, 6), (2,), 0), "classes"),
        (lambda: CNN((1, 6, 6), (2,), 3, kernel=-1), "kernel"),
        (lambda: CNN((1, 2, 2), (2, 2), 3), "input_shape"),
        (lambda: ResNet((1, 6, 6), 0, (3,), 2), "width"),
        (lambda: ResNet((1, 6, 6), 4, (3, 0), 2), "inner"),
        (lambda: Transformer(3, 5, 8, (0,), 4, (6,), 2), "heads"),
        (lambda: Transformer(3, 5, 8, (2,), 0, (6,), 2), "head_dim"),
        (lambda: Transformer(3, 5, 0, (2,), 4, (6,), 2), "d_model"),
        (lambda: Transformer(3, 5, 8, (2,), 4, (0,), 2), "mlp"),
        (lambda: Transformer(3, 0, 8, (2,), 4, (6,), 2), "seq_len"),
        (lambda: Transformer(3, 5, 8, (2,), 4, (6,), 2, vocab=0), "vocab"),
        (lambda: GRU(3, 0, 2), "hidden"),
        (lambda: GRU(0, 3, 2), "input_dim"),
        (lambda: GRU(3, 3, 0), "classes"),
    ],
)
def test_sizes_an_architecture_cannot_have_are_refused(build, field) -> None:
    with pytest.raises(ShapeError, match=field):
        build()


def test_resizing_to_zero_units_is_refused() -> None:
    with pytest.raises(ShapeError, match="hidden0 = 0"):
        MLP((2, 3, 1)).resized({"hidden0": 0})


def test_every_error_here_is_a_catdyn_error() -> None:
    with pytest.raises(CatdynError):
        MLP((2, 0, 1))


def test_the_checks_work_when_first_asked_for_under_vmap() -> None:
    from catdyn.backends.torch.models.architectures import recalibrate

    net = MLP((3, 4, 2), batch_norm=True)  # fresh: its shapes are not cached yet
    members = [net.init(torch.Generator().manual_seed(k)) for k in range(2)]
    stacked = {k: torch.stack([m[k] for m in members]) for k in members[0]}
    x = torch.randn(8, 3)
    out = vmap(lambda p: recalibrate(net, p, x))(stacked)
    assert out["bn0.running_mean"].shape == (2, 4)
    wrong = torch.randn(8, 5)
    with pytest.raises(ShapeError, match=r"input.*\(8, 5\).*\(N, 3\)"):
        vmap(lambda p: recalibrate(MLP((3, 4, 2), batch_norm=True), p, wrong))(stacked)
