# ruff: noqa
# Kept as run on 2026-12-02 (evening), an ad-hoc A/B measurement, not part of catdyn: the CNN
# route's 2×2 max pooling, three pairwise maxima (old) against one amax (new), interleaved.
import torch, time, statistics, os
import catdyn.backends.torch.models.batched as B
from catdyn.backends.torch.models.architectures import CNN
from catdyn.backends.torch.landscapes.landscape import loss_landscape
from catdyn.backends.torch.data.datasets import load_digits
data = load_digits(seed=0).train
x, y = data.x[:512].float().reshape(-1, 1, 8, 8), data.y[:512]
net = CNN((1, 8, 8), (8, 16), 10)
theta = net.init(torch.Generator().manual_seed(0))
new = B._pool_blocks
def old(h, kind):
    b = h.unbind(-4)
    if kind == "max":
        return torch.maximum(torch.maximum(b[0], b[1]), torch.maximum(b[2], b[3]))
    return (b[0] + b[1] + b[2] + b[3]) * 0.25
f = lambda: loss_landscape(net, theta, x, y, steps=41, span=1.0, seed=0, method="batched").values
B._pool_blocks = old; ra = f(); B._pool_blocks = new; rb = f()
print("equal", bool((ra == rb).all()))
T = {"old": [], "new": []}
print("load", os.getloadavg()[0])
for _ in range(7):
    for name, fn in (("old", old), ("new", new)):
        B._pool_blocks = fn
        t = time.perf_counter(); f(); T[name].append(time.perf_counter() - t)
print({k: round(statistics.median(v), 4) for k, v in T.items()}, "min", {k: round(min(v), 4) for k, v in T.items()}, "load", os.getloadavg()[0])
