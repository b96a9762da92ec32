"""(b) The pullback of the source representation along a domain map, as morphisms.

:class:`FitDomainMap` fits ``f: D_T → D_S`` per seed on unlabelled inputs (identity, CORAL or
optimal transport). :class:`HeadOnPullback` builds the DSL pullback of ``π: Γ(φ_S) → D_S``
along ``f`` (:func:`~catdyn.backends.torch.transfer.domain.domain_pullback`), checks its laws
on witness inputs and that the features the head is trained on are ``φ_T = φ_S ∘ f`` read off
its apex, and trains a head on them over four learning rates, kept on validation. Along the
identity this is linear probing (the spec states that as an equation).

>>> HeadOnPullback().grid
(0.001, 0.003, 0.01, 0.03)
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import PositiveFloat, PositiveInt

from catdyn.backends.torch.transfer.morphisms import _data, _one_thread, _row, _source
from catdyn.backends.torch.transfer.values import DomainMaps, TransferRuns, TransferTask
from catdyn.morphisms import BackendMorphism
from catdyn.values import Population


class FitDomainMap(BackendMorphism):
    """A domain map ``f: D_T → D_S`` per seed, fitted on the target's and the source's
    unlabelled inputs: ``identity``, ``coral`` (mean and covariance matched) or ``ot`` (the
    exact optimal-transport plan's barycentric map, POT)."""

    inputs, output = (TransferTask,), DomainMaps
    kind: Literal["identity", "coral", "ot"] = "ot"

    def run(self, ctx: Any, task: TransferTask) -> DomainMaps:
        from catdyn.backends.torch.transfer.domain import fit_coral, fit_ot

        maps = []
        for seed in task.seeds:
            s = task.split(seed)
            w0, c0 = time.perf_counter(), time.process_time()
            entry: dict[str, Any] = {"seed": seed}
            if self.kind == "coral":
                m = fit_coral(s["target_unlabelled"], s["source_unlabelled"])
                entry.update(matrix=m.matrix, shift=m.shift)
            elif self.kind == "ot":
                m = fit_ot(s["target_unlabelled"], s["source_unlabelled"])
                entry.update(fitted=m.fitted, images=m.images, cost=m.cost)
            entry.update(seconds=time.perf_counter() - w0, cpu_seconds=time.process_time() - c0)
            maps.append(entry)
        return DomainMaps(self.kind, maps)


def domain_map(maps: DomainMaps, seed: int) -> Any:
    """The callable map of ``seed`` (an :class:`IdentityMap`, :class:`AffineMap` or :class:`OTMap`)."""
    from catdyn.backends.torch.transfer.domain import AffineMap, IdentityMap, OTMap

    m = next(e for e in maps.maps if e["seed"] == seed)
    if maps.family == "coral":
        return AffineMap("coral", m["matrix"], m["shift"])
    if maps.family == "ot":
        return OTMap("ot", m["fitted"], m["images"], float(m["cost"]))
    return IdentityMap()


class HeadOnPullback(BackendMorphism):
    """The pullback of ``φ_S`` along each seed's domain map, and a head trained on the
    pulled-back features ``φ_S ∘ f`` (four learning rates, the best on validation kept); the
    DSL pullback's laws are checked on witness inputs and recorded. Its rows are named
    ``pullback_<kind>``; the map's fitting time is added to each row's seconds."""

    inputs, output = (DomainMaps, Population, TransferTask), TransferRuns
    grid: tuple[PositiveFloat, ...] = (1e-3, 3e-3, 1e-2, 3e-2)
    steps: PositiveInt = 200
    witnesses: PositiveInt = 8

    def check_pullback(self, ctx: Any, source: Any, f: Any, data: Any) -> None:
        """Build the DSL pullback on witness inputs and record its laws, plus the law that the
        head's features are the apex's ``φ_T`` (within 1e-5)."""
        import torch

        from catdyn.backends.torch.transfer.category import SampledCategory
        from catdyn.backends.torch.transfer.domain import domain_laws, domain_pullback
        from catdyn.checker.law import check_laws

        xt, xs = data.train[0][: self.witnesses], data.source_unlabelled[: self.witnesses]
        dp = domain_pullback(source.phi, f, xt, xs, SampledCategory(atol=1e-5, name="Data"))
        for result in check_laws(domain_laws(dp, subject=f"pullback of φ_S along {getattr(f, 'name', 'f')}")):
            ctx.law(result)
        with torch.no_grad():
            apex = torch.stack([dp.phi_target(x) for x in xt])
            gap = float((apex - source.phi(f(xt))).abs().max()) if len(xt) else 0.0
        ctx.metric(f"max |φ_T(apex) − trained-on features| ({getattr(f, 'name', 'f')})", gap)

    def run(self, ctx: Any, maps: DomainMaps, source: Population, task: TransferTask) -> TransferRuns:
        from catdyn.backends.torch.transfer.baselines import Budget, Method, _pullback, tune

        name, rows = f"pullback_{maps.family}", []
        with _one_thread():
            for i, seed in enumerate(source.seeds):
                src, f = _source(source, i), domain_map(maps, seed)
                fit = next(e for e in maps.maps if e["seed"] == seed)
                method = Method(name, tuple({"lr": v} for v in self.grid), _pullback(f))
                for k in task.labels:
                    data = _data(task, seed, k)
                    if k == task.labels[0]:
                        self.check_pullback(ctx, src, f, data)
                    r = tune(method, src, data, Budget(steps=self.steps, configs=len(self.grid)), seed)
                    metrics = dict(r.metrics)
                    metrics["seconds"] += fit["seconds"]
                    metrics["cpu_seconds"] += fit["cpu_seconds"]
                    rows.append(_row(task, name, seed, k, source.meta[i]["seconds"], hyperparameters=r.hyperparameters,
                                     configs=r.configs_run, tuning_seconds=r.tuning_seconds, **metrics))
        return TransferRuns(rows)
