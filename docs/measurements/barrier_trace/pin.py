# ruff: noqa
# Kept as run on 2026-12-02 (see README.md here); an ad-hoc measurement script, not part of catdyn.
"""Pinning or not, interleaved: ensemble K=64 MLP 64-64-10 200 steps and the 16-model barrier matrix,
two shards in threads; wall and CPU (process_time) seconds."""
import os, time, json, statistics
import torch
from catdyn.backends.torch.data.datasets import load_digits
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
from catdyn.backends.torch.training.optim import SGD
from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix
from catdyn.backends.torch.paths.interpolation import unstack
net = MLP((64, 64, 10)); d = load_digits(seed=0)
def ens(pin):
    return train_ensemble(net, d.train, list(range(64)), TrainConfig(steps=200, batch_size=64, optimiser=SGD(momentum=0.9), lr=0.05, pin=pin, parallel="threads"), device="cpu")
models = unstack(train_ensemble(net, d.train, list(range(16)), TrainConfig(steps=200, batch_size=64, optimiser=SGD(momentum=0.9), lr=0.05), device="cpu").params)
data = {"train": (d.train.x, d.train.y), "test": (d.test.x, d.test.y)}
def bar(pin):
    return barrier_matrix(net, models, data, points=25, alignment="none", parallel="threads", pin=pin)
res = {"load": [os.getloadavg()[0]]}
for name, fn in (("ensemble", ens), ("barriers", bar)):
    fn(False); fn(True)
    for pin in (False, True):
        res[f"{name}_pin{pin}"] = {"wall": [], "cpu": []}
    for r in range(4):
        for pin in ((False, True) if r % 2 == 0 else (True, False)):
            w0, c0 = time.perf_counter(), time.process_time()
            fn(pin)
            res[f"{name}_pin{pin}"]["wall"].append(round(time.perf_counter() - w0, 4))
            res[f"{name}_pin{pin}"]["cpu"].append(round(time.process_time() - c0, 4))
for k, v in list(res.items()):
    if isinstance(v, dict):
        v["median_wall"] = statistics.median(v["wall"]); v["median_cpu"] = statistics.median(v["cpu"])
res["load"].append(os.getloadavg()[0])
print(json.dumps(res))
