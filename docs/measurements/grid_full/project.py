"""Measure what each stage of ``specs/homotopy_grid.py``'s ``full`` preset costs on this machine,
cell by cell, from runs of the spec's own morphisms cut to sizes that finish, and project each
stage to its full size by the one rule that stage's cost follows. Every projected figure is
printed beside what was measured and the rule.

The rules (each is how the stage's work grows, not a fit to hope):

* training: ``HomotopyTrain`` with the preset's 102 members at two step counts; its time is
  a + b·steps (set-up, then the same batched step repeated), so the full 3000 steps cost
  a + b·3000 with a, b from the two runs;
* accuracy: ``Evaluate`` on the whole 102-member population (measured, no projection: its
  cost does not depend on how long the members trained);
* lines: ``LinearPaths`` (25 points, weight matching) on the pairs of the first ``--members``
  members; every pair costs the same (one alignment, one batched path), so the 5,151 pairs of
  102 members cost 5151 × the measured time per pair;
* curves: ``Curves`` with the preset's 400 steps, at most ``--curves`` of them; each curve is
  one fixed-size optimisation, so the preset's at most 40 curves cost 40 × the measured time
  per curve (an upper bound: fewer pairs may need one). The short-trained members may have no
  pair that fails the preset's c = 0.1, so the curves are measured at c = 1e-12, where every
  pair with a positive barrier asks for one; what a curve costs does not depend on c. Where
  even then no pair asks for one (every straight path below its chord), the same fit is timed
  on the first pair (``_one_curve``).

The stages after the curves (criteria, classes, spreads, the sensitivity table, verdicts)
read only the 102 × 102 matrices; their cost at the full size is measured in the homotopy
full preset, whose populations have the same 102 members and 2000 resamples.

Every figure is CPU time on one intra-op thread (``torch.set_num_threads(1)``), so that other
jobs on a shared machine do not enter it; a run on more cores can take less wall time.

Run from the repository root (minutes per cell; ``--cells`` picks some)::

    .venv/bin/python docs/measurements/grid_full/project.py --cells "GRU × digits" --members 8
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def _spec() -> Any:
    spec = importlib.util.spec_from_file_location("homotopy_grid_spec", ROOT / "specs" / "homotopy_grid.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` and the CPU seconds this process spent on it: on one thread and a shared
    machine, CPU time is what the stage costs, where wall time would add the other jobs' turns."""
    start = time.process_time()
    out = fn(*args)
    return out, time.process_time() - start


def _view(spec: Any, p: dict[str, Any], dataset: str, kind: str, ctx: Any) -> Any:
    """The data set in the form the spec gives ``kind`` (``cnn`` or ``seq``), built by the
    spec's own morphisms."""
    from catdyn.backends.torch.data.morphisms import InputView, LoadModular
    from catdyn.backends.torch.training.morphisms import LoadDataset

    if dataset == "modular":
        data = LoadModular(**p["modular"]).run(ctx)
    else:
        seed = 0 if dataset == "digits" else 42
        data = LoadDataset(dataset=dataset, seed=seed, n_train=p["n_train"].get(dataset),
                           n_test=p["n_test"].get(dataset)).run(ctx)
    view = spec.VIEWS[(dataset, kind)]
    if view is None:
        return data
    view = {k: p[v] if v == "mnist1d_steps" else v for k, v in view.items()}
    return InputView(**view).run(ctx, data)


def _first_members(pop: Any, m: int) -> Any:
    """The population cut to its first ``m`` members (what the lines and curves read)."""
    params = {k: v[:m] for k, v in pop.params.items()}
    losses = None if pop.losses is None else pop.losses[:, :m]
    failed = None if pop.failed_at is None else pop.failed_at[:m]
    return dataclasses.replace(pop, params=params, status=pop.status[:m], seeds=pop.seeds[:m], meta=pop.meta[:m],
                               losses=losses, failed_at=failed, checkpoints={}, trajectory=None)


def _one_curve(pop: Any, lines: Any, view: Any, steps: int) -> Any:
    """The curve ``Curves`` would fit between the first pair's aligned ends (what one curve
    costs, where no pair of the short-trained members asked for one)."""
    from catdyn.backends.torch.paths.curves import fit_network_curve
    from catdyn.backends.torch.studies.homotopy.curves import aligned_partner
    from catdyn.backends.torch.studies.homotopy.morphisms import population_members

    members = population_members(pop, view, "cpu")
    i = int(lines.pairs[0][0])
    return fit_network_curve(members.net, members.models()[i], aligned_partner(members, lines, 0), members.splits,
                             steps=steps, seed=0)


def project_cell(spec: Any, p: dict[str, Any], name: str, dataset: str, args: argparse.Namespace) -> dict[str, Any]:
    """One cell's measured and projected stage times (seconds)."""
    import torch

    from catdyn.backends.torch.studies.homotopy.morphisms import Curves, HomotopyTrain, LinearPaths
    from catdyn.backends.torch.training.morphisms import Evaluate
    from catdyn.runner.context import TaskContext

    ctx = TaskContext(seed=0, device="cpu")
    arch = p["architectures"][name]
    kind = "cnn" if arch["type"] == "cnn" else "seq"
    view, t_data = _timed(_view, spec, p, dataset, kind, ctx)
    train = {}
    pop = None
    for steps in args.steps:
        morph = HomotopyTrain(arch=spec.arch_for(arch, dataset), seeds=p["seeds"], optimisers=p["optimisers"],
                              steps=steps, batch_size=p["batch_size"])
        pop, train[steps] = _timed(morph.run, ctx, view)
    s1, s2 = args.steps
    per_step = (train[s2] - train[s1]) / (s2 - s1)
    setup = max(train[s1] - per_step * s1, 0.0)
    full_steps = p["steps"]
    _, t_eval = _timed(Evaluate().run, ctx, pop, view)
    sub = _first_members(pop, args.members)
    lines, t_lines = _timed(LinearPaths(points=p["points"]).run, ctx, sub, view)
    n_pairs = len(lines.pairs)
    curves = Curves(definition=p["criterion"], c=1e-12, max_curves=args.curves, curve_steps=p["curve_steps"])
    paths, t_curves = _timed(curves.run, ctx, lines, sub, view)
    n_curves = len(paths.curves)
    if n_curves == 0:  # no pair had a positive barrier: time the same fit on the first pair
        _, t_curves = _timed(_one_curve, sub, lines, view, p["curve_steps"])
        n_curves = 1
    k = pop.size
    full_pairs = k * (k - 1) // 2
    row = {
        "cell": f"{name} × {spec.DATA_NAMES[dataset]}", "members": k, "data_s": t_data,
        "train_measured_s": {str(s): t for s, t in train.items()}, "train_s_per_step": per_step, "train_setup_s": setup,
        "train_full_s": setup + per_step * full_steps, "evaluate_s": t_eval,
        "lines_measured": {"pairs": n_pairs, "seconds": t_lines}, "lines_full_s": t_lines / n_pairs * full_pairs,
        "curves_measured": {"curves": n_curves, "seconds": t_curves},
        "curves_full_s": (t_curves / n_curves * p["max_curves"]) if n_curves else None,
        "members_failed": sum(s != "ok" for s in pop.status), "threads": torch.get_num_threads(),
    }
    row["total_full_s"] = sum(v for v in (row["data_s"], row["train_full_s"], row["evaluate_s"], row["lines_full_s"],
                                          row["curves_full_s"] or 0.0))
    return row


def _minutes(s: float | None) -> str:
    return "—" if s is None else f"{s / 60:.1f} min"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="*", help='cells to measure, e.g. "GRU × digits" (default: all 9)')
    parser.add_argument("--steps", nargs=2, type=int, default=(20, 60), help="the two training lengths measured")
    parser.add_argument("--members", type=int, default=8, help="members whose pairs the lines stage measures")
    parser.add_argument("--curves", type=int, default=2, help="curves the curves stage measures")
    parser.add_argument("--out", type=Path, help="write the rows as JSON")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    spec = _spec()
    p = spec.FULL
    cells = [(n, d) for d in p["datasets"] for n in p["architectures"]]
    if args.cells:
        wanted = set(args.cells)
        cells = [(n, d) for n, d in cells if f"{n} × {spec.DATA_NAMES[d]}" in wanted]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    rows = []
    for name, dataset in cells:
        row = project_cell(spec, p, name, dataset, args)
        rows.append(row)
        print(f"{row['cell']:24s} train {_minutes(row['train_full_s'])} ({row['train_s_per_step'] * 1e3:.0f} ms/step "
              f"+ {row['train_setup_s']:.1f} s; measured {row['train_measured_s']}), evaluate {row['evaluate_s']:.1f} s, "
              f"lines {_minutes(row['lines_full_s'])} ({row['lines_measured']['seconds']:.1f} s for "
              f"{row['lines_measured']['pairs']} pairs), curves {_minutes(row['curves_full_s'])} "
              f"({row['curves_measured']['seconds']:.1f} s for {row['curves_measured']['curves']}), "
              f"cell {_minutes(row['total_full_s'])}; load {os.getloadavg()[0]:.1f}", flush=True)
    total = sum(r["total_full_s"] for r in rows)
    print(f"projected, these {len(rows)} cells up to the curves: {total / 3600:.2f} h", flush=True)
    if args.out:
        args.out.write_text(json.dumps({"rows": rows, "argv": sys.argv[1:]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
