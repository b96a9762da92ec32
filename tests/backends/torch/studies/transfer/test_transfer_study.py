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


def test_a_tiny_runs_report_has_both_figures_the_budget_and_the_fibre_law(tmp_path):
    """The transfer_study operation's report: accuracy vs labels (every method, seed intervals),
    residual vs accuracy (the penalty sweep), the equal-budget table, and the refuted
    factorisation law as a claim row — drawn from the stored records by catdyn drawers."""
    import json

    import catdyn.backends.torch.studies.transfer.ops  # noqa: F401  (registers transfer_study)
    from catdyn.runner import Experiment
    from catdyn.runner.report import gather, resolve_drawer, write_report
    from catdyn.runner.run import run_experiment
    from catdyn.runner.store import Store

    pytest.importorskip("matplotlib")
    methods = ["finetune", "linear_probe", "fibre", "pullback_identity"]
    exp = Experiment("transfer-tiny", seed=0)
    out = exp.stage("Results", "transfer_results")
    exp.step(
        "transfer",
        None,
        out,
        op="transfer_study",
        labels_per_class=[1, 2],
        seeds=[0, 1],
        steps=6,
        fibre_rounds=2,
        source_steps=30,
        hidden=[16, 16],
        methods=methods,
        probe_size=16,
        sweep_mu=[1.0, 100.0],
    )
    summary = run_experiment(exp, str(tmp_path), report=False)
    assert summary.ok, summary.failed_laws  # the known-refuted law does not fail the run
    store = Store(summary.store)
    (section,) = gather(store, summary.run_id)["sections"]
    figures = dict(section["figures"])
    acc = figures["digits: accuracy vs target labels per class, every method"]
    res = figures["digits: fibre product residual vs accuracy (penalty sweep)"]
    assert sorted(acc["data"]["methods"]) == sorted(methods)
    for entry in acc["data"]["methods"].values():
        assert entry["labels"] == [1, 2] and all(len(s) == 2 for s in entry["seeds_acc_id"])
        assert all(
            lo <= m <= hi for m, lo, hi in zip(entry["acc_id"], entry["acc_id_lo"], entry["acc_id_hi"])
        )
    assert len(res["data"]["sweep"]) == 2 * 2 * 2 and len(res["data"]["tuned"]) == 2
    json.dumps([acc, res], allow_nan=False)  # stored records stay plain JSON
    import matplotlib.pyplot as plt

    for rec in (acc, res):  # the drawers themselves succeed (the report would hide a failure)
        fig = plt.figure()
        resolve_drawer(rec["drawer"])(fig, rec["data"])
        assert fig.axes[0].get_xlabel() and all(ax.get_ylabel() for ax in fig.axes)  # colour bar too
        plt.close(fig)
    tables = dict(section["tables"])
    budget = tables["digits: equal budget and tuning effort (every method)"]
    assert [r["method"] for r in budget] == methods
    assert {(r["settings tried"], r["Adam steps per setting"]) for r in budget} == {(4, 6)}
    laws = {r["law"]: r["status"] for r in tables["digits: fibre product laws on the study's source"]}
    assert laws["square commutes within tolerance"] == "held"
    assert laws["projections are jointly monic"] == "proved"
    paths = write_report(store, summary.run_id)
    md = open(paths["markdown"], encoding="utf-8").read()
    pngs = sorted((tmp_path / "reports" / summary.run_id / "plots").glob("*.png"))
    assert any("every-method" in p.name for p in pngs) and any("penalty-sweep" in p.name for p in pngs)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    assert "equal budget and tuning effort" in md and "every cone factors within tolerance" in md
    claims = json.load(open(paths["claims"], encoding="utf-8"))["claims"]
    law_claim = [c for c in claims if c["claim"].startswith("fibre product: every cone factors")]
    assert len(law_claim) == 1 and law_claim[0]["verdict"] in ("held", "refuted")
    assert law_claim[0]["measured"] >= 0
