"""The transfer study rebuilt as a diagram gives the monolithic study's numbers (the same
protocol, run through ``run_study``), measures its headline on both pullbacks, and its declared
equation (linear probing = the pullback along the identity) and pullback square hold."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from catdyn import Cospan
from catdyn.backends.torch.transfer.cost_morphisms import ParameterWidths, TimeTransfer, TransferCosts
from catdyn.backends.torch.transfer.domain_morphisms import FitDomainMap, HeadOnPullback
from catdyn.backends.torch.transfer.morphisms import (
    EvaluateTransfer,
    FibreSolve,
    FreshHead,
    RealiseOnProbe,
    TrainSource,
    TransferSplits,
    Tune,
)
from catdyn.backends.torch.transfer.readouts import Accuracies, Summarise, TransferClaims
from catdyn.experiments import ExperimentFamily
from catdyn.runner.run import run_experiment
from catdyn.runner.store import Store

SMALL = {"seeds": (0,), "labels": (2,), "steps": 8, "hidden": (16,), "source_steps": 30, "probe": 8}


def _build(e, p):
    task = e.add("Task", TransferSplits(seeds=p["seeds"], labels=p["labels"], probe_size=p["probe"]))
    source = e.add("Source", TrainSource(hidden=p["hidden"], steps=p["source_steps"]), task)
    runs = {m: e.add(m, Tune(method=m, steps=p["steps"]), source, task) for m in ("finetune", "linear_probe")}
    start = e.add("Start", FreshHead(), source, task)
    fibre = e.pullback("Fibre", Cospan(RealiseOnProbe(), RealiseOnProbe()), at=(source, start), using=(task,),
                       solve=FibreSolve(steps=p["steps"], rounds=2), atol=0.05)
    runs["fibre"] = e.add("fibre", EvaluateTransfer(), fibre.right, source, task)
    for f in ("identity", "ot"):
        runs[f] = e.add(f, HeadOnPullback(steps=p["steps"]), e.add(f"map {f}", FitDomainMap(kind=f), task),
                        source, task)
    e.equation("LP = pullback along id", e.add("acc LP", Accuracies(), runs["linear_probe"]),
               e.add("acc id", Accuracies(), runs["identity"]))
    every = e.add("all", Summarise(), *runs.values())
    e.add("claims", TransferClaims(pullback="fibre"), every)
    e.add("costs", TransferCosts(steps=p["steps"], rounds=2), every, source, task)
    e.add("widths", ParameterWidths(widths=(16, 64)), source)
    e.add("timed", TimeTransfer(steps=p["steps"], repeats=3, rounds=2), source, task)


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    fam = ExperimentFamily("transfer-small", _build, presets={"smoke": SMALL})
    out = str(tmp_path_factory.mktemp("transfer"))
    summary = run_experiment(fam, out, report=True)
    store = Store(out, create=False)
    values = {t["morphism"]: store.load_value(t["key"]) for t in store.run_tasks(summary.run_id)}
    return summary, values


def test_the_diagram_gives_the_monolithic_studys_numbers(ran) -> None:
    from catdyn.backends.torch.studies.transfer.study import StudyConfig, run_study
    from catdyn.backends.torch.transfer.baselines import Budget

    summary, values = ran
    assert summary.ok, summary.outcomes
    cfg = StudyConfig(labels_per_class=SMALL["labels"], seeds=SMALL["seeds"], hidden=SMALL["hidden"],
                      source_steps=SMALL["source_steps"], probe_size=SMALL["probe"], sweep_mu=(),
                      budget=Budget(steps=SMALL["steps"], fibre_rounds=2),
                      methods=("finetune", "linear_probe", "fibre", "pullback_identity", "pullback_ot"))
    old = {r["method"]: r for r in run_study(cfg).rows}
    new = {r["method"]: r for r in values["Summarise"]["rows"]}
    assert set(new) == set(old)
    for method, row in old.items():
        for key in ("acc_id", "acc_shift", "acc_val", "cka_source", "rel_dist_source", "frac_updated"):
            assert new[method][key] == row[key], (method, key)
        assert new[method]["hyperparameters"] == row["hyperparameters"]
    assert new["fibre"]["residual"] == pytest.approx(old["fibre"]["residual"], rel=1e-12)


def test_the_square_and_the_linear_probe_equation_are_checked(ran) -> None:
    _summary, values = ran
    checks = {k: v for k, v in values.items() if k.startswith("= ")}
    assert checks["= LP = pullback along id"]["status"] == "held"
    assert checks["= LP = pullback along id"]["residual"] == 0.0
    square = checks["= Fibre: the square commutes"]
    assert square["status"] == "held" and 0 < square["residual"] <= 0.05


def test_the_headline_is_measured_on_the_fibre_product(ran) -> None:
    _, values = ran
    claims = values["TransferClaims"]["claims"]
    assert [c["claim"].split(" (")[0] for c in claims] == [
        "pullback vs fine-tuning accuracy gap", "pullback speed-up over fine-tuning",
        "parameters updated by the pullback"]
    assert all("pullback = fibre" in c["claim"] for c in claims)
    assert claims[2]["measured"] == 100.0  # the fibre product trains every parameter


def test_every_claim_is_computed_by_a_drawn_arrow(ran) -> None:
    import json
    from pathlib import Path

    summary, _ = ran
    store = Store(summary.store, create=False)
    drawn = {s["name"] for s in store.run_config(summary.run_id)["experiment"]["steps"]}
    claims = json.loads(Path(summary.report["claims"]).read_text())["claims"]
    assert claims and {c["step"] for c in claims} <= drawn


def test_costs_parameters_and_flops_per_method_are_tabulated(ran) -> None:
    from catdyn.backends.torch.transfer.costs import head_fraction, training_flops

    _, values = ran
    costs = {r["method"]: r for r in values["TransferCosts"]["rows"]}
    assert set(costs) == {"finetune", "linear_probe", "fibre", "pullback_identity", "pullback_ot"}
    widths = (64, 16, 5)
    for m in ("finetune", "fibre"):
        assert costs[m]["updated (%)"] == 100.0
    for m in ("linear_probe", "pullback_identity", "pullback_ot"):  # counted on the trained models
        assert costs[m]["updated (%)"] == pytest.approx(100 * head_fraction(widths), rel=1e-12)
    n = costs["finetune"]["training inputs"]
    assert n == 2 * 5
    for m, row in costs.items():
        assert row["FLOPs per setting"] == training_flops(m, widths, n, SMALL["steps"], SMALL["probe"], 2)
        assert row["steps per setting"] == SMALL["steps"] and row["steps per tuning"] == 4 * SMALL["steps"]


def test_the_width_sweep_counts_built_models(ran) -> None:
    _, values = ran
    rows = values["ParameterWidths"]["rows"]
    assert [r["hidden width"] for r in rows] == [16, 64]
    assert all(r["parameters (closed form)"] == r["parameters (built model)"] for r in rows)
    assert rows[0]["parameters (built model)"] == 65 * 16 + 17 * 5


def test_a_timed_speed_up_of_short_calls_is_inconclusive_with_its_reason(ran) -> None:
    _, values = ran
    claims = values["TimeTransfer"]["claims"]
    timed = [c for c in claims if "timed" in c["claim"]]
    flops = [c for c in claims if "FLOPs" in c["claim"]]
    assert len(timed) == len(flops) == 2
    assert all(c["verdict"] == "inconclusive" and "< 1 s" in c["reason"] for c in timed)  # 8-step calls
    assert all(c["measured"] > 0 and c["verdict"] in ("reproduced", "not reproduced") for c in flops)


def test_the_accuracy_figure_holds_every_method_with_its_seeds_and_draws(ran) -> None:
    """The accuracy-vs-labels figure Summarise records (the one figure of the study's report
    that the removed one-operation study also drew): every method, every seed's own value inside
    or at the interval, plain JSON, and a drawer that succeeds on it."""
    import json
    import math

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from catdyn.runner.report import gather, resolve_drawer

    summary, values = ran
    (section,) = [s for s in gather(Store(summary.store, create=False), summary.run_id)["sections"]
                  if s["step"] == "Summarise"]
    acc = dict(section["figures"])["digits: accuracy vs target labels per class, every method"]
    methods = acc["data"]["methods"]
    assert sorted(methods) == sorted({r["method"] for r in values["Summarise"]["rows"]}) and len(methods) == 5
    for entry in methods.values():
        assert entry["labels"] == list(SMALL["labels"]) and all(len(s) == len(SMALL["seeds"]) for s in
                                                                entry["seeds_acc_id"])
        assert all(math.isclose(m, sum(s) / len(s)) for m, s in zip(entry["acc_id"], entry["seeds_acc_id"]))
        for m, lo, hi in zip(entry["acc_id"], entry["acc_id_lo"], entry["acc_id_hi"]):
            assert lo is None or hi is None or lo <= m <= hi or math.isclose(lo, hi)
    json.dumps(acc, allow_nan=False)  # stored records stay plain JSON
    fig = plt.figure()
    resolve_drawer(acc["drawer"])(fig, acc["data"])
    assert fig.axes and fig.axes[0].get_xlabel()
    plt.close(fig)
