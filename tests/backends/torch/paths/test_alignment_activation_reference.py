"""Activation matching against brute force: on a one-hidden-layer net the aligned network's
hidden units are the permutation of the other's that maximises the summed correlation with the
first network's units, over all 5! orders, and that is not what weight matching finds here."""

from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.models.symmetry import permute  # noqa: E402
from catdyn.backends.torch.paths.alignment import activation_matching, weight_matching  # noqa: E402


def _correlations(za: torch.Tensor, zb: torch.Tensor) -> torch.Tensor:
    """C[i, j]: Pearson correlation over samples of unit i of za with unit j of zb."""
    a = za.double() - za.double().mean(0)
    b = zb.double() - zb.double().mean(0)
    a, b = a / a.norm(dim=0), b / b.norm(dim=0)
    return a.T @ b


def _diagonal_score(c: torch.Tensor) -> float:
    return float(torch.diagonal(c).sum())


def test_activation_matching_is_the_best_correlation_matching_over_all_orders() -> None:
    net = MLP((3, 5, 2))
    a, b = (net.init(torch.Generator().manual_seed(s)) for s in (11, 12))
    x = torch.randn(300, 3, generator=torch.Generator().manual_seed(13))
    r = activation_matching(net, a, b, x)
    assert r.extra["weight_matched_groups"] == []  # the hidden group has a feature layer
    za = net.features(a, x, "hidden0")
    c = _correlations(za, net.features(b, x, "hidden0"))
    best = max(sum(float(c[i, p[i]]) for i in range(5)) for p in itertools.permutations(range(5)))
    got = _diagonal_score(_correlations(za, net.features(permute(net, b, r.permutation), x, "hidden0")))
    assert got == pytest.approx(best, abs=1e-9)
    # weight matching aligns these two differently: the test tells the two methods apart
    wm = permute(net, b, weight_matching(net, a, b).permutation)
    assert _diagonal_score(_correlations(za, net.features(wm, x, "hidden0"))) < best - 1e-6
