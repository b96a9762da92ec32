# ruff: noqa
# Kept as run on 2026-12-02 (see README.md here); an ad-hoc measurement script, not part of catdyn.
"""Old vs new barrier route on this machine: wall and CPU time (process_time) side by side."""
import os, sys, time, json
import torch
try:
    from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix, barrier_matrix_loop
    from catdyn.backends.torch.data.datasets import load_digits
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.paths.interpolation import unstack
    from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
    from catdyn.backends.torch.training.optim import SGD
    code = "new"
except ImportError:
    from catdyn.backends.torch.barrier_matrix import barrier_matrix, barrier_matrix_loop
    from catdyn.backends.torch.data import load_digits
    from catdyn.backends.torch.architectures import MLP
    from catdyn.backends.torch.interpolation import unstack
    from catdyn.backends.torch.ensemble import TrainConfig, train_ensemble
    from catdyn.backends.torch.optim import SGD
    code = "old"

def timed(fn, repeat):
    best_w, best_c = 1e9, 1e9
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        best_w = min(best_w, time.perf_counter() - w0); best_c = min(best_c, time.process_time() - c0)
    return best_w, best_c

def gemm(n=1024):
    a, b = torch.randn(n, n), torch.randn(n, n); out = torch.empty(n, n)
    torch.mm(a, b, out=out)
    w, c = timed(lambda: torch.mm(a, b, out=out), 5)
    return 2 * n**3 / w / 1e9, 2 * n**3 / c / 1e9

what = sys.argv[1:] or ["gemm", "loop", "threads"]
out = {"code": code, "load": os.getloadavg()[0], "threads0": torch.get_num_threads()}
torch.set_num_threads(1)
out["gemm1_wall_cpu_gflops"] = gemm()
torch.set_num_threads(out["threads0"])
net = MLP((64, 64, 10)); splits = load_digits(seed=0)
trained = train_ensemble(net, splits.train, list(range(16)),
    TrainConfig(steps=200, batch_size=64, optimiser=SGD(momentum=0.9), lr=0.05), device="cpu")
out["threads_after_train"] = torch.get_num_threads()
models = unstack(trained.params)
data = {"train": (splits.train.x, splits.train.y), "test": (splits.test.x, splits.test.y)}
out["dtype"] = str(splits.train.x.dtype); out["n"] = [len(splits.train.x), len(splits.test.x)]
barrier_matrix(net, models, data, points=25, alignment="none")
if "loop" in what:
    torch.set_num_threads(1)
    out["loop1_wall_cpu"] = timed(lambda: barrier_matrix_loop(net, models, data, points=25), 2)
    torch.set_num_threads(out["threads0"])
if "threads" in what:
    out["route_threads_wall_cpu"] = timed(lambda: barrier_matrix(net, models, data, points=25, alignment="none"), 3)
    torch.set_num_threads(1)
    out["route_1thread_workers1_wall_cpu"] = timed(lambda: barrier_matrix(net, models, data, points=25, alignment="none", workers=1), 3)
    torch.set_num_threads(out["threads0"])
out["load_end"] = os.getloadavg()[0]
print(json.dumps(out))
