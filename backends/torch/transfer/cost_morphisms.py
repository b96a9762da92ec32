"""What transfer costs, as arrows of the spec's diagram: parameters updated by every method and
their width sweep, optimiser steps and FLOPs (:mod:`~catdyn.backends.torch.transfer.costs`), and
long, repeated timings (:mod:`~catdyn.backends.torch.transfer.timing`).

>>> ParameterWidths().widths[:3]
(64, 128, 256)
>>> TimeTransfer().pullbacks
('fibre', 'pullback_ot')
"""

from __future__ import annotations

from typing import Any

from pydantic import PositiveFloat, PositiveInt

from catdyn.backends.torch.transfer.morphisms import _data, _one_thread, _source
from catdyn.backends.torch.transfer.values import TransferRuns, TransferTask
from catdyn.morphisms import BackendMorphism
from catdyn.values import Claims, Population, Table

PAPER_FRACTION = 0.005
"""The paper's fraction of parameters updated (0.5 %)."""
BAND = (0.25, 1.0)
"""The verdict band of that claim, in % (as :func:`~catdyn.backends.torch.studies.transfer.study.claims`)."""
SPEED_BAND = (2.0, 8.0)
"""The verdict band of the paper's 4× speed-up."""


def _widths(pop: Population) -> tuple[int, ...]:
    return tuple(int(w) for w in pop.arch["widths"])


class TransferCosts(BackendMorphism):
    """Per method, at every label budget (means over seeds): the parameters it updates (counted
    on the trained model, ``updated/total``), optimiser steps per setting and per tuning (all
    settings), and matmul FLOPs of the kept setting in closed form from the source's widths
    and the task's sizes (:func:`~catdyn.backends.torch.transfer.costs.training_flops`), also
    relative to fine-tuning."""

    inputs, output = (TransferRuns, Population, TransferTask), Table
    steps: PositiveInt = 200
    rounds: PositiveInt = 4

    def run(self, ctx: Any, runs: TransferRuns, source: Population, task: TransferTask) -> Table:
        from catdyn.backends.torch.transfer.costs import training_flops

        widths, out = _widths(source), []
        probe = len(task.split(task.seeds[0])["probe"])
        for k in sorted({r["labels"] for r in runs.rows}):
            n = len(task.split(task.seeds[0])["train"][str(k)][1])
            ft = training_flops("finetune", widths, n, self.steps, probe, self.rounds)
            for m in dict.fromkeys(r["method"] for r in runs.rows):
                rs = [r for r in runs.rows if r["method"] == m and r["labels"] == k]
                if not rs:
                    continue
                flops = training_flops(m, widths, n, self.steps, probe, self.rounds)
                configs = int(rs[0].get("configs", 4))
                out.append({"method": m, "labels": k, "training inputs": n,
                            "parameters updated": sum(float(r["updated"]) for r in rs) / len(rs),
                            "parameters": sum(float(r["total"]) for r in rs) / len(rs),
                            "updated (%)": 100 * sum(float(r["frac_updated"]) for r in rs) / len(rs),
                            "steps per setting": self.steps, "steps per tuning": self.steps * configs,
                            "FLOPs per setting": flops, "FLOPs vs finetune": flops / ft,
                            "cpu seconds (kept setting)": sum(float(r["cpu_seconds"]) for r in rs) / len(rs)})
        ctx.table(f"{task.dataset}: parameters updated, optimiser steps and FLOPs per method "
                  f"(mlp {'-'.join(map(str, widths))}; FLOPs: matmuls, map fitting excluded)", out)
        return Table(out)


class ParameterWidths(BackendMorphism):
    """The head's share of the parameters (what a head-only method updates: the linear probe
    and every pullback along a domain map) as the source's hidden width grows, its depth, input
    and classes kept: closed form and counted on a built model, side by side; and the smallest
    width that reaches the paper's 0.5 % and the verdict band's edges
    (:func:`~catdyn.backends.torch.transfer.costs.width_for_fraction`)."""

    inputs, output = (Population,), Table
    widths: tuple[PositiveInt, ...] = (64, 128, 256, 512, 931, 1024, 2048)

    def run(self, ctx: Any, source: Population) -> Table:
        import torch

        from catdyn.backends.torch.models.architectures import MLP
        from catdyn.backends.torch.transfer.baselines import param_count
        from catdyn.backends.torch.transfer.costs import (
            head_fraction,
            mlp_parameter_count,
            width_for_fraction,
        )

        w = _widths(source)
        d, c, depth = w[0], w[-1], len(w) - 2
        rows = []
        for h in self.widths:
            shape = (d, *[h] * depth, c)
            arch = MLP(shape)
            built = param_count(arch.init(torch.Generator().manual_seed(0)), arch)
            rows.append({"hidden width": h, "mlp": "-".join(map(str, shape)), "parameters (closed form)":
                         mlp_parameter_count(shape), "parameters (built model)": built,
                         "head (%)": 100 * head_fraction(shape)})
        ctx.table(f"head-only methods: parameters updated vs hidden width ({depth} hidden layers, {d} inputs, "
                  f"{c} classes)", rows)
        ctx.series("head-only methods: parameters updated (%) vs hidden width", list(self.widths),
                   {"head / total": [r["head (%)"] for r in rows]}, xlabel="hidden width", ylabel="updated (%)")
        needed = {f: width_for_fraction(f / 100, d, c, depth) for f in (BAND[1], 100 * PAPER_FRACTION, BAND[0])}
        for f, h in needed.items():
            ctx.metric(f"hidden width for a head share ≤ {f:g} %", h if h is not None else float("nan"))
        ctx.table("widths the paper's 0.5 % would need", [
            {"head share ≤ (%)": f, "smallest hidden width": h if h is not None else "none (one hidden layer)",
             "this run's width": w[-2], "this run's share (%)": 100 * head_fraction(w)} for f, h in needed.items()])
        return Table(rows)


class TimeTransfer(BackendMorphism):
    """The speed-up measured so that it means something: on the first seed's source and data
    at the largest label budget, fine-tuning and each pullback trained with ``steps`` steps
    (each timing well over a second), ``repeats`` times in rotated order; per repeat the ratio
    of CPU seconds; the median with its order-statistic interval, the verdict against the
    paper's 4× (band 2–8×), and the same ratio in FLOPs, which does not move. A timing under
    ``min_seconds`` makes the verdict inconclusive, with that reason, and so does an interval
    whose end lies within the repeats' own run-to-run noise of an edge of the band
    (:func:`~catdyn.backends.torch.transfer.timing.speed_verdict`): timing noise would decide it."""

    inputs, output = (Population, TransferTask), Claims
    steps: PositiveInt = 1000
    repeats: PositiveInt = 5
    rounds: PositiveInt = 4
    min_seconds: PositiveFloat = 1.0
    baseline: str = "finetune"
    pullbacks: tuple[str, ...] = ("fibre", "pullback_ot")

    def run(self, ctx: Any, source: Population, task: TransferTask) -> Claims:
        from catdyn.backends.torch.transfer.costs import training_flops
        from catdyn.backends.torch.transfer.timing import speed_verdict, speedups, time_methods, timing_noise
        from catdyn.stats import band_verdict

        seed, k = source.seeds[0], max(task.labels)
        data = _data(task, seed, k)
        with _one_thread():
            rows = time_methods([self.baseline, *self.pullbacks], _source(source, 0), data, self.steps,
                                self.repeats, seed, self.rounds)
        ctx.table(f"{task.dataset}: timed training calls ({self.steps} steps, {self.repeats} repeats, one thread)",
                  rows)
        widths, n, probe = _widths(source), len(data.train[1]), len(data.probe)
        base_flops = training_flops(self.baseline, widths, n, self.steps, probe, self.rounds)
        out = []
        for m in self.pullbacks:
            shortest = min(r["cpu_seconds"] for r in rows if r["method"] in (m, self.baseline))
            ratios = speedups(rows, self.baseline, m)
            est, verdict, reason = speed_verdict(ratios, shortest, self.min_seconds, SPEED_BAND)
            reason = f"; {verdict}: {reason}" if reason else ""
            name = f"pullback speed-up over fine-tuning, timed ({task.dataset}; pullback = {m})"
            ctx.claim(name, paper="4x (1.5 h vs 6 h)", measured=round(est.value, 2),
                      interval=(round(est.low, 2), round(est.high, 2)), verdict=verdict,
                      figure=f"{est.value:.2f}x median CPU-time ratio",
                      detail=f"{self.repeats} repeats of {self.steps} steps, {k} labels per class, seed {seed}, one "
                      f"thread; order-statistic interval, coverage {100 * est.level:.1f} %; run-to-run noise of one "
                      f"repeat ±{timing_noise(ratios):.2f}x (sd of the ratios); shortest timing {shortest:.2f} s{reason}")
            flops = training_flops(m, widths, n, self.steps, probe, self.rounds)
            ratio = base_flops / flops
            fname = f"pullback speed-up over fine-tuning in FLOPs ({task.dataset}; pullback = {m})"
            fverdict = band_verdict((ratio, ratio), SPEED_BAND)
            ctx.claim(fname, paper="4x (1.5 h vs 6 h)", measured=round(ratio, 2), verdict=str(fverdict),
                      figure=f"{ratio:.2f}x fewer matmul FLOPs", detail=f"{base_flops:.3g} vs {flops:.3g} FLOPs for "
                      f"{self.steps} steps on {n} inputs (mlp {'-'.join(map(str, widths))}); exact count, no interval; "
                      "map fitting excluded")
            out += [{"claim": name, "measured": est.value, "interval": [est.low, est.high], "verdict": verdict,
                     "reason": reason},
                    {"claim": fname, "measured": ratio, "verdict": str(fverdict)}]
        return Claims(out)
