# ruff: noqa
# Kept as run on 2026-12-02 (see README.md here); an ad-hoc measurement script, not part of catdyn.
import time, torch, sys
sys.path.insert(0, "/work/wt/b12shard")
from catdyn.backends.torch.paths import affine_route as A  # the route moved here on 2026-12-02 (evening)
torch.set_num_threads(1)
def t(fn, n=50):
    fn()
    best=1e9
    for _ in range(5):
        c0=time.process_time()
        for _ in range(n): fn()
        best=min(best,(time.process_time()-c0)/n)
    return best*1e3
for B,M,K,N in [(8,10,64,1797),(1,1024,64,1797),(8,16,64,1797),(8,32,64,1797),(8,64,64,1797),(8,10,32,1797),(8,10,128,1797),(16,10,256,1797)]:
    w,h,b=torch.randn(B,M,K),torch.randn(B,K,N),torch.randn(B,M)
    out=torch.empty(B,M,N)
    conv=t(lambda: A._batched_affine(w,h,b,out))
    bmm=t(lambda: torch.baddbmm(b.unsqueeze(2),w,h,out=out))
    print(B,M,K,N,"onednn conv %.3f ms  baddbmm %.3f ms  conv/bmm %.2f"%(conv,bmm,conv/bmm), flush=True)
