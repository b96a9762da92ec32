"""The barrier matrix (``backends/torch/paths/barrier_matrix.py``) against brute-force
references: the pair lists against itertools, ``split_pairs`` against its contract, every
barrier definition against a max over the path minus the endpoint mean or interpolation, the
matrix's placement, empty pair lists, the default activation probe, the partners' label,
and the storable value without permutations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.models.symmetry import permute  # noqa: E402
from catdyn.backends.torch.paths.alignment import activation_matching  # noqa: E402
from catdyn.backends.torch.paths.barrier_matrix import (  # noqa: E402
    BarrierMatrix,
    all_pairs,
    barrier_matrix,
    barrier_matrix_loop,
    split_pairs,
)
from catdyn.errors import HomotopyError  # noqa: E402


def test_all_pairs_and_split_pairs_follow_their_contract() -> None:
    for n in range(0, 7):
        pairs = all_pairs(n)
        assert pairs == list(itertools.combinations(range(n), 2))
        for parts in range(1, 9):
            chunks = split_pairs(pairs, parts)
            assert len(chunks) == parts
            assert [p for c in chunks for p in c] == pairs  # contiguous, in order, all
            sizes = [len(c) for c in chunks]
            assert max(sizes) - min(sizes) <= 1
            assert sizes == sorted(sizes, reverse=True)  # the larger chunks first
    for parts in (0, -1):
        with pytest.raises(HomotopyError, match="parts"):
            split_pairs(all_pairs(3), parts)


def _brute(profile, alphas, definition):
    out = []
    for row in profile:
        if definition == "mean-endpoint":
            out.append(max(row) - (row[0] + row[-1]) / 2)
        else:
            out.append(max(v - ((1 - a) * row[0] + a * row[-1]) for v, a in zip(row, alphas)))
    return out


def test_barriers_and_matrix_against_brute_force() -> None:
    rng = np.random.default_rng(0)
    alphas = np.array([0.0, 0.2, 0.5, 0.9, 1.0])
    pairs = [(3, 1), (0, 2), (1, 2)]
    loss = rng.normal(size=(3, 5))
    loss[1] = [0.0, -1.0, -2.0, -1.5, 3.0]  # the max at the end: line barrier 0, mean 1.5
    err = rng.uniform(size=(3, 5))
    bm = BarrierMatrix(5, alphas, pairs, {("loss", "test"): loss, ("error", "train"): err})
    for (metric, split), prof in (("loss", "test"), loss), (("error", "train"), err):
        for definition in ("mean-endpoint", "line-endpoint"):
            want = _brute(prof, alphas, definition)
            got = bm.barriers(metric, split, definition)
            np.testing.assert_allclose(got, want, atol=1e-12)
            m = bm.matrix(metric, split, definition)
            expected = np.full((5, 5), np.nan)
            np.fill_diagonal(expected, 0.0)
            for (i, j), v in zip(pairs, want):
                expected[i, j] = expected[j, i] = v
            np.testing.assert_allclose(m, expected, atol=1e-12)
    assert bm.barriers("loss", "test", "line-endpoint")[1] == pytest.approx(0.0)
    assert bm.barriers("loss", "test")[1] == pytest.approx(1.5)
    with pytest.raises(HomotopyError, match="metric, split"):
        bm.barriers("loss", "train")
    with pytest.raises(HomotopyError, match="metric, split"):
        bm.matrix("error", "test")
    np.testing.assert_array_equal(
        bm.endpoint_values("loss", "test"), [loss[1, 0], loss[2, 0], loss[2, -1], loss[0, 0], np.nan]
    )


def test_empty_pair_list_gives_empty_profiles() -> None:
    net = MLP((3, 4, 2))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    g = torch.Generator().manual_seed(0)
    data = {
        "train": (torch.randn(8, 3, generator=g), torch.randint(0, 2, (8,), generator=g)),
        "test": (torch.randn(5, 3, generator=g), torch.randint(0, 2, (5,), generator=g)),
    }
    for alignment in ("weight", "none"):
        bm = barrier_matrix(net, models, data, points=6, pairs=[], alignment=alignment)
        assert bm.n == 3 and bm.pairs == [] and bm.alignment == alignment and bm.permutations == []
        assert set(bm.profiles) == {(m, s) for m in ("loss", "error") for s in ("train", "test")}
        assert all(v.shape == (0, 6) for v in bm.profiles.values())
        np.testing.assert_allclose(bm.alphas, np.linspace(0, 1, 6), atol=1e-15)
        m = bm.matrix("loss", "test")
        assert np.isnan(m[0, 1]) and m[2, 2] == 0.0


def test_unknown_alignment_is_refused() -> None:
    net = MLP((3, 4, 2))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(2)]
    data = (torch.randn(6, 3), torch.randint(0, 2, (6,)))
    with pytest.raises(HomotopyError, match="alignment"):
        barrier_matrix(net, models, data, points=3, alignment="greedy")  # type: ignore[arg-type]


@pytest.mark.parametrize("with_train", [True, False])
def test_activation_alignment_probes_the_first_256_training_inputs(with_train, monkeypatch) -> None:
    """The default probe is the first 256 inputs of ``train`` (of the first split without one):
    the permutations and profiles are activation matching's on that probe, against the loop
    with those partners."""
    net = MLP((3, 6, 2))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    g = torch.Generator().manual_seed(1)
    xa, ya = torch.randn(300, 3, generator=g), torch.randint(0, 2, (300,), generator=g)
    xb, yb = torch.randn(20, 3, generator=g), torch.randint(0, 2, (20,), generator=g)
    data = {"test": (xb, yb), "train": (xa, ya)} if with_train else {"first": (xa, ya), "other": (xb, yb)}
    import catdyn.backends.torch.paths.barrier_matrix as B

    probes = []
    real = B.activation_matching
    monkeypatch.setattr(
        B,
        "activation_matching",
        lambda arch, a, b, x, seed: probes.append(x) or real(arch, a, b, x, seed=seed),
    )
    bm = barrier_matrix(net, models, data, points=4, alignment="activation", seed=2)
    assert len(probes) == 3 and all(torch.equal(p, xa[:256]) for p in probes)
    partners = []
    for p, (i, j) in enumerate(bm.pairs):
        r = activation_matching(net, models[i], models[j], xa[:256], seed=2)
        assert all(np.array_equal(a, np.asarray(b)) for a, b in zip(bm.permutations[p], r.permutation.perms))
        partners.append(permute(net, models[j], r.permutation))
    ref = barrier_matrix_loop(net, models, data, points=4, partners=partners)
    assert ref.alignment == "given" and bm.alignment == "activation"
    for key in ref.profiles:
        np.testing.assert_allclose(bm.profiles[key], ref.profiles[key], atol=1e-5)


def test_loop_labels_and_value_without_permutations() -> None:
    net = MLP((3, 4, 2))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(3)]
    data = (torch.randn(6, 3, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1, 0, 1, 1, 0]))
    loop = barrier_matrix_loop(net, models, data, points=3, pairs=[(2, 0)])
    assert loop.alignment == "none" and loop.pairs == [(2, 0)] and loop.bn == "bn-free"
    value = loop.to_value()
    assert value["permutations"] == []
    assert value["pairs"].tolist() == [[2, 0]]
    back = BarrierMatrix.from_value(
        {k: v for k, v in value.items() if k not in ("permutations", "bn", "alignment")}
    )
    assert back.permutations == [None] and back.bn == "bn-free" and back.alignment == "none"
    assert back.pairs == [(2, 0)] and back.n == 3
    # a merge of pieces without permutations pads with None, one per pair
    plain = barrier_matrix(net, models, data, points=3, pairs=[(0, 1)], alignment="none")
    merged = BarrierMatrix.merge([loop, plain])
    assert merged.pairs == [(2, 0), (0, 1)] and merged.permutations == [None, None]
    assert merged.alignment == loop.alignment and merged.bn == loop.bn
    np.testing.assert_allclose(merged.profiles["loss", "test"][1], plain.profiles["loss", "test"][0])
    with pytest.raises(HomotopyError):
        BarrierMatrix.merge([])


@pytest.mark.parametrize("bn", ["stored", "recompute"])
def test_batch_norm_modes_stacked_input_and_calibration_split(bn) -> None:
    """A stacked dict gives the list's matrix; with batch norm the stored statistics (or ones
    recomputed on ``train``, else on the first split) give the loop's profiles and label."""
    from catdyn.backends.torch.models.architectures import recalibrate
    from catdyn.backends.torch.paths.interpolation import stack

    net = MLP((4, 6, 3), batch_norm=True)
    g = torch.Generator().manual_seed(3)
    xs = [torch.randn(24, 4, generator=g) * (1 + i) for i in range(3)]
    models = [recalibrate(net, net.init(torch.Generator().manual_seed(s)), xs[s]) for s in range(3)]
    ys = [torch.randint(0, 3, (24,), generator=g) for _ in range(3)]
    for data in (
        {"test": (xs[0], ys[0]), "train": (xs[1], ys[1])},
        {"first": (xs[2], ys[2]), "second": (xs[0], ys[0])},
    ):
        fast = barrier_matrix(net, stack(models), data, points=4, alignment="none", bn=bn)
        listed = barrier_matrix(net, models, data, points=4, alignment="none", bn=bn)
        slow = barrier_matrix_loop(net, models, data, points=4, bn=bn)
        assert fast.bn == slow.bn == ("stored" if bn == "stored" else "recomputed")
        for key in slow.profiles:
            np.testing.assert_allclose(fast.profiles[key], slow.profiles[key], atol=1e-5)
            np.testing.assert_array_equal(fast.profiles[key], listed.profiles[key])
        # the loop by hand at alpha = 1/3 of pair (0, 2), calibrated on train or the first split
        calib = data["train"][0] if "train" in data else data["first"][0]
        theta = {k: (2 / 3) * models[0][k] + (1 / 3) * models[2][k] for k in models[0]}
        if bn == "recompute":
            theta = recalibrate(net, theta, calib)
        split, (x, y) = next(iter(data.items()))
        want = torch.nn.functional.cross_entropy(net.apply(theta, x), y).item()
        assert slow.profiles["loss", split][1, 1] == pytest.approx(want, abs=1e-5)
