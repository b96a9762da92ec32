"""The pullback along a domain map: identity = linear probing, CORAL and OT against references."""

import builtins

import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment

from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.transfer.baselines import METHODS, Budget, SourceModel, TransferData, linear_cka
from catdyn.backends.torch.transfer.category import SampledCategory
from catdyn.backends.torch.transfer.domain import IdentityMap, domain_laws, domain_pullback, fit_coral, fit_ot
from catdyn.checker.law import check_laws
from catdyn.errors import ConeError, TransferError
from catdyn.limits import Cone


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def toy(seed: int = 0) -> tuple[SourceModel, TransferData]:
    g = torch.Generator().manual_seed(seed)
    arch = MLP((5, 12, 12, 3))
    src = SourceModel(arch, arch.init(g), "hidden1")

    def xy(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.randn(n, 5, generator=g), torch.randint(0, 3, (n,), generator=g)

    r = lambda n: torch.randn(n, 5, generator=g)  # noqa: E731
    return src, TransferData(xy(15), xy(9), xy(30), xy(30), r(20), r(16), r(12), r(12), 3)


def test_pullback_along_the_identity_is_linear_probing():
    src, data = toy()
    budget = Budget(steps=60)
    for hp in ({"lr": 1e-2}, {"lr": 3e-2}):
        lp = METHODS["linear_probe"].train(src, data, budget, hp, 3)
        pb = METHODS["pullback_identity"].train(src, data, budget, hp, 3)
        x = data.test[0]
        torch.testing.assert_close(pb.predict(x), lp.predict(x), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(pb.represent(x), lp.represent(x))
        assert pb.updated == lp.updated == 12 * 3 + 3
        assert pb.total == lp.total
    # and the check has teeth: a different head seed gives a different model
    other = METHODS["pullback_identity"].train(src, data, budget, {"lr": 3e-2}, 4)
    assert not torch.allclose(other.predict(data.test[0]), lp.predict(data.test[0]), atol=1e-3)


def test_domain_pullback_square_and_universal_property():
    src, data = toy()
    cat = SampledCategory(atol=1e-5)
    dp = domain_pullback(
        src.phi,
        fit_coral(data.target_unlabelled, data.source_unlabelled),
        data.test[0][:6],
        data.source_unlabelled[:4],
        cat,
    )
    X = cat.space("X", list(data.test[0][6:9]))
    f = dp.pullback.cospan.left
    good = Cone(
        dp.pullback.cospan,
        cat.map("p", X, f.dom, lambda x: x),
        cat.map("q", X, dp.graph, lambda x: (f(x), src.phi(f(x).unsqueeze(0))[0])),
    )
    assert all(r.ok for r in check_laws(domain_laws(dp, cones=[good])))
    # φ_T read off the apex is φ_S ∘ f
    x = data.test[0][0]
    torch.testing.assert_close(dp.phi_target(x), src.phi(f(x).unsqueeze(0))[0])
    # a cone whose graph leg is not over f(p) does not commute and is refused
    bad = Cone(
        dp.pullback.cospan,
        cat.map("p", X, f.dom, lambda x: x),
        cat.map("q", X, dp.graph, lambda x: (x, src.phi(x.unsqueeze(0))[0])),
    )
    with pytest.raises(ConeError):
        dp.pullback.factor(bad)


def test_coral_matches_source_moments_against_numpy():
    rng = np.random.default_rng(0)
    xt = rng.normal(size=(300, 3)) @ rng.normal(size=(3, 3)) + 2.0
    xs = rng.normal(size=(200, 3)) @ rng.normal(size=(3, 3)) - 1.0
    y = fit_coral(torch.tensor(xt), torch.tensor(xs), eps=0.0)(torch.tensor(xt)).numpy()
    np.testing.assert_allclose(y.mean(0), xs.mean(0), atol=1e-9)
    np.testing.assert_allclose(np.cov(y.T), np.cov(xs.T), atol=1e-9)


def test_ot_map_is_the_optimal_assignment_for_equal_uniform_samples():
    rng = np.random.default_rng(1)
    xt, xs = rng.normal(size=(12, 2)), rng.normal(size=(12, 2)) + 3
    m = fit_ot(torch.tensor(xt), torch.tensor(xs))
    cost = ((xt[:, None, :] - xs[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    np.testing.assert_allclose(m(torch.tensor(xt)).numpy()[rows], xs[cols], atol=1e-9)
    assert m.cost == pytest.approx(cost[rows, cols].mean())
    # off the fitted points: the nearest fitted point's displacement
    z = torch.tensor(xt[:1] + 1e-3)
    np.testing.assert_allclose(m(z).numpy(), z.numpy() + (xs[cols[0]] - xt[0]), atol=1e-9)


def test_ot_without_pot_says_how_to_install_it(monkeypatch):
    real = builtins.__import__

    def no_ot(name, *a, **k):
        if name == "ot":
            raise ImportError("no ot")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_ot)
    with pytest.raises(TransferError, match="pip install pot"):
        fit_ot(torch.zeros(2, 1), torch.ones(2, 1))


def test_linear_cka_against_the_hsic_reference():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(40, 5)), rng.normal(size=(40, 3))
    n = len(x)
    H = np.eye(n) - 1.0 / n
    K, L = H @ x @ x.T @ H, H @ y @ y.T @ H
    ref = np.trace(K @ L) / np.sqrt(np.trace(K @ K) * np.trace(L @ L))
    assert linear_cka(torch.tensor(x), torch.tensor(y)) == pytest.approx(ref, rel=1e-10)
    assert IdentityMap()(torch.ones(1)).item() == 1.0
