"""The transfer study's runner operation: ``transfer_study`` (registered on import).

It runs :func:`~catdyn.backends.torch.transfer_study.run_study` with the step's parameters and
records, for the report: the per-run table and the aggregated table, accuracy against labels
per class for every method (a series), the fibre product's residual and accuracy against the
penalty ``μ`` (series, penalty method and augmented Lagrangian), the three claims with
their intervals and verdicts, and the budget statement. Its value is the study as JSON.

>>> from catdyn.runner.operations import OpContext, get
>>> ctx = OpContext(seed=0)
>>> out = get("transfer_study")(ctx, labels_per_class=[2], seeds=[0], steps=5, source_steps=20,
...                             methods=["finetune", "pullback_identity"], sweep_mu=[], hidden=[16])
>>> sorted({r["method"] for r in out["rows"]})
['finetune', 'pullback_identity']
>>> [k for k, name, *_ in ctx.records if k == "claim"]
['claim', 'claim', 'claim']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catdyn.backends.torch.transfer_baselines import METHODS, Budget
from catdyn.backends.torch.transfer_study import StudyConfig, run_study
from catdyn.runner.operations import OpContext, operation


@operation("transfer_study", inputs=(), output="transfer_results")
def transfer_study(
    ctx: OpContext,
    *,
    dataset: str = "digits",
    labels_per_class: Sequence[int] = (1, 5),
    seeds: Sequence[int] = (0, 1),
    steps: int = 150,
    configs: int = 4,
    fibre_rounds: int = 3,
    source_steps: int = 300,
    hidden: Sequence[int] = (128, 128),
    methods: Sequence[str] = tuple(METHODS),
    probe_size: int = 128,
    sweep_mu: Sequence[float] = (0.1, 10.0, 1000.0),
    val_per_class: int = 5,
    headline_labels: int | None = None,
    enabled: bool = True,
) -> dict[str, Any]:
    """Run the transfer study and record its tables, curves and claims (nothing, and an empty
    value, when ``enabled`` is false: a preset may switch a data set off)."""
    if not enabled:
        return {}
    cfg = StudyConfig(
        dataset=dataset,
        labels_per_class=tuple(int(k) for k in labels_per_class),
        seeds=tuple(int(s) for s in seeds),
        hidden=tuple(int(h) for h in hidden),
        source_steps=int(source_steps),
        budget=Budget(steps=int(steps), configs=int(configs), fibre_rounds=int(fibre_rounds)),
        methods=tuple(methods),
        probe_size=int(probe_size),
        sweep_mu=tuple(float(m) for m in sweep_mu),
        val_per_class=int(val_per_class),
        headline_labels=headline_labels,
    )
    total = len(cfg.seeds) * len(cfg.labels_per_class) * len(cfg.methods)
    done = [0]

    def tick(_row: dict[str, Any]) -> None:
        done[0] += 1
        ctx.progress(done[0], total)

    result = run_study(cfg, progress=tick)
    ctx.table(
        f"{dataset}: runs",
        [
            {k: v for k, v in r.items() if k != "hyperparameters"}
            | {"hyperparameters": str(r["hyperparameters"])}
            for r in result.rows
        ],
    )
    ctx.table(f"{dataset}: mean and 95 % interval over seeds", result.table)
    ks = sorted(cfg.labels_per_class)
    lines = {}
    for m in cfg.methods:
        by = {r["labels"]: r["acc_id"] for r in result.table if r["method"] == m}
        lines[m] = [100 * by[k] for k in ks]
    ctx.series(
        f"{dataset}: test accuracy vs target labels per class",
        ks,
        lines,
        xlabel="labels per class",
        ylabel="accuracy (%)",
    )
    if result.sweep:
        mus = sorted({s["mu"] for s in result.sweep})
        for key, label, logy in (("residual", "residual ‖F_T − F_S‖", True), ("acc_id", "accuracy", False)):
            lines = {}
            for method in ("penalty", "augmented_lagrangian"):
                vals = [
                    [s[key] for s in result.sweep if s["method"] == method and s["mu"] == mu] for mu in mus
                ]
                lines[method] = [sum(v) / len(v) for v in vals]
            ctx.series(
                f"{dataset}: fibre product {label} vs μ", mus, lines, xlabel="μ", ylabel=label, logy=logy
            )
        ctx.table(f"{dataset}: fibre product residual vs accuracy", result.sweep)
    for c in result.claims:
        ctx.claim(
            f"{c['claim']} ({dataset})",
            paper=c["paper"],
            measured=c["measured"],
            interval=tuple(c["interval"]) if all(v == v for v in c["interval"]) else None,  # type: ignore[arg-type]
            verdict=c["verdict"],
            figure=f"{c['measured']} {c['unit']}",
            detail=f"{c['context']}; verdict band {c['band']} {c['unit']}; {result.budget}",
        )
    ctx.metric(f"{dataset}: study seconds", result.seconds)
    return result.to_json()
