"""This machine's limits, measured in the same run as the benchmarks that compare against them.

- **GEMM peak** (:func:`gemm_gflops`): the best GFLOP/s of a large float32 matrix product
  (2·n³ FLOPs for two n × n matrices) at torch's current thread count;
- **copy peak** (:func:`copy_gbs`): the best GB/s of a large tensor copy (bytes read plus bytes
  written), i.e. the memory bandwidth a memory-bound route could at best reach.

:func:`machine_peak` measures both once per process and thread count (a few seconds) and caches
them; a benchmark divides its achieved GFLOP/s by the GEMM peak (:func:`fraction`), which the
harness prints beside the ratio against the baseline. On a shared machine the peak is taken
under the same load as the benchmark, so the fraction is comparable within one run.

>>> p = machine_peak(gemm_n=256, copy_mb=8, repeat=2)
>>> p.gemm_gflops > 0 and p.copy_gbs > 0
True
>>> fraction(5.0, 50.0)
0.1
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Peak:
    """The measured peaks, with how they were measured."""

    gemm_gflops: float
    copy_gbs: float
    threads: int
    gemm_n: int
    copy_mb: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _best(fn: Any, repeat: int) -> float:
    fn()  # warm-up: allocation, kernel choice
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def gemm_gflops(n: int = 2048, repeat: int = 5) -> float:
    """GFLOP/s of the best of ``repeat`` float32 ``n × n`` products."""
    a = torch.randn(n, n, generator=torch.Generator().manual_seed(0))
    b = torch.randn(n, n, generator=torch.Generator().manual_seed(1))
    out = torch.empty(n, n)
    t = _best(lambda: torch.mm(a, b, out=out), repeat)
    return 2.0 * n**3 / t / 1e9


def copy_gbs(mb: int = 256, repeat: int = 5) -> float:
    """GB/s (read + write) of the best of ``repeat`` copies of an ``mb`` MiB float32 tensor."""
    src = torch.ones(mb * (1 << 20) // 4)
    dst = torch.empty_like(src)
    t = _best(lambda: dst.copy_(src), repeat)
    return 2.0 * src.numel() * 4 / t / 1e9


@functools.lru_cache(maxsize=8)
def _cached(threads: int, gemm_n: int, copy_mb: int, repeat: int) -> Peak:
    return Peak(gemm_gflops(gemm_n, repeat), copy_gbs(copy_mb, repeat), threads, gemm_n, copy_mb)


def machine_peak(gemm_n: int = 2048, copy_mb: int = 256, repeat: int = 5) -> Peak:
    """Both peaks at torch's current thread count, measured once per process (cached)."""
    return _cached(torch.get_num_threads(), gemm_n, copy_mb, repeat)


def fraction(achieved: float, peak: float) -> float:
    """``achieved / peak`` (0 when the peak is not positive)."""
    return achieved / peak if peak > 0 else 0.0


def annotate(result: Any, flops: float) -> Any:
    """Set ``result.gflops`` (``flops`` over its candidate time) and ``result.peak_fraction``
    against :func:`machine_peak` at the current thread count; the peaks go to
    ``result.extra["peak"]``. Returns ``result``.

    >>> from benchmarks.harness import Result
    >>> r = annotate(Result("x", 1.0, 0.5, "-", True), flops=1e9)
    >>> r.gflops, 0 < r.peak_fraction
    (2.0, True)
    """
    peak = machine_peak()
    result.gflops = flops / result.candidate_s / 1e9
    result.peak_fraction = fraction(result.gflops, peak.gemm_gflops)
    result.extra["peak"] = peak.to_json()
    result.extra["flops"] = flops
    return result
