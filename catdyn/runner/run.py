"""One run, end to end: compile an experiment, execute it against a store, report it.

>>> import tempfile
>>> from catdyn.experiments import Experiment
>>> from catdyn.backends.numpy.morphisms import NormalDraws, Summarise
>>> exp = Experiment("demo", seed=0)
>>> _ = exp.add("m", Summarise(), exp.add("xs", NormalDraws(n=4)))
>>> summary = run_experiment(exp, tempfile.mkdtemp(), report=False)
>>> summary.ok, summary.counts()
(True, {'computed': 2})
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from catdyn.runner.compiler import compile_experiment
from catdyn.runner.executors import Executor, LocalExecutor, Outcome
from catdyn.runner.progress import Progress
from catdyn.runner.spec import file_hash
from catdyn.runner.store import Store, StoreError
from catdyn.runner.tool_state import tool_state_under

FAILED_LAW_STATES = ("refuted", "error")


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when torch sees a GPU, else ``cpu``; ``cpu``/``cuda``/``cuda:N`` are
    checked by the torch backend when torch is installed.

    >>> resolve_device("cpu")
    'cpu'
    """
    import importlib.util

    if device == "cpu":
        return "cpu"
    if importlib.util.find_spec("torch") is None:
        if device in ("auto", "cpu"):
            return "cpu"
        from catdyn.errors import RunError

        raise RunError.device_needs_torch(device)
    from catdyn.backends.torch.compute.device import resolve_device as torch_device

    return str(torch_device(device))


@dataclass
class RunSummary:
    """What a run did: its id, the outcome of every task, and the laws it saw fail.

    >>> RunSummary("r", "/tmp", "e", []).ok
    True
    """

    run_id: str
    store: str
    experiment: str
    outcomes: list[Outcome]
    failed_laws: list[str] = field(default_factory=list)
    report: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every task finished and no law checked in the run was refuted."""
        return all(o.ok for o in self.outcomes) and not self.failed_laws

    def counts(self) -> dict[str, int]:
        return dict(Counter(o.state for o in self.outcomes))


def run_experiment(
    exp: Any,
    out: str | Store,
    *,
    preset: str = "smoke",
    device: str = "cpu",
    executor: Executor | None = None,
    spec_path: str | None = None,
    progress: Progress | None = None,
    report: bool = True,
    fresh: bool = False,
    repair: bool = False,
    take_over: bool = False,
) -> RunSummary:
    """Compile ``exp`` (an ``@experiment`` family, or a built
    :class:`~catdyn.experiments.Experiment`) with ``preset``, run it into the store at ``out`` and (by default) write
    its report. ``fresh`` forgets this plan's stored tasks first, so everything is recomputed.

    A stored value this plan would reuse whose file is missing or fails its hash stops the run
    with a :class:`~catdyn.runner.store.StoreError` before anything is written, unless
    ``repair`` is set: then exactly those tasks are recomputed. ``take_over`` claims tasks
    another process holds under a valid lease (see :mod:`catdyn.runner.leases`)."""
    device = resolve_device(device)
    plan = compile_experiment(exp, preset, device)
    store = out if isinstance(out, Store) else Store(out)
    store.clean_temporaries()
    damaged = store.damaged_keys(plan.keys)
    if damaged and not (repair or fresh):
        by_key = {t.key: t.arrow for t in plan.tasks}
        shown = ", ".join(f"{by_key[k]} ({k[:12]})" for k in damaged)
        raise StoreError.damaged_plan(store.root, shown, len(damaged))
    if damaged:
        store.forget(damaged)
    if fresh:
        store.forget(plan.keys)
    executor = executor or LocalExecutor()
    config: dict[str, Any] = {
        "spec": spec_path or "",
        "experiment": exp.build(preset).describe() if hasattr(exp, "build") else exp.describe(),
        "preset": preset,
        "device": device,
        "executor": executor.name,
        "tasks": [
            {"key": t.key, "step": t.arrow, "op": t.morphism, "stage": t.node, "inputs": list(t.inputs)}
            for t in plan.tasks
        ],
    }
    spec_hash = file_hash(spec_path) if spec_path and os.path.isfile(spec_path) else ""
    run_id = store.begin_run(spec_path or "", spec_hash, preset, device, executor.name, config, exp.name)
    try:
        with tool_state_under(store.root):
            outcomes = executor.run(plan, store, run_id, progress, spec_path, take_over)
        failed_laws = []
        for t in plan.tasks:
            for _, name, _, data in store.records(t.key, "law"):
                if data and data.get("status") in FAILED_LAW_STATES:
                    failed_laws.append(f"{t.arrow}: {name} {data.get('status')}")
        summary = RunSummary(run_id, store.root, exp.name, outcomes, failed_laws)
    except BaseException:
        with contextlib.suppress(Exception):  # the store may be what failed (a full disk)
            store.end_run(run_id, "interrupted")
        raise
    store.end_run(run_id, "done" if summary.ok else "failed")
    if report:
        from catdyn.runner.report import write_report

        summary.report = write_report(store, run_id)
    return summary
