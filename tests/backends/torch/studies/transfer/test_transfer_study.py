"""Honest-comparison bookkeeping and the study end to end on a tiny configuration."""

import numpy as np
import pytest
import torch

from catdyn.backends.torch.studies.transfer.study import StudyConfig, claims, prepare, run_study
from catdyn.backends.torch.transfer.baselines import METHODS, Budget, Method, tune
from catdyn.errors import TransferError


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


TINY = StudyConfig(
    labels_per_class=(1, 3),
    seeds=(0,),
    hidden=(32, 32),
    source_steps=60,
    budget=Budget(steps=12, fibre_rounds=3),
    probe_size=32,
    sweep_mu=(),
)


def test_every_method_gets_the_same_configurations_and_optimiser_steps(monkeypatch):
    source, per_budget, _ = prepare(TINY, seed=0)
    data = per_budget[3]
    steps: list[int] = []
    real_step = torch.optim.Adam.step

    def counting(self, *a, **k):
        steps.append(1)
        return real_step(self, *a, **k)

    monkeypatch.setattr(torch.optim.Adam, "step", counting)
    counts = {}
    for name, method in METHODS.items():
        assert len(method.grid) == TINY.budget.configs, name
        for hp in method.grid:
            steps.clear()
            method.train(source, data, TINY.budget, hp, 0)
            counts.setdefault(name, set()).add(len(steps))
    assert counts == {name: {TINY.budget.steps} for name in METHODS}


def test_an_unequal_grid_is_refused():
    source, per_budget, _ = prepare(TINY, seed=0)
    extra = Method("greedy", (*METHODS["finetune"].grid, {"lr": 0.01}), METHODS["finetune"].train)
    with pytest.raises(TransferError, match="same number of configurations"):
        tune(extra, source, per_budget[1], TINY.budget, 0)


def test_splits_are_disjoint_nested_and_share_one_test_set():
    _, per_budget, _ = prepare(TINY, seed=0)
    d1, d3 = per_budget[1], per_budget[3]
    assert torch.equal(d1.test[0], d3.test[0]) and torch.equal(d1.val[0], d3.val[0])
    assert len(d1.train[1]) == 5 and len(d3.train[1]) == 15
    rows = lambda t: {tuple(r.tolist()) for r in t}  # noqa: E731
    assert rows(d1.train[0]) <= rows(d3.train[0])
    parts = [rows(d3.train[0]), rows(d3.val[0]), rows(d3.test[0]), rows(d3.target_unlabelled)]
    assert sum(len(p) for p in parts) == len(set().union(*parts))  # pairwise disjoint
    assert sorted(set(d3.train[1].tolist())) == [0, 1, 2, 3, 4]


def test_study_runs_reports_claims_and_is_deterministic():
    cfg = StudyConfig(
        labels_per_class=(2,),
        seeds=(0, 1),
        hidden=(32, 32),
        source_steps=60,
        budget=Budget(steps=10, fibre_rounds=2),
        probe_size=32,
        sweep_mu=(1.0, 100.0),
        methods=("finetune", "linear_probe", "fibre", "pullback_identity"),
    )
    a, b = run_study(cfg), run_study(cfg)
    assert [r["acc_id"] for r in a.rows] == [r["acc_id"] for r in b.rows]
    assert {c["claim"] for c in a.claims} == {
        "pullback vs fine-tuning accuracy gap",
        "pullback speed-up over fine-tuning",
        "parameters updated by the pullback",
    }
    assert all(c["verdict"] in ("reproduced", "not reproduced", "inconclusive") for c in a.claims)
    pb = [r for r in a.rows if r["method"] == "pullback_identity"]
    assert all(
        r["frac_updated"] == pytest.approx((32 * 5 + 5) / (64 * 32 + 32 + 32 * 32 + 32 + 32 * 5 + 5))
        for r in pb
    )
    assert all(r["configs"] == 4 for r in a.rows)
    assert len(a.sweep) == 2 * 2 * 2 and all(np.isfinite(s["residual"]) for s in a.sweep)
    assert "4 hyperparameter settings × 10 full-batch Adam steps" in a.budget


def test_claim_verdicts_follow_their_bands():
    def rows(gap):
        return [
            {
                "dataset": "d",
                "labels": 1,
                "seed": s,
                "method": m,
                "acc_id": a,
                "cpu_seconds": 1.0,
                "frac_updated": 0.1,
            }
            for s, noise in ((0, 0.0), (1, 0.002), (2, -0.002))
            for m, a in (("pullback_identity", 0.5 + gap + noise), ("finetune", 0.5))
        ]

    verdicts = lambda gap: claims(rows(gap), "d", 1)[0]["verdict"]  # noqa: E731
    assert verdicts(-0.017) == "reproduced"
    assert verdicts(+0.05) == "not reproduced"
    assert verdicts(-0.10) == "not reproduced"
    assert claims(rows(0.0), "d", 1)[1]["verdict"] == "not reproduced"  # 1x is not 4x
