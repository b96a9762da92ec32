"""A population where the homotopy claim can fail: random-label pre-training (Liu et al. 2020)
really fits permuted labels, the members' groups are recorded, the classes are read against
those groups (adjusted Rand index against scikit-learn's), and the teeth preset runs."""

import json
import os

import numpy as np
import pytest
import torch

from catdyn.backends.torch.data.datasets import load_digits
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.studies.homotopy.group_claims import group_claims
from catdyn.backends.torch.studies.homotopy.groups import adjusted_rand_index, contingency, separation
from catdyn.backends.torch.studies.homotopy.pretrain import pretrain_on_random_labels, random_labels
from catdyn.backends.torch.studies.homotopy.train import OptimiserGroup, _pretrained, train_population
from catdyn.backends.torch.training.ensemble import TrainConfig, evaluate, train_ensemble
from catdyn.backends.torch.training.optim import SGD
from catdyn.errors import SpecError
from catdyn.stats import Verdict

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "specs", "homotopy_classes.py")


@pytest.fixture(scope="module")
def train_split():
    return load_digits().train.subset(range(60))


def test_random_labels_are_a_permutation_of_the_clean_labels(train_split) -> None:
    shuffled, perm = random_labels(train_split, label_seed=5)
    assert sorted(perm.tolist()) == list(range(len(train_split)))  # a permutation of the samples
    assert torch.equal(shuffled.y, train_split.y[perm])
    assert torch.equal(torch.bincount(shuffled.y, minlength=10), torch.bincount(train_split.y, minlength=10))
    assert float((shuffled.y != train_split.y).double().mean()) > 0.6  # most samples carry another label
    assert torch.equal(shuffled.x, train_split.x)  # the inputs are untouched
    assert not torch.equal(random_labels(train_split, 6)[0].y, shuffled.y)


def test_pretraining_fits_the_permuted_labels_not_the_clean_ones(train_split) -> None:
    net = MLP((64, 32, 10))
    pre = pretrain_on_random_labels(net, train_split, [0, 1], {"steps": 400, "lr": 0.05, "label_seed": 5},
                                    data_seeds=[7, 8], batch_size=30, device="cpu")
    shuffled, _ = random_labels(train_split, 5)
    assert torch.equal(pre.labels, shuffled.y)
    assert min(pre.fit) >= 0.95  # memorised the random labels
    _, clean_acc = evaluate(net, pre.params, train_split)
    assert float(clean_acc.max()) < 0.5  # and so does not fit the clean ones
    # the same members trained directly on the permuted copy (the ensemble, without this module)
    cfg = TrainConfig(steps=400, batch_size=30, optimiser=SGD(momentum=0.9), lr=0.05)
    direct = train_ensemble(net, shuffled, [0, 1], cfg, data_seeds=[7, 8], device="cpu")
    for k, v in direct.params.items():
        torch.testing.assert_close(pre.params[k], v.detach().cpu())


def _value(split) -> dict:
    test = load_digits().test.subset(range(40))
    return {"name": "digits", "n_classes": 10, "train_x": split.x, "train_y": split.y,
            "test_x": test.x, "test_y": test.y}


def test_population_records_the_groups_and_starts_the_pretrained_from_their_pretraining(train_split) -> None:
    plain = {"name": "sgd", "lrs": [0.05]}
    pre_spec = {"steps": 30, "lr": 0.05, "momentum": 0.9, "label_seed": 2}
    both = train_population(_value(train_split), arch={"type": "mlp", "hidden": [8]}, seeds=[0, 1],
                            optimisers=[plain, {**plain, "random_labels": pre_spec}], steps=20, batch_size=30)
    alone = train_population(_value(train_split), arch={"type": "mlp", "hidden": [8]}, seeds=[0, 1],
                             optimisers=[plain], steps=20, batch_size=30)
    rows = both["config"]
    assert [r["pretrain"] for r in rows] == ["none", "none", "random labels", "random labels"]
    assert [r["group"] for r in rows] == ["sgd lr 0.05"] * 2 + ["sgd lr 0.05 after 30 random-label steps"] * 2
    assert all(0.0 <= r["random_label_fit"] <= 1.0 and r["random_labels_changed"] > 0.5 for r in rows[2:])
    # the plain members are those of a population without the pre-trained group
    for k, v in alone["params"].items():
        assert torch.equal(both["params"][k][:2], v)
    # the pre-trained members start (checkpoint 0) where their pre-training ended, not at their seeds' init
    g = OptimiserGroup.from_spec({**plain, "random_labels": pre_spec}, [0, 1])
    init, _ = _pretrained(MLP((64, 8, 10)), train_split, g, [0, 1], 30, 0, "cpu")
    for k, v in init.items():
        assert torch.equal(both["checkpoints"]["0"][k][2:], v)
        assert not torch.equal(both["checkpoints"]["0"][k][2:], both["checkpoints"]["0"][k][:2])


def test_random_labels_parameters_are_validated() -> None:
    from catdyn.backends.torch.studies.homotopy.morphisms import HomotopyTrain

    with pytest.raises(SpecError, match=r"random_labels\.steps"):
        HomotopyTrain(arch={"type": "mlp"}, seeds=(0,), optimisers=({"name": "sgd", "lrs": (0.1,),
                                                                     "random_labels": {"steps": 0}},))
    with pytest.raises(SpecError, match=r"random_labels\.noise"):
        HomotopyTrain(arch={"type": "mlp"}, seeds=(0,), optimisers=({"name": "sgd", "lrs": (0.1,),
                                                                     "random_labels": {"steps": 5, "noise": 1}},))
    plain = HomotopyTrain(arch={"type": "mlp"}, seeds=(0,), optimisers=({"name": "sgd", "lrs": (0.1,)},))
    assert "random_labels" not in plain.serialise()["params"]["optimisers"][0]  # old task keys unchanged


@pytest.mark.parametrize("seed", range(20))
def test_adjusted_rand_index_equals_scikit_learns(seed: int) -> None:
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 30))
    a, b = rng.integers(0, rng.integers(1, 5), n), rng.integers(0, rng.integers(1, 5), n)
    groups = [f"g{v}" for v in b]
    assert adjusted_rand_index(a.tolist(), groups) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
    cs, gs, table = contingency(a.tolist(), groups)
    assert table.sum() == n and all(table[i, j] == sum(1 for x, y in zip(a, groups) if x == c and y == g)
                                    for i, c in enumerate(cs) for j, g in enumerate(gs))


GOOD, BAD = [0.84, 0.845, 0.835, 0.84], [0.77, 0.765, 0.775, 0.78]
GROUPS = ["none"] * 4 + ["random labels"] * 4


@pytest.mark.parametrize(
    ("classes", "losses", "acc", "teeth", "separate"),
    [
        ([0] * 4 + [1] * 4, [0.01] * 8, GOOD + BAD, Verdict.REPRODUCED, Verdict.REPRODUCED),
        ([0] * 8, [0.01] * 8, GOOD + BAD, Verdict.REPRODUCED, Verdict.NOT_REPRODUCED),
        ([0, 0, 1, 1, 1, 2, 2, 2], [0.01] * 8, GOOD + BAD, Verdict.REPRODUCED, Verdict.NOT_REPRODUCED),
        ([0] * 4 + [1] * 4, [0.01] * 7 + [0.5], GOOD + BAD, Verdict.NOT_REPRODUCED, Verdict.INCONCLUSIVE),
        ([0] * 4 + [1] * 4, [0.01] * 8, GOOD + [a + 0.06 for a in BAD], Verdict.NOT_REPRODUCED, Verdict.INCONCLUSIVE),
        (list(range(8)), [0.01] * 8, GOOD + BAD, Verdict.REPRODUCED, Verdict.INCONCLUSIVE),
    ],
    ids=["separated", "one-class", "mixed-class", "one-member-unfit", "gap-under-3-points", "singletons"],
)
def test_planted_populations_get_their_verdicts(classes, losses, acc, teeth, separate) -> None:
    sep = separation(acc, losses, classes, GROUPS, fit_loss=0.1, resamples=300)
    got = group_claims(sep, "planted")
    assert (got[0].verdict, got[1].verdict) == (teeth, separate)
    assert got[0].measured == pytest.approx(abs(np.mean(acc[:4]) - np.mean(acc[4:])))


def test_teeth_tiny_preset_runs_through_the_runner(tmp_path) -> None:
    from catdyn.runner import commands
    from catdyn.runner.spec import experiments, load_spec

    rc = commands.main(["run", SPEC, "--preset", "teeth-tiny", "--device", "cpu", "--out", str(tmp_path)])
    assert rc == 0
    (claims_file,) = list(tmp_path.glob("reports/*/claims.json"))
    claims = {c["claim"]: c for c in json.loads(claims_file.read_text())["claims"]}
    teeth = claims["the population has teeth: known groups that all fit the training set differ by > 3 points"
                   " (line-endpoint, c = 0.1)"]
    separate = claims["the homotopy classes separate the known groups (line-endpoint, c = 0.1)"]
    (family,) = experiments(load_spec(SPEC))
    drawn = {family.build("teeth-tiny").label(a) for a in family.build("teeth-tiny").arrows}
    assert teeth["step"] == separate["step"] and teeth["step"] in drawn
    report = next(tmp_path.glob("reports/*/report.md")).read_text()
    assert "classes × known groups (pretrain)" in report and "| random labels |" in report


@pytest.mark.parametrize("seed", range(15))
def test_the_level_where_classes_start_mixing_groups_matches_a_scan_over_c(seed: int) -> None:
    from catdyn.backends.torch.studies.homotopy.groups import pure_below
    from catdyn.classes import classes_at

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 10))
    b = rng.uniform(0, 1, (n, n)).round(2)
    b = np.triu(b, 1) + np.triu(b, 1).T
    groups = [f"g{v}" for v in rng.integers(0, 2, n)]
    levels = sorted(set(b[np.triu_indices(n, 1)].tolist()))
    mixed = [c for c in levels if any(len({groups[i] for i in np.flatnonzero(classes_at(b, c) == k)}) > 1
                                       for k in set(classes_at(b, c).tolist()))]
    c_star, below = pure_below(b, groups)
    assert c_star == (mixed[0] if mixed else np.inf)
    if mixed:
        just_below = max([c for c in levels if c < c_star], default=-1.0)
        assert below == len(set(classes_at(b, just_below).tolist()))


def test_the_index_range_is_the_leave_one_out_range_and_holds_the_index() -> None:
    classes = [0] * 6 + [1, 2, 3, 4, 5, 6]
    sep = separation(GOOD + GOOD[:2] + BAD + BAD[:2], [0.01] * 12, classes, ["none"] * 6 + ["random labels"] * 6,
                     resamples=200)
    drop = [adjusted_rand_index(classes[:i] + classes[i + 1:], sep_groups[:i] + sep_groups[i + 1:])
            for sep_groups in [["none"] * 6 + ["random labels"] * 6] for i in range(12)]
    assert (sep.ari.low, sep.ari.high) == (min(drop), max(drop))
    assert sep.ari.low <= sep.ari.value <= sep.ari.high


@pytest.mark.parametrize("stray_loss, fits", [(0.01, True), (2.3, False)])
def test_a_member_in_no_class_still_counts_for_every_member_fits(stray_loss: float, fits: bool) -> None:
    """Member 4 is left in no class (a sublevel criterion would do that): the population fits
    the training set only if that member fits too."""
    from catdyn.backends.torch.studies.homotopy.group_morphisms import KnownGroups
    from catdyn.runner.context import TaskContext
    from catdyn.values import BarrierMatrix, Partition, Population, Table

    n = 5
    meta = [{"pretrain": "none"}] * 2 + [{"pretrain": "random labels"}] * 3
    pop = Population({"type": "mlp"}, {"w": [[float(i)] for i in range(n)]}, ["ok"] * n, list(range(n)), meta)
    losses = [0.01, 0.02, 0.01, 0.03, stray_loss]
    acc = Table([{"test_acc": a, "train_loss": loss, "train_acc": 1.0}
                 for a, loss in zip([0.9, 0.91, 0.8, 0.81, 0.5], losses)])
    part = Partition([0, 0, 1, 1, None], "sublevel", 0.1)
    barriers = BarrierMatrix(np.zeros((n, n)), "sublevel", 5)
    ctx = TaskContext(seed=0)
    KnownGroups(resamples=50).run(ctx, pop, part, acc, barriers)
    worst = dict((r[1], r[2]) for r in ctx.records if r[0] == "metric")["worst train loss"]
    assert worst == pytest.approx(max(losses))
    assert (worst <= 0.1) is fits
