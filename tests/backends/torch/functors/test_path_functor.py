"""The paper's path functor on real gradient-descent runs: flattening round-trips, identities
and concatenation are preserved (checked through the law checker), and a wrong path functor is
refuted."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.functors.rep import Probe  # noqa: E402
from catdyn.backends.torch.functors.trajectory import (  # noqa: E402
    PathRealisation,
    flatten,
    gradient_descent,
    layout,
    path_functor_laws,
    trajectory,
    unflatten,
)
from catdyn.backends.torch.models.architectures import CNN, GRU, MLP  # noqa: E402
from catdyn.categories.paths import DiscretePath, Path, Point  # noqa: E402
from catdyn.checker.law import CheckConfig, check_laws  # noqa: E402
from catdyn.errors import ShapeError  # noqa: E402

CONFIG = CheckConfig(examples=15, seed=0)



def data(arch, n=6):
    g = torch.Generator().manual_seed(0)
    return arch.example_input(n, g, torch.float64), torch.randint(0, 2, (n,), generator=g)


@pytest.mark.parametrize(
    ("arch", "layer"),
    [(MLP((3, 4, 2)), "hidden0"), (GRU(2, 3, 2, seq_len=3), "hidden"), (CNN((1, 4, 4), (2,), 2), "conv0")],
    ids=["mlp", "gru", "cnn"],
)
def test_path_functor_laws_hold_on_training_runs(arch, layer) -> None:
    x, y = data(arch)
    R = PathRealisation(arch, Probe("x", x), layer)
    results = check_laws(path_functor_laws(R, x, y), CONFIG)
    assert all(r.status == "held" for r in results), [
        (r.law, r.status, r.counterexample, r.error) for r in results
    ]


def test_flatten_order_and_round_trip() -> None:
    net = MLP((2, 3, 1), batch_norm=False)
    theta = net.init(torch.Generator().manual_seed(0), torch.float64)
    v = flatten(net, theta)
    assert v[:6].tolist() == theta["fc0.weight"].reshape(-1).tolist()  # first tensor, row-major
    assert [n for n, _ in layout(net)] == list(theta)
    back = unflatten(net, v)
    assert all(torch.equal(back[k], theta[k]) for k in theta)
    with pytest.raises(ShapeError):
        unflatten(net, v[:-1])


def test_training_moves_and_the_representation_path_follows() -> None:
    net = MLP((3, 4, 2))
    x, y = data(net)
    states = gradient_descent(net, net.init(torch.Generator().manual_seed(1), torch.float64), x, y, 5, 0.5)
    gamma = trajectory(net, states, times=[0, 0.1, 0.3, 0.6, 1.0, 1.5])
    assert gamma.length > 0
    R = PathRealisation(net, Probe("x", x), "hidden0")
    rep = R(gamma)
    assert rep.points.shape == (6, 6 * 4)
    assert np.array_equal(rep.steps, gamma.steps)
    expected = net.features(states[3], x, "hidden0").reshape(-1).numpy()
    np.testing.assert_allclose(rep.points[3], expected)


class _Stretching(PathRealisation):
    """A wrong path functor: it rescales time by the number of points (not compatible with
    concatenation)."""

    def _on_path(self, path: DiscretePath) -> DiscretePath:
        good = super()._on_path(path)
        return DiscretePath(
            good.name, good.dom, good.cod, good.points, good.steps / max(1, len(good.points) - 1)
        )


def test_a_path_functor_that_stretches_time_is_refuted() -> None:
    net = MLP((3, 4, 2))
    x, y = data(net)
    R = PathRealisation(net, Probe("x", x), "hidden0")
    bad = _Stretching(net, Probe("x", x), "hidden0")
    results = {r.law: r for r in check_laws(path_functor_laws(R, x, y, functor=bad), CONFIG)}
    assert results["preserves concatenation"].status == "refuted"


def test_points_of_the_wrong_dimension_are_refused() -> None:
    net = MLP((3, 4, 2))
    R = PathRealisation(net, Probe("x", torch.zeros(2, 3)), "hidden0")
    with pytest.raises(ShapeError, match="realises points"):
        R(Point(np.zeros(3)))
    assert R(Path.identity(Point(np.zeros(26)))).points.shape == (1, 8)
