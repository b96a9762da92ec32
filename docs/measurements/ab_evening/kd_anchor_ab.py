# ruff: noqa
# Kept as run on 2026-12-02 (evening), an ad-hoc A/B measurement, not part of catdyn: the affine
# landscape route before (git show 5a39e7e:backends/torch/landscapes/landscape.py > /work/scratch/landscape_old.py)
# and after taking the base pre-activation as one more anchor, interleaved. Run with PYTHONPATH=. from the repository.
import sys, torch, time, statistics, os, importlib.util
sys.path.insert(0, "/work/main")
import catdyn.backends.torch.landscapes.landscape as L
spec = importlib.util.spec_from_file_location("landscape_old", "/work/scratch/landscape_old.py")
old_mod = importlib.util.module_from_spec(spec); sys.modules["landscape_old"] = old_mod; spec.loader.exec_module(old_mod)
from benchmarks.bench_landscape_kd import _setup
net, theta, x, y = _setup(256)
dirs = L.random_directions(net, theta, k=3, seed=0)
new_fn, old_fn = L._affine_mlp, old_mod._affine_mlp
f = lambda: L.loss_landscape(net, theta, x, y, directions=dirs, steps=41, span=1.0, method="affine", chunk=256).values
L._affine_mlp = old_fn; a = f(); L._affine_mlp = new_fn; b = f()
print("max diff", float(abs(a - b).max()), "load", os.getloadavg()[0])
T = {"old": [], "new": []}
for _ in range(5):
    for name, fn in (("old", old_fn), ("new", new_fn)):
        L._affine_mlp = fn
        t = time.perf_counter(); f(); T[name].append(time.perf_counter() - t)
print({k: round(statistics.median(v), 3) for k, v in T.items()}, "min", {k: round(min(v), 3) for k, v in T.items()}, "load", os.getloadavg()[0])
