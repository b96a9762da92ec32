"""Model merging as a colimit: against independent references (a network merged with a
shuffled copy of itself, brute force over every permutation of a tiny MLP with explicit loops,
the midpoint of the aligned linear path), the colimit's universal property checked and a planted
violation refuted, and inconsistent matchings refused."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import CNN, MLP  # noqa: E402
from catdyn.backends.torch.models.symmetry import permute, random_element  # noqa: E402
from catdyn.backends.torch.paths.alignment import align  # noqa: E402
from catdyn.backends.torch.paths.merging import (  # noqa: E402
    UnitMatching,
    glue_units,
    gluing_diagram,
    matchings_for,
    merge,
    quotient_positions,
)
from catdyn.categories.finset import FinSet  # noqa: E402
from catdyn.checker.law import CheckConfig, check_laws  # noqa: E402
from catdyn.checker.universal import colimit_laws  # noqa: E402
from catdyn.errors import MergeError  # noqa: E402
from catdyn.limits import Colimit, DiagramCocone  # noqa: E402


def _init(net, seed, dtype=torch.float32):
    return {k: v.to(dtype) for k, v in net.init(torch.Generator().manual_seed(seed)).items()}


def _shuffled(net, theta, seed):
    return permute(net, theta, random_element(net, torch.Generator().manual_seed(seed)))


@pytest.mark.parametrize("net", [MLP((4, 8, 8, 3)), CNN((1, 8, 8), (4, 6), 10)], ids=["mlp", "cnn"])
@pytest.mark.parametrize("copies", [2, 3])
def test_merging_a_network_with_shuffled_copies_gives_it_back_exactly(net, copies):
    theta = _init(net, 0)
    models = [theta] + [_shuffled(net, theta, s) for s in range(1, copies)]
    aligned = merge(net, models, "aligned").params
    assert all(torch.equal(aligned[k], theta[k]) for k in theta)  # bit for bit
    naive = merge(net, models, "naive").params
    assert max(float((naive[k] - theta[k]).abs().max()) for k in theta) > 1e-2
    x = torch.randn(16, *((1, 8, 8) if isinstance(net, CNN) else (4,)))
    assert not torch.allclose(net.apply(naive, x), net.apply(theta, x), atol=1e-3)


def _brute_force_merge(a, b):
    """The merge of two one-hidden-layer MLPs by explicit loops: the permutation σ of b's hidden
    units maximising Σ⟨θ_a, σ·θ_b⟩ over all of them, then each matched unit's weights averaged."""
    w0a, b0a, w1a, c_a = (a[k].numpy() for k in ("fc0.weight", "fc0.bias", "fc1.weight", "fc1.bias"))
    w0b, b0b, w1b, c_b = (b[k].numpy() for k in ("fc0.weight", "fc0.bias", "fc1.weight", "fc1.bias"))
    n, d_in, d_out = w0a.shape[0], w0a.shape[1], w1a.shape[0]
    best, best_score = None, -np.inf
    for sigma in itertools.permutations(range(n)):
        score = 0.0
        for j in range(n):  # b's unit j sits at a's unit sigma[j]
            score += sum(w0a[sigma[j], i] * w0b[j, i] for i in range(d_in)) + b0a[sigma[j]] * b0b[j]
            score += sum(w1a[o, sigma[j]] * w1b[o, j] for o in range(d_out))
        if score > best_score:
            best, best_score = sigma, score
    out = {"fc0.weight": np.zeros_like(w0a), "fc0.bias": np.zeros_like(b0a), "fc1.weight": np.zeros_like(w1a),
           "fc1.bias": (c_a + c_b) / 2}
    for j in range(n):
        u = best[j]
        for i in range(d_in):
            out["fc0.weight"][u, i] = (w0a[u, i] + w0b[j, i]) / 2
        out["fc0.bias"][u] = (b0a[u] + b0b[j]) / 2
        for o in range(d_out):
            out["fc1.weight"][o, u] = (w1a[o, u] + w1b[o, j]) / 2
    return best, out


@pytest.mark.parametrize("seed", range(12))
def test_the_aligned_merge_of_a_tiny_mlp_is_the_brute_force_one(seed):
    net = MLP((3, 4, 2))
    a, b = _init(net, 2 * seed, torch.float64), _init(net, 2 * seed + 1, torch.float64)
    sigma, want = _brute_force_merge(a, b)
    got = merge(net, [a, b], "aligned")
    assert got.legs[1].perms[0].tolist() == list(sigma)
    for k, v in want.items():
        np.testing.assert_allclose(got.params[k].numpy(), v, rtol=0, atol=1e-12)
    naive = merge(net, [a, b], "naive").params
    for k in a:
        np.testing.assert_allclose(naive[k].numpy(), (a[k].numpy() + b[k].numpy()) / 2, rtol=0, atol=1e-15)


def test_two_networks_merge_to_the_midpoint_of_their_aligned_path():
    net = MLP((5, 7, 6, 3))
    a, b = _init(net, 0, torch.float64), _init(net, 1, torch.float64)
    moved, _ = align(net, a, b, "weight")
    got = merge(net, [a, b], "aligned").params
    assert all(torch.allclose(got[k], (a[k] + moved[k]) / 2, rtol=0, atol=1e-14) for k in a)


def test_the_merged_units_are_a_colimit_whose_universal_property_holds():
    net = MLP((3, 5, 2))
    theta = _init(net, 0)
    others = [_shuffled(net, theta, 1), _init(net, 7)]
    matchings, _ = matchings_for(net, [theta, *others], "aligned")
    glued = glue_units("hidden0", 5, 3, matchings["hidden0"])
    results = check_laws(colimit_laws(glued), CheckConfig(examples=40, seed=0))
    assert [(r.law, r.status) for r in results] == [
        ("cocone commutes", "proved"), ("every cocone factors", "held"), ("factorisation is unique", "proved")]
    assert glued.apex.size == 5


def test_plain_averaging_is_not_a_cocone_over_the_aligned_matching():
    """Planted violation: naive averaging (unit i with unit i) offered as the colimit of the
    weight matching of a shuffled copy. The checker refutes its cocone."""
    net = MLP((3, 4, 2))
    theta = _init(net, 0)
    matchings, _ = matchings_for(net, [theta, _shuffled(net, theta, 1)], "aligned")
    true = glue_units("hidden0", 4, 2, matchings["hidden0"])
    legs = {name: FinSet.function(f"naive {name}", leg.dom, true.apex, np.arange(leg.dom.size) if
                                  name.startswith("hidden0 of") else leg.table) for name, leg in true.legs.items()}
    planted = Colimit(DiagramCocone(true.diagram, true.apex, legs), lambda c: true.factor(c))
    results = {r.law: r for r in check_laws(colimit_laws(planted), CheckConfig(examples=20, seed=0))}
    assert results["cocone commutes"].status == "refuted"


def test_matchings_that_do_not_compose_round_a_cycle_are_refused():
    swap, same = np.array([1, 0, 2]), np.array([0, 1, 2])
    cycle = [UnitMatching(0, 1, same), UnitMatching(1, 2, same), UnitMatching(0, 2, swap)]
    glued = glue_units("h", 3, 3, cycle)
    assert glued.apex.size == 2  # units 0 and 1 of every network end up in one class
    with pytest.raises(MergeError, match=r"glues units \[0, 1\] of network 0 in group h"):
        quotient_positions(glued, "h", 3)
    apart = glue_units("h", 3, 3, [UnitMatching(0, 1, same)])  # network 2 matched to none
    with pytest.raises(MergeError, match="has 6 units in group h but network 0 has 3"):
        quotient_positions(apart, "h", 3)


def test_the_gluing_diagram_has_one_object_per_network_and_matching():
    d = gluing_diagram("h", 2, 3, [UnitMatching(0, 1, np.array([1, 0])), UnitMatching(0, 2, np.array([0, 1]))])
    assert len(d.objects) == 5 and len(d.morphisms) == 4


def test_merging_needs_two_networks():
    net = MLP((2, 3, 2))
    with pytest.raises(MergeError, match="at least 2 networks, got 1"):
        merge(net, [_init(net, 0)])


def test_the_planted_naive_cocone_spec_is_refuted():
    from pathlib import Path

    from catdyn.checker.report import check_spec

    spec = Path(__file__).resolve().parents[4] / "specs" / "broken" / "merge_naive_cocone.py"
    results = {r.law: r.status for r in check_spec(spec, CheckConfig(examples=20, seed=0)).results}
    assert results["cocone commutes"] == "refuted" and results["factorisation is unique"] == "refuted"
