"""The affine route's block sizes (``backends/torch/paths/affine_route.py``, ``_AffineRoute``)
against the bounds its constants document: a block of samples is the largest within the cache
budget and the bank bound (models × width × samples), points are cut into the fewest equal
chunks within the budget, several pairs share a block only with all their points, and the
buffers hold a block. The numbers do not depend on these sizes (the point-loop tests check
that); memory and speed do, and no other test looks. Also: the route runs without warnings
(an output resized by torch is a deprecated behaviour that warns)."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

import catdyn.backends.torch.paths.affine_route as route
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.paths.interpolation import stack

CASES = [
    # (widths, models, pairs, points, samples, cpu_block, logits_block, bank_elements)
    ((4, 6, 3), 4, 5, 5, 34, 2**20, 2**19, 2**24),
    ((4, 6, 3), 4, 5, 5, 34, 64, 40, 2**24),
    ((4, 6, 3), 4, 5, 23, 34, 1000, 3000, 100),
    ((4, 10, 7, 3), 3, 4, 23, 50, 2000, 500, 2**24),
    ((4, 10, 7, 3), 3, 4, 9, 50, 7, 1, 2**24),
    ((4, 10, 7, 3), 3, 4, 23, 10, 1000, 500, 2**24),  # at most 10 points a block: 8, 8, 7
    ((4, 10, 7, 3), 5, 6, 4, 200, 20000, 2**19, 2**24),
    ((4, 10, 7, 3), 5, 6, 4, 200, 20000, 2**19, 600),
]


def _route(widths, models, pairs, points, samples, monkeypatch, cpu_block, logits_block, bank_elements):
    monkeypatch.setattr(route, "_CPU_BLOCK", cpu_block)
    monkeypatch.setattr(route, "_LOGITS_BLOCK", logits_block)
    monkeypatch.setattr(route, "_BANK_ELEMENTS", bank_elements)
    net = MLP(widths)
    bank = stack([net.init(torch.Generator().manual_seed(s)) for s in range(models)])
    g = torch.Generator().manual_seed(0)
    ia = torch.randint(0, models, (pairs,), generator=g)
    ib = (ia + 1) % models
    al = torch.linspace(0.1, 0.9, points, dtype=torch.float64)  # every point inner
    splits = {
        "test": (
            torch.randn(samples, widths[0], generator=g),
            torch.randint(0, widths[-1], (samples,), generator=g),
        )
    }
    return route._AffineRoute(net, bank, ia, ib, al, splits, endpoints=True)


@pytest.mark.parametrize("case", CASES)
def test_block_sizes_are_the_largest_within_their_bounds(case, monkeypatch) -> None:
    widths, models, pairs, points, samples, cpu_block, logits_block, bank_elements = case
    r = _route(widths, models, pairs, points, samples, monkeypatch, cpu_block, logits_block, bank_elements)
    widest, width, m, n_in, classes = (
        max(widths[1:]),
        widths[1],
        len(set(r.pa) | set(r.pb)),
        points,
        widths[-1],
    )
    assert r.budget == cpu_block and r.n_in == n_in and r.m == m and r.width == width and r.widest == widest

    def fits_samples(s):
        return s <= samples and s * widest <= cpu_block and s * m * width <= bank_elements

    # samples per block: the largest that fits (at least one)
    assert 1 <= r.per_block and (r.per_block == 1 or fits_samples(r.per_block))
    assert not fits_samples(r.per_block + 1)
    # points per block: the fewest chunks within the budget, then equal chunks
    most = max(1, min(n_in, cpu_block // (widest * r.per_block)))
    chunks = math.ceil(n_in / r.pts)
    assert 1 <= r.pts <= most
    assert chunks == math.ceil(n_in / most)
    assert r.pts == math.ceil(n_in / chunks)  # 23 in chunks of at most 10: 8, 8, 7
    # pairs per block: several only with all their points, as many as fit
    if r.pts < n_in:
        assert r.per == 1
    else:

        def fits_pairs(q):
            return q <= pairs and q * widest * r.per_block * n_in <= cpu_block

        assert 1 <= r.per and (r.per == 1 or fits_pairs(r.per)) and not fits_pairs(r.per + 1)
    nb = min(samples, r.per_block)
    assert r.buf.numel() == r.per * r.pts * width * nb
    assert r.cap >= r.per * r.pts and r.cap >= logits_block // (classes * nb)
    assert r.cap in (r.per * r.pts, logits_block // (classes * nb))
    assert r.logits.numel() == r.cap * classes * nb
    assert r.loss_sum.shape == (1, pairs * n_in) and r.end_loss.shape == (1, m)


def test_a_shard_case_with_several_pairs_per_block_and_one_point_per_block(monkeypatch) -> None:
    """The cases above reach both regimes: pairs sharing a block, and one point a block."""
    seen = set()
    for case in CASES:
        widths, models, pairs, points, samples, cpu_block, logits_block, bank_elements = case
        r = _route(
            widths, models, pairs, points, samples, monkeypatch, cpu_block, logits_block, bank_elements
        )
        seen.add(("per>1" if r.per > 1 else "per=1", "pts<n_in" if r.pts < r.n_in else "pts=n_in"))
        seen.add("per_block<n" if r.per_block < samples else "per_block=n")
    assert {("per>1", "pts=n_in"), ("per=1", "pts<n_in"), "per_block<n", "per_block=n"} <= seen


@pytest.mark.parametrize("case", CASES)
def test_the_route_runs_without_warnings(case, monkeypatch) -> None:
    widths, models, pairs, points, samples, cpu_block, logits_block, bank_elements = case
    r = _route(widths, models, pairs, points, samples, monkeypatch, cpu_block, logits_block, bank_elements)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.no_grad():
            for s0 in range(0, r.n, r.per_block):
                r.add_sample_block(s0)
        out = r.profiles()
    assert out["loss", "test"].shape == (pairs, points)
