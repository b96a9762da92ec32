# ruff: noqa
# Kept as run on 2026-12-02 (evening), an ad-hoc A/B measurement, not part of catdyn: a batched GRU
# step with fewer elementwise passes (add+sigmoid on r,z together, addcmul, lerp); 1.19x, not adopted.
import time, torch, statistics
torch.set_num_threads(1)
torch.manual_seed(0)
M, N, T, H = 16, 1797, 8, 64
gi = torch.randn(M, N, T, 3 * H)
w = torch.randn(M, 3 * H, H) * 0.1
b = torch.randn(M, 3 * H) * 0.1

def old(gi):
    m, n, t, _ = gi.shape
    w_hh_t = w.transpose(1, 2); b_hh = b.unsqueeze(1)
    h = gi.new_zeros(m, n, H)
    for s in range(t):
        gh = torch.baddbmm(b_hh, h, w_hh_t)
        i_r, i_z, i_n = gi[:, :, s].chunk(3, dim=-1)
        h_r, h_z, h_n = gh.chunk(3, dim=-1)
        r = torch.sigmoid(i_r + h_r); z = torch.sigmoid(i_z + h_z)
        cand = torch.tanh(i_n + r * h_n)
        h = (1 - z) * cand + z * h
    return h

def new(gi):
    m, n, t, _ = gi.shape
    w_hh_t = w.transpose(1, 2); b_hh = b.unsqueeze(1)
    h = gi.new_zeros(m, n, H)
    for s in range(t):
        gh = torch.baddbmm(b_hh, h, w_hh_t)
        g = gi[:, :, s]
        rz = torch.sigmoid_(gh[..., : 2 * H] + g[..., : 2 * H])
        r, z = rz[..., :H], rz[..., H:]
        cand = torch.tanh_(torch.addcmul(g[..., 2 * H :], r, gh[..., 2 * H :]))
        h = torch.lerp(cand, h, z)
    return h

print("maxdiff", float((old(gi) - new(gi)).abs().max()))
ta, tb = [], []
for _ in range(7):
    for f, acc in ((old, ta), (new, tb)):
        c = time.process_time(); f(gi); acc.append(time.process_time() - c)
print("old", statistics.median(ta), "new", statistics.median(tb), "ratio", statistics.median(ta) / statistics.median(tb))
