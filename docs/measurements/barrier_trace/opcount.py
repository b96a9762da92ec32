# ruff: noqa
# Kept as run on 2026-12-02 (see README.md here); an ad-hoc measurement script, not part of catdyn.
"""aten operation counts and self CPU time of the barrier route and the loop (1 thread)."""
import sys, json, collections
import torch
from pathlib import Path
exec((Path(__file__).with_name("measure.py")).read_text().split("def timed")[0])  # the shared set-up of measure.py
torch.set_num_threads(1)
net = MLP((64, 64, 10)); splits = load_digits(seed=0)
trained = train_ensemble(net, splits.train, list(range(16)),
    TrainConfig(steps=200, batch_size=64, optimiser=SGD(momentum=0.9), lr=0.05), device="cpu")
models = unstack(trained.params)
data = {"train": (splits.train.x, splits.train.y), "test": (splits.test.x, splits.test.y)}
res = {"code": code}
for name, fn in [("route", lambda: barrier_matrix(net, models, data, points=25, alignment="none", workers=1)),
                 ("loop", lambda: barrier_matrix_loop(net, models, data, points=25))]:
    fn()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        fn()
    ev = prof.key_averages()
    counts = {e.key: e.count for e in ev}
    top = sorted(ev, key=lambda e: -e.self_cpu_time_total)[:6]
    res[name] = {"n_ops": sum(counts.values()), "distinct": len(counts),
                 "top_self_ms": [(e.key, e.count, round(e.self_cpu_time_total / 1e3, 1)) for e in top]}
print(json.dumps(res))
