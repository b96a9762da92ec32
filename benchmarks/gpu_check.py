"""One short, self-contained check of the torch backend on a CUDA machine; prints JSON.

Run from the repository root (``python benchmarks/gpu_check.py [--quick] [--out FILE]``). Each
section runs on its own: a failure is recorded as ``{"error": …}`` and the next section runs,
so the JSON always comes out. Sections:

1. ``env`` — torch, CUDA, the GPU; TF32 is switched off for fp32 matmuls and convolutions so
   that float tolerances mean what they say (the original settings are recorded).
2. ``ensemble_equals_solo`` — on CUDA, ensemble member k (fast MLP path and torch.func path;
   SGD with momentum in float32, Adam in float64) against the same model trained alone
   (``nn.Sequential`` + ``torch.optim`` on CUDA, same batches); and CUDA ensemble vs CPU ensemble.
3. ``nan_isolation`` — a member with lr = 1e30 fails, the others match a run without it.
4. ``generic_families`` — a CNN ensemble on CUDA against solo ``arch.apply`` runs.
5. ``realisation_naturality`` — on CUDA for all five families: f(σ·θ) = f(θ) and
   realise(σ·θ) = realise(θ)·P_σᵀ in float64, and a planted bug (σ that skips one tensor)
   must break it.
6. ``realisation_spec`` — ``catdyn check specs/realisation_functor.py --json`` (as the CLI runs it).
7. ``timing`` — K = 64 MLPs 64-64-10, 200 SGD steps, batch 64: fast and torch.func ensembles
   on CUDA and CPU, the sequential loop on CPU and CUDA; and K = 1024 on CUDA.

``--out FILE`` also writes the JSON there after every section (so a timeout keeps what ran).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _sync(device: Any) -> None:
    import torch

    if getattr(device, "type", str(device)) == "cuda":
        torch.cuda.synchronize()


def _timed(fn: Callable[[], Any], device: Any, repeat: int = 3) -> tuple[float, Any]:
    out = fn()  # warm-up (CUDA context, kernels, caches)
    _sync(device)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        _sync(device)
        best = min(best, time.perf_counter() - t0)
    return best, out


class Context:
    """What every section needs: sizes, the device and the imported modules."""

    def __init__(self, quick: bool, cpu_sections: bool = False) -> None:
        import torch

        self.quick = quick
        self.torch = torch
        self.cuda = torch.cuda.is_available()
        self.device = torch.device("cuda") if self.cuda else torch.device("cpu")
        # --cpu-sections runs the CUDA sections on the CPU (to test this script without a GPU)
        self.run_sections = self.cuda or cpu_sections
        self.dev = str(self.device)


def _digits(ctx: Context, form: str = "vector") -> Any:
    from catdyn.backends.torch.data.datasets import load_digits

    return load_digits(form=form, seed=0)  # type: ignore[arg-type]


def _solo_mlp(
    ctx: Context, arch: Any, data: Any, seed: int, cfg: Any, k: int, dtype: Any, device: Any
) -> dict:
    torch = ctx.torch
    import torch.nn as nn
    import torch.nn.functional as F

    from catdyn.backends.torch.training.ensemble import batch_schedule
    from catdyn.backends.torch.training.optim import SGD

    init = arch.init(torch.Generator().manual_seed(seed))
    model = nn.Sequential(
        nn.Linear(arch.widths[0], arch.widths[1]), nn.ReLU(), nn.Linear(arch.widths[1], arch.widths[2])
    ).to(device=device, dtype=dtype)
    with torch.no_grad():
        for i, layer in enumerate((model[0], model[2])):
            layer.weight.copy_(init[f"fc{i}.weight"])
            layer.bias.copy_(init[f"fc{i}.bias"])
    lr = cfg.lr[k] if isinstance(cfg.lr, (list, tuple)) else cfg.lr
    o = cfg.optimiser
    if isinstance(o, SGD):
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=o.momentum, nesterov=o.nesterov)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr, betas=o.betas, eps=o.eps)
    x, y = data.x.to(device=device, dtype=dtype), data.y.to(device)
    for idx in batch_schedule(len(data), cfg.batch_size, cfg.steps, seed):
        idx = idx.to(device)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {
        "fc0.weight": model[0].weight.detach(),
        "fc0.bias": model[0].bias.detach(),
        "fc1.weight": model[2].weight.detach(),
        "fc1.bias": model[2].bias.detach(),
    }


def _max_diff(a: dict, b: dict) -> float:
    return max(float((a[n].detach().cpu().double() - b[n].detach().cpu().double()).abs().max()) for n in a)


# ------------------------------------------------------------------------------------------
def env(ctx: Context) -> dict:
    torch = ctx.torch
    info: dict[str, Any] = {
        "torch": torch.__version__,
        "cuda_available": ctx.cuda,
        "cuda_build": torch.version.cuda,
        "cpu_count": os.cpu_count(),
        "cpu_threads": torch.get_num_threads(),
        "python": sys.version.split()[0],
    }
    if ctx.cuda:
        props = torch.cuda.get_device_properties(0)
        info.update(
            gpu=props.name,
            capability=f"{props.major}.{props.minor}",
            memory_gib=round(props.total_memory / 2**30, 1),
            tf32_matmul_was=torch.backends.cuda.matmul.allow_tf32,
            tf32_cudnn_was=torch.backends.cudnn.allow_tf32,
        )
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    else:
        info["note"] = "no CUDA device: CUDA sections are skipped, CPU timings still run"
    return info


def ensemble_equals_solo(ctx: Context) -> dict:
    if not ctx.run_sections:
        return {"skipped": "no CUDA"}
    torch = ctx.torch
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
    from catdyn.backends.torch.training.optim import SGD, Adam

    data = _digits(ctx).train
    arch = MLP((64, 32, 10))
    steps = 20 if ctx.quick else 60
    out: dict[str, Any] = {}
    cases = [
        ("sgd_momentum_f32", SGD(momentum=0.9), [0.05, 0.1, 0.02], torch.float32, 1e-4),
        ("adam_f64", Adam(), [1e-3, 3e-3, 2e-3], torch.float64, 1e-8),
    ]
    for name, opt, lrs, dtype, tol in cases:
        for path in ("fast", "generic"):
            cfg = TrainConfig(steps=steps, batch_size=32, optimiser=opt, lr=lrs, path=path)
            r = train_ensemble(arch, data, [0, 1, 2], cfg, device=ctx.dev, dtype=dtype)
            diffs = [
                _max_diff(_solo_mlp(ctx, arch, data, k, cfg, k, dtype, ctx.device), r.member(k))
                for k in range(3)
            ]
            cpu = train_ensemble(arch, data, [0, 1, 2], cfg, device="cpu", dtype=dtype)
            out[f"{name}/{path}"] = {
                "max_abs_diff_member_vs_solo_cuda": max(diffs),
                "max_abs_diff_cuda_vs_cpu_ensemble": _max_diff(r.params, cpu.params),
                "tolerance": tol,
                "passed": max(diffs) < tol,
                "engine": r.path,
            }
    return out


def nan_isolation(ctx: Context) -> dict:
    if not ctx.run_sections:
        return {"skipped": "no CUDA"}
    torch = ctx.torch
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
    from catdyn.backends.torch.training.optim import SGD

    data = _digits(ctx).train
    arch = MLP((64, 16, 10))
    out = {}
    for path in ("fast", "generic"):
        bad = TrainConfig(
            steps=20, batch_size=32, optimiser=SGD(momentum=0.9), lr=[0.05, 1e30, 0.01], path=path
        )
        ref = TrainConfig(steps=20, batch_size=32, optimiser=SGD(momentum=0.9), lr=[0.05, 0.01], path=path)
        r = train_ensemble(arch, data, [0, 1, 2], bad, device=ctx.dev)
        w = train_ensemble(arch, data, [0, 2], ref, device=ctx.dev)
        others = {n: t[[0, 2]] for n, t in r.params.items()}
        out[path] = {
            "status": r.status,
            "failed_at": r.failed_at.tolist(),
            "others_bitwise_equal_to_run_without": all(torch.equal(others[n], w.params[n]) for n in others),
            "others_max_abs_diff": _max_diff(others, w.params),
            "passed": r.status == ["ok", "failed", "ok"] and _max_diff(others, w.params) < 1e-5,
        }
    return out


def generic_families(ctx: Context) -> dict:
    if not ctx.run_sections:
        return {"skipped": "no CUDA"}
    torch = ctx.torch
    import torch.nn.functional as F

    from catdyn.backends.torch.models.architectures import CNN
    from catdyn.backends.torch.training.ensemble import TrainConfig, batch_schedule, train_ensemble
    from catdyn.backends.torch.training.optim import SGD

    data = _digits(ctx, "image").train
    arch = CNN((1, 8, 8), (4, 6), 10)
    cfg = TrainConfig(steps=12, batch_size=16, optimiser=SGD(momentum=0.9), lr=[0.05, 0.1])
    r = train_ensemble(arch, data, [0, 1], cfg, device=ctx.dev)
    x, y = data.x.to(ctx.device), data.y.to(ctx.device)
    diffs = []
    for k in range(2):
        p = {
            n: t.to(ctx.device).requires_grad_(True)
            for n, t in arch.init(torch.Generator().manual_seed(k)).items()
        }
        opt = torch.optim.SGD(list(p.values()), lr=cfg.lr[k], momentum=0.9)  # type: ignore[index]
        for idx in batch_schedule(len(data), 16, 12, k):
            idx = idx.to(ctx.device)
            loss = F.cross_entropy(arch.apply(p, x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        diffs.append(_max_diff(p, r.member(k)))
    return {"cnn_max_abs_diff_member_vs_solo": max(diffs), "passed": max(diffs) < 1e-4, "engine": r.path}


def realisation_naturality(ctx: Context) -> dict:
    if not ctx.run_sections:
        return {"skipped": "no CUDA"}
    torch = ctx.torch
    from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer, random_params
    from catdyn.backends.torch.models.symmetry import permutation_matrix, permute, random_element

    nets = {
        "mlp": MLP((4, 6, 5, 3)),
        "cnn": CNN((1, 6, 6), (3, 4), 3),
        "resnet": ResNet((1, 4, 4), 3, (2,), 2),
        "transformer": Transformer(3, 4, 8, (2,), 4, (5,), 2),
        "gru": GRU(2, 4, 2, seq_len=4),
    }
    out: dict[str, Any] = {}
    g = torch.Generator().manual_seed(0)
    dev, f64 = ctx.device, torch.float64
    for name, arch in nets.items():
        try:
            theta = {n: t.to(dev) for n, t in random_params(arch, g, f64).items()}
            x = arch.example_input(7, g, f64).to(dev)
            layers = [layer for layer in arch.layers() if arch.layer_action(layer).group is not None]
            worst_fn, worst_nat, worst_bug = 0.0, 0.0, float("inf")
            for _ in range(3 if ctx.quick else 10):
                sigma = random_element(arch, g)
                moved = permute(arch, theta, sigma)
                worst_fn = max(worst_fn, float((arch.apply(moved, x) - arch.apply(theta, x)).abs().max()))
                for layer in layers:
                    P = permutation_matrix(arch, layer, sigma, f64).to(dev)
                    lhs = arch.features(moved, x, layer)
                    rhs = arch.features(theta, x, layer) @ P.T
                    worst_nat = max(worst_nat, float((lhs - rhs).abs().max()))
                # planted bug: leave one tensor that σ touches unpermuted
                touched = [a.tensor for grp in arch.symmetry.groups for a in grp.actions]
                broken = dict(moved)
                broken[touched[0]] = theta[touched[0]]
                if not torch.equal(broken[touched[0]], moved[touched[0]]):
                    bug = float((arch.apply(broken, x) - arch.apply(theta, x)).abs().max())
                    worst_bug = min(worst_bug, bug)
            out[name] = {
                "function_preserved_max_abs": worst_fn,
                "naturality_max_abs": worst_nat,
                "planted_bug_min_residual": None if worst_bug == float("inf") else worst_bug,
                "passed": worst_fn < 1e-9
                and worst_nat < 1e-9
                and (worst_bug == float("inf") or worst_bug > 1e-6),
            }
        except Exception as exc:  # one family's failure must not hide the others
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def realisation_spec(ctx: Context) -> dict:
    spec = os.path.join(ROOT, "specs", "realisation_functor.py")
    if not os.path.exists(spec):
        return {"skipped": f"{spec} not found"}
    code = "import sys; from catdyn.cli import main; sys.exit(main(sys.argv[1:]))"
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, "check", spec, "--json"],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return {"error": "catdyn check did not finish in 240 s"}
    result: dict[str, Any] = {"exit_code": proc.returncode, "seconds": round(time.perf_counter() - t0, 1)}
    try:
        parsed = json.loads(proc.stdout)
        result["summary"] = parsed.get("summary")
        result["not_proved_or_held"] = [
            {k: law.get(k) for k in ("subject", "law", "status", "residual", "error")}
            for spec_result in parsed.get("specs", [])
            for law in spec_result.get("laws", [])
            if law.get("status") not in ("proved", "held")
        ]
    except (json.JSONDecodeError, AttributeError, TypeError):
        result["stdout_tail"] = proc.stdout[-2000:]
    if proc.returncode != 0:
        result["stderr_tail"] = proc.stderr[-2000:]
    return result


def timing(ctx: Context) -> dict:
    torch = ctx.torch
    import torch.nn as nn
    import torch.nn.functional as F

    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.training.ensemble import TrainConfig, batch_schedule, train_ensemble
    from catdyn.backends.torch.training.optim import SGD

    data = _digits(ctx).train
    arch = MLP((64, 64, 10))
    k, steps, batch = (16, 50, 64) if ctx.quick else (64, 200, 64)
    out: dict[str, Any] = {
        "models": k,
        "steps": steps,
        "batch": batch,
        "cpu_threads": torch.get_num_threads(),
    }

    def ens(path: str, device: str, models: int) -> Callable[[], Any]:
        cfg = TrainConfig(steps=steps, batch_size=batch, optimiser=SGD(momentum=0.9), lr=0.05, path=path)  # type: ignore[arg-type]
        return lambda: train_ensemble(arch, data, list(range(models)), cfg, device=device)

    def sequential(device: Any) -> Callable[[], Any]:
        def go() -> None:
            x, y = data.x.to(device), data.y.to(device)
            for s in range(k):
                init = arch.init(torch.Generator().manual_seed(s))
                model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).to(device)
                with torch.no_grad():
                    model[0].weight.copy_(init["fc0.weight"])
                    model[0].bias.copy_(init["fc0.bias"])
                    model[2].weight.copy_(init["fc1.weight"])
                    model[2].bias.copy_(init["fc1.bias"])
                opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
                for idx in batch_schedule(len(data), batch, steps, s).to(device):
                    loss = F.cross_entropy(model(x[idx]), y[idx])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()

        return go

    def record(name: str, fn: Callable[[], Any], device: Any, repeat: int = 3) -> None:
        try:
            out[name + "_s"] = round(_timed(fn, device, repeat)[0], 4)
        except Exception as exc:
            out[name + "_error"] = f"{type(exc).__name__}: {exc}"

    cpu = torch.device("cpu")
    record("cpu_sequential", sequential(cpu), cpu, repeat=1)
    record("cpu_fast", ens("fast", "cpu", k), cpu)
    record("cpu_generic", ens("generic", "cpu", k), cpu)
    if ctx.cuda:
        record("cuda_fast", ens("fast", "cuda", k), ctx.device)
        record("cuda_generic", ens("generic", "cuda", k), ctx.device)
        record("cuda_sequential", sequential(ctx.device), ctx.device, repeat=1)
        big = 256 if ctx.quick else 1024
        out["big_models"] = big
        record("cuda_fast_big", ens("fast", "cuda", big), ctx.device, repeat=2)
        record("cuda_generic_big", ens("generic", "cuda", big), ctx.device, repeat=1)
        try:
            torch.cuda.reset_peak_memory_stats()
            ens("fast", "cuda", big)()
            out["cuda_fast_big_peak_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        except Exception as exc:
            out["cuda_peak_error"] = f"{type(exc).__name__}: {exc}"
    for a, b in [
        ("cpu_sequential", "cpu_fast"),
        ("cpu_sequential", "cuda_fast"),
        ("cpu_fast", "cuda_fast"),
        ("cuda_sequential", "cuda_fast"),
        ("cpu_generic", "cuda_generic"),
    ]:
        if a + "_s" in out and b + "_s" in out:
            out[f"ratio_{a}_over_{b}"] = round(out[a + "_s"] / out[b + "_s"], 2)
    return out


SECTIONS: list[tuple[str, Callable[[Context], dict]]] = [
    ("env", env),
    ("ensemble_equals_solo", ensemble_equals_solo),
    ("nan_isolation", nan_isolation),
    ("generic_families", generic_families),
    ("realisation_naturality", realisation_naturality),
    ("realisation_spec", realisation_spec),
    ("timing", timing),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--out", help="also write the JSON to this file after every section")
    parser.add_argument("--skip", nargs="*", default=[], help="section names to skip")
    parser.add_argument(
        "--cpu-sections", action="store_true", help="run the CUDA sections on the CPU (testing)"
    )
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"script": "benchmarks/gpu_check.py", "quick": args.quick}
    try:
        ctx = Context(args.quick, args.cpu_sections)
    except Exception as exc:  # torch itself missing or broken
        report["fatal"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(report, indent=2))
        return 0
    for name, section in SECTIONS:
        if name in args.skip:
            report[name] = {"skipped": "--skip"}
            continue
        t0 = time.perf_counter()
        try:
            report[name] = section(ctx)
        except Exception as exc:
            report[name] = {
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc().splitlines()[-6:],
            }
        if isinstance(report[name], dict):
            report[name]["section_seconds"] = round(time.perf_counter() - t0, 2)
        print(f"[gpu_check] {name}: done in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
        if args.out:
            try:
                with open(args.out, "w", encoding="utf-8") as fh:
                    json.dump(report, fh, indent=2, default=str)
            except OSError as exc:
                print(f"[gpu_check] could not write {args.out}: {exc}", file=sys.stderr)
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
