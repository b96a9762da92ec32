# ruff: noqa
# Kept as run on 2026-12-02 (see README.md here); an ad-hoc measurement script, not part of catdyn.
"""The barrier route with oneDNN's grouped convolution and with baddbmm, interleaved, CPU time."""
import os, time, json, statistics
import torch
from catdyn.backends.torch.paths import interpolation as I
from catdyn.backends.torch.paths import affine_route as A  # the route moved here on 2026-12-02 (evening)
from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix, barrier_matrix_loop
from catdyn.backends.torch.data.datasets import load_digits
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
from catdyn.backends.torch.training.optim import SGD
net = MLP((64, 64, 10)); splits = load_digits(seed=0)
trained = train_ensemble(net, splits.train, list(range(16)),
    TrainConfig(steps=200, batch_size=64, optimiser=SGD(momentum=0.9), lr=0.05), device="cpu")
models = I.unstack(trained.params)
data = {"train": (splits.train.x, splits.train.y), "test": (splits.test.x, splits.test.y)}
torch.set_num_threads(1)
load0 = os.getloadavg()[0]
cpu = {True: [], False: []}
vals = {}
for r in range(5):
    for flag in (True, False):
        A._ONEDNN[:] = [flag]
        c0 = time.process_time()
        bm = barrier_matrix(net, models, data, points=25, alignment="none", workers=1)
        cpu[flag].append(time.process_time() - c0)
        vals[flag] = bm
ref = barrier_matrix_loop(net, models, data, points=25)
import numpy as np
err = {f: max(float(np.abs(np.asarray(vals[f].profiles["loss", s]) - ref.profiles["loss", s]).max()) for s in data) for f in vals}
c0 = time.process_time(); barrier_matrix_loop(net, models, data, points=25); loop_cpu = time.process_time() - c0
print(json.dumps({"load": [load0, os.getloadavg()[0]], "onednn_cpu_s": cpu[True], "baddbmm_cpu_s": cpu[False],
  "median_onednn": statistics.median(cpu[True]), "median_baddbmm": statistics.median(cpu[False]),
  "loop_cpu_s": loop_cpu, "max_loss_err_vs_loop": err}))
