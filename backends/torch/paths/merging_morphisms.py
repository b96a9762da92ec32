"""Morphisms of model merging: a population's trained members merged into one network as the
colimit of their units glued along matchings (:mod:`catdyn.backends.torch.paths.merging`), and the
claims that compare the aligned merge with naive averaging and with the members themselves.

>>> Merge().method, Merge(method="naive").members
('aligned', ())
>>> Merge(method="mean")
Traceback (most recent call last):
...
catdyn.errors.SpecError: Merge got invalid parameters: method: Input should be 'aligned' or 'naive' (got 'mean'). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import NonNegativeFloat, NonNegativeInt

from catdyn.morphisms import BackendMorphism
from catdyn.values import Claims, Population, Table


class Merge(BackendMorphism):
    """One network from the population's trained members (``members``: their rows, default
    every member whose status is ok): the colimit of their units glued along matchings onto
    the first, then the average in the quotient. ``aligned`` matches by weight matching through
    the architecture's symmetry; ``naive`` unit for unit (plain averaging)."""

    inputs, output = (Population,), Population
    version = "1"
    method: Literal["aligned", "naive"] = "aligned"
    members: tuple[NonNegativeInt, ...] = ()

    def run(self, ctx: Any, pop: Population) -> Population:
        import torch

        from catdyn.backends.torch.models.architectures import build_architecture
        from catdyn.backends.torch.paths.merging import merge

        rows = list(self.members) or [i for i, s in enumerate(pop.status) if s == "ok"]
        net = build_architecture({"type": "mlp", **pop.arch})
        models = [{k: torch.as_tensor(v)[i] for k, v in pop.params.items()} for i in rows]
        merged = merge(net, models, self.method, seed=ctx.seed)
        ctx.metric("networks merged", len(rows))
        ctx.table("units glued", [
            {"group": name, "units": q.apex.size, "network": k, "units moved": int(sum(
                int(a != b) for a, b in enumerate(merged.legs[k].perms[i])))}
            for i, (name, q) in enumerate(merged.colimits.items()) for k in range(len(rows))
        ])
        for k, a in enumerate(merged.alignments, start=1):
            ctx.metric(f"matching objective θ{k} (before → after)", a.objective_after - a.objective_before)
        meta = {"lr": (pop.meta[rows[0]].get("lr") if pop.meta else None), "merged": rows, "method": self.method}
        params = {k: v.detach().cpu()[None] for k, v in merged.params.items()}
        return Population(dict(pop.arch), params, ["ok"], [pop.seeds[rows[0]]], [meta])


def _mean_accuracy(table: Table) -> float:
    good = [float(r["test_acc"]) for r in table.rows if r.get("status", "ok") == "ok"]
    return sum(good) / len(good) if good else math.nan


class MergeClaims(BackendMorphism):
    """Aligned merging against naive averaging and against the merged members, on mean test
    accuracy (three :class:`~catdyn.backends.torch.training.morphisms.Evaluate` tables: the
    members, the aligned merge, the naive merge). *Aligned beats naive*: reproduced when the
    aligned merge is more than ``margin`` more accurate, not reproduced when it is more than
    ``margin`` less, inconclusive between. *The aligned merge keeps the members' accuracy*:
    reproduced when it loses at most ``margin`` against the members' mean."""

    inputs, output = (Table, Table, Table), Claims
    margin: NonNegativeFloat = 0.01

    def run(self, ctx: Any, members: Table, aligned: Table, naive: Table) -> Claims:
        ends, a, n = _mean_accuracy(members), _mean_accuracy(aligned), _mean_accuracy(naive)
        ctx.table("test accuracy", [{"model": "members (mean)", "test_acc": ends},
                                    {"model": "aligned merge (colimit along weight matching)", "test_acc": a},
                                    {"model": "naive merge (plain average)", "test_acc": n}])
        beats = a - n
        keeps = a - ends
        rows = [
            ("aligning before averaging merges better than plain averaging", beats,
             "inconclusive" if abs(beats) <= self.margin else ("reproduced" if beats > 0 else "not reproduced"),
             f"aligned merge {a:.4f} − naive merge {n:.4f}"),
            ("the aligned merge keeps the members' accuracy", keeps,
             "reproduced" if keeps >= -self.margin else "not reproduced",
             f"aligned merge {a:.4f} − members' mean {ends:.4f} (kept: ≥ −{self.margin:g})"),
        ]
        out = []
        for claim, gain, verdict, words in rows:
            if not math.isfinite(gain):
                verdict = "not measured"
            ctx.claim(claim, paper="expected from the weight-matching literature; no figure in the paper",
                      measured=gain, figure=f"test accuracy: {words}", verdict=verdict)
            out.append({"claim": claim, "measured": gain, "verdict": verdict})
        return Claims(out)
