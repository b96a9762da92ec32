"""Read-outs of the transfer study: accuracy tables, the summary, the claims, the fibre
product's laws and its penalty sweep (each a morphism the spec's diagram draws).

>>> TransferClaims(pullback="fibre").baseline
'finetune'
"""

from __future__ import annotations

from typing import Any

from pydantic import PositiveFloat, PositiveInt

from catdyn.backends.torch.transfer.morphisms import _data, _one_thread, _source
from catdyn.backends.torch.transfer.values import TransferRuns, TransferTask
from catdyn.morphisms import BackendMorphism
from catdyn.values import Claims, Population, Table

_STUDY = "catdyn.backends.torch.studies.transfer.study"
FACTORS = "every cone factors within tolerance"


def _order(method: str) -> int:
    from catdyn.backends.torch.transfer.baselines import METHODS

    return list(METHODS).index(method) if method in METHODS else len(METHODS)


class Accuracies(BackendMorphism):
    """Per (seed, label budget), a method's accuracies (the method's name left out, so two
    methods' tables can be declared equal)."""

    inputs, output = (TransferRuns,), Table
    columns: tuple[str, ...] = ("acc_id", "acc_shift", "acc_val")

    def run(self, ctx: Any, runs: TransferRuns) -> Table:
        rows = sorted(runs.rows, key=lambda r: (r["seed"], r["labels"]))
        return Table([{"seed": r["seed"], "labels": r["labels"], **{c: float(r[c]) for c in self.columns}}
                      for r in rows])


class Summarise(BackendMorphism):
    """Every method's rows in one table, in the study's order, recorded for the report: the
    runs, mean and 95 % t-interval per (method, budget), accuracy against labels per class."""

    inputs, output, variadic = (TransferRuns,), TransferRuns, True

    def run(self, ctx: Any, *runs: TransferRuns) -> TransferRuns:
        from catdyn.backends.torch.studies.transfer.study import (
            StudyConfig,
            StudyResult,
            accuracy_figure_data,
            aggregate,
        )

        rows = sorted((r for run in runs for r in run.rows), key=lambda r: (r["seed"], r["labels"], _order(r["method"])))
        dataset, table = rows[0]["dataset"], aggregate(rows)
        methods = sorted({r["method"] for r in rows}, key=_order)
        ctx.table(f"{dataset}: runs", [{k: v for k, v in r.items() if k != "hyperparameters"}
                                        | {"hyperparameters": str(r["hyperparameters"])} for r in rows])
        ctx.table(f"{dataset}: mean and 95 % interval over seeds", table)
        ks = sorted({r["labels"] for r in rows})
        lines = {m: [100 * next(t["acc_id"] for t in table if t["method"] == m and t["labels"] == k) for k in ks]
                 for m in methods}
        ctx.series(f"{dataset}: test accuracy vs target labels per class", ks, lines, xlabel="labels per class",
                   ylabel="accuracy (%)")
        cfg = StudyConfig(dataset=dataset, methods=tuple(methods), labels_per_class=tuple(ks),
                          seeds=tuple(sorted({r["seed"] for r in rows})))
        data = accuracy_figure_data(StudyResult(cfg, rows, [], table, [], "", 0.0))
        data["highlight"] = ["fibre", "pullback_ot", "finetune"]
        ctx.figure(f"{dataset}: accuracy vs target labels per class, every method",
                   f"{_STUDY}:draw_accuracy_vs_labels", data)
        return TransferRuns(rows)


class TransferClaims(BackendMorphism):
    """The paper's three transfer claims measured on one pullback against a baseline, paired
    over seeds at the headline label budget (default: the largest): the accuracy gap, the
    speed-up (CPU seconds) and the fraction of parameters updated
    (:func:`~catdyn.backends.torch.studies.transfer.study.claims`)."""

    inputs, output = (TransferRuns,), Claims
    pullback: str
    baseline: str = "finetune"
    headline: PositiveInt | None = None

    def run(self, ctx: Any, runs: TransferRuns) -> Claims:
        from catdyn.backends.torch.studies.transfer.study import claims

        rows = runs.rows
        dataset, k = rows[0]["dataset"], self.headline or max(r["labels"] for r in rows)
        out = []
        for c in claims(rows, dataset, k, pullback=self.pullback, baseline=self.baseline):
            name = f"{c['claim']} ({dataset}; pullback = {self.pullback})"
            interval = tuple(c["interval"]) if all(v == v for v in c["interval"]) else None
            ctx.claim(name, paper=c["paper"], measured=c["measured"], interval=interval, verdict=c["verdict"],
                      figure=f"{c['measured']} {c['unit']}", detail=f"{c['context']}; verdict band {c['band']} {c['unit']}")
            out.append({**c, "claim": name})
        return Claims(out)


class FibreLaws(BackendMorphism):
    """The fibre product's laws on the first seed's trained source and its probe: witnesses
    solved from the source plus noise; the square, "every cone factors within tolerance" and
    uniqueness are laws of the run (:func:`~catdyn.backends.torch.transfer.fibre.fibre_laws`);
    the factorisation is also recorded as a claim, and the witnesses table shows how far an
    exact re-solve would move each witness."""

    inputs, output = (Population, TransferTask), Claims
    witnesses: PositiveInt = 1
    noise: PositiveFloat = 0.05
    atol: PositiveFloat = 0.1
    penalty: PositiveFloat = 100.0

    def run(self, ctx: Any, source: Population, task: TransferTask) -> Claims:
        import torch

        from catdyn.backends.torch.transfer.baselines import SourceModel, fibre_cospan
        from catdyn.backends.torch.transfer.category import SampledCategory
        from catdyn.backends.torch.transfer.fibre import (
            ConstraintSolver,
            factorisation_diagnostics,
            fibre_laws,
            fibre_product,
        )
        from catdyn.checker.law import check_laws

        seed, src = source.seeds[0], _source(source, 0)
        theta = {k: v.detach().double() for k, v in src.params.items()}
        probe = _data(task, seed, max(task.labels)).probe.double()
        gen = torch.Generator().manual_seed(20_000 + seed)
        starts = [((), {k: v + self.noise * torch.randn(v.shape, generator=gen, dtype=v.dtype) for k, v in theta.items()})
                  for _ in range(self.witnesses)]
        with _one_thread():
            fp = fibre_product(fibre_cospan(SourceModel(src.arch, theta, src.layer), probe,
                                            SampledCategory(atol=self.atol, name="Param")), starts,
                               ConstraintSolver("augmented_lagrangian", penalty=self.penalty, rounds=10, steps=100,
                                                optimiser="lbfgs"), fixed=("left",))
            subject = (f"fibre product over Rep of the study's {task.dataset} source (seed {seed}, layer {src.layer}, "
                       f"{len(probe)} probes; atol {self.atol:g})")
            results, diagnostics = check_laws(fibre_laws(fp, subject=subject)), factorisation_diagnostics(fp)
        ctx.table(f"{task.dataset}: fibre product laws on the study's source",
                  [{"law": r.law, "status": r.status, "engine": r.engine, "examples": r.examples,
                    "largest residual": r.residual, "statement": r.statement, "subject": r.subject} for r in results])
        ctx.table(f"{task.dataset}: fibre product witnesses and their projection onto the fibre",
                  [{"witness": i} | d for i, d in enumerate(diagnostics)])
        for r in results:
            ctx.law(r)
        factor = next(r for r in results if r.law == FACTORS)
        moved = max(d["moved_by_projection"] for d in diagnostics)
        name = f"fibre product: every cone factors within tolerance ({task.dataset})"
        ctx.claim(name, paper="transfer learning is a pullback (universal property)", measured=factor.residual,
                  verdict=factor.status, figure=f"the mediating morphism moves a witness by {factor.residual:.3g} in "
                  f"parameters (tolerance {self.atol:g})", detail=f"{factor.subject}; a law of the run: the mediating "
                  f"morphism fixes points already in the apex; re-solving for the exact fibre would move them {moved:.3g} "
                  "(the solver is not idempotent; see the witnesses table)")
        return Claims([{"claim": name, "measured": factor.residual, "verdict": factor.status}])


class FibreSweep(BackendMorphism):
    """Residual against accuracy of the fibre product as the penalty μ grows (penalty method
    and augmented Lagrangian), at the headline label budget: a curve, not used for selection
    (:func:`~catdyn.backends.torch.studies.transfer.study.fibre_sweep`)."""

    inputs, output = (Population, TransferTask), Table
    mus: tuple[PositiveFloat, ...] = (0.1, 10.0, 1000.0)
    steps: PositiveInt = 200
    rounds: PositiveInt = 4

    def run(self, ctx: Any, source: Population, task: TransferTask) -> Table:
        from catdyn.backends.torch.studies.transfer.study import fibre_sweep
        from catdyn.backends.torch.transfer.baselines import Budget

        k, sweep = max(task.labels), []
        with _one_thread():
            for i, seed in enumerate(source.seeds):
                sweep += fibre_sweep(_source(source, i), _data(task, seed, k), Budget(steps=self.steps,
                                     fibre_rounds=self.rounds), self.mus, seed)
        mus = sorted(self.mus)
        for key, label, logy in (("residual", "residual ‖F_T − F_S‖", True), ("acc_id", "accuracy", False)):
            lines = {m: [sum(v) / len(v) for v in ([s[key] for s in sweep if s["method"] == m and s["mu"] == mu]
                                                   for mu in mus)] for m in ("penalty", "augmented_lagrangian")}
            ctx.series(f"{task.dataset}: fibre product {label} vs μ", mus, lines, xlabel="μ", ylabel=label, logy=logy)
        ctx.table(f"{task.dataset}: fibre product residual vs accuracy", sweep)
        return Table(sweep)
