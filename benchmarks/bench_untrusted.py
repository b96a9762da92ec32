"""Untrusted inputs and stuck workers (issue 16): how fast a hostile input is refused, how long
the law checker takes on the most expensive JSON diagrams the reader's caps still accept, and
how soon the worker pool reports a killed or a stopped worker.

Goals: each hostile document refused in under 1 s (before the caps, the 41-byte nested power
ran 81 s to a MemoryError); ``check_laws`` on the most expensive accepted diagram of each
family in under 30 s (a diagram within the old caps ran for more than 90 s at 2.6 GB); a killed
worker reported in under 1 s while another job still runs; a stopped worker given up within
its ``stall_timeout`` plus 1 s. See docs/untrusted-inputs.md.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable

from benchmarks.harness import Result
from catdyn.checker.law import check_laws
from catdyn.checker.suites import diagram_laws
from catdyn.errors import SpecError, WorkerError
from catdyn.serialise import diagram_from_json


def _matq(entries: list[str], equations: list[tuple[list[str], list[str]]], dim: int = 1) -> str:
    morphisms = [{"name": f"f{i}", "dom": "A", "cod": "A", "entries": [[e] * dim] * dim} for i, e in enumerate(entries)]
    return json.dumps({"format": "catdyn.diagram/1", "category": "MatQ", "name": "m",
                       "objects": [{"name": "A", "dim": dim}], "morphisms": morphisms,
                       "equations": [{"lhs": lhs, "rhs": rhs} for lhs, rhs in equations]})


def _chain(k: int) -> str:  # a generic 2×2 matrix: f^k = f^(k-1)
    return json.dumps({"format": "catdyn.diagram/1", "category": "MatQ", "name": "m", "objects": [{"name": "A", "dim": 2}],
                       "morphisms": [{"name": "f", "dom": "A", "cod": "A", "entries": [["a", "b"], ["c", "d"]]}],
                       "equations": [{"lhs": ["f"] * k, "rhs": ["f"] * (k - 1)}]})


def _sums(n: int) -> str:  # (a+…+e+1)^n g = g (a+…+e+1)^n g
    return _matq([f"(a+b+c+d+e+1)**{n}", "a+b+c+d+e"], [(["f0", "f1"], ["f1", "f0", "f1"])])


def _dense(n: int) -> str:  # an n×n matrix of distinct symbols plus one: f f = f
    entries = [[f"x{i}_{j} + 1" for j in range(n)] for i in range(n)]
    return json.dumps({"format": "catdyn.diagram/1", "category": "MatQ", "name": "m", "objects": [{"name": "A", "dim": n}],
                       "morphisms": [{"name": "f", "dom": "A", "cod": "A", "entries": entries}],
                       "equations": [{"lhs": ["f", "f"], "rhs": ["f"]}]})


def _largest_accepted(family: Callable[[int], str], lo: int, hi: int) -> int:
    """The largest size in ``lo … hi`` whose document the reader accepts (accepted sizes are a prefix)."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            diagram_from_json(family(mid))
            lo = mid
        except SpecError:
            hi = mid - 1
    return lo


def _refusals() -> list[Result]:
    hostile = {
        "six nested powers of 2**64 (41 bytes)": _matq(["((((((2**64)**64)**64)**64)**64)**64)"], []),
        "five nested powers of 2**64": _matq(["((((2**64)**64)**64)**64)**64"], []),
        "(a+…+h)**64": _matq(["(a+b+c+d+e+f+g+h)**64"], []),
        "2×2 symbols, 30-fold composite": _chain(30),
        "JSON nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    }
    diagram_from_json(_matq(["a/2 + b**2"], [(["f0"], ["f0"])]))  # sympy's first use imports much
    out = []
    for name, text in hostile.items():
        t0 = time.perf_counter()
        try:
            diagram_from_json(text)
            refused = False
        except SpecError:
            refused = True
        took = time.perf_counter() - t0
        out.append(Result(f"refuse: {name}", None, took, "refused < 1 s", refused and took < 1.0))
    return out


def _accepted_worst(quick: bool) -> list[Result]:
    out = []
    for name, family, lo, hi in (("2×2 chain f^k", _chain, 2, 40), ("sums (a+…+e+1)^n", _sums, 1, 16),
                                 ("dense n×n symbols", _dense, 2, 40)):
        size = _largest_accepted(family, lo, hi)
        if quick:
            size = max(lo, size // 2)
        t0 = time.perf_counter()
        statuses = [r.status for r in check_laws(diagram_laws(diagram_from_json(family(size))))]
        took = time.perf_counter() - t0
        out.append(Result(f"check_laws, largest accepted {name}: size {size}", None, took, "< 30 s",
                          took < 30.0, extra={"size": size, "statuses": statuses}))
    return out


def _worker_pool() -> list[Result]:
    from catdyn.backends.torch.compute.worker_pool import WorkerPool
    from catdyn.errors import WorkerTimeoutError

    with WorkerPool(2) as pool:
        pool.map("math", "gcd", [(1, 2), (3, 4)])  # started
        running = pool.start("time", "sleep", [(20,), (20,)])
        os.kill(pool.pids[1], signal.SIGKILL)
        t0 = time.perf_counter()
        try:
            running.results()
            reported = False
        except WorkerError:
            reported = True
        killed = time.perf_counter() - t0
    with WorkerPool(1) as pool:
        pool.map("math", "gcd", [(1, 2)])
        running = pool.start("builtins", "sum", [(range(10**11),)], stall_timeout=1.0)
        os.kill(pool.pids[0], signal.SIGSTOP)
        t0 = time.perf_counter()
        try:
            running.results()
            given_up = False
        except WorkerTimeoutError:
            given_up = True
        stopped = time.perf_counter() - t0
    return [
        Result("worker killed while another job runs: reported after", None, killed, "< 1 s", reported and killed < 1),
        Result("worker stopped (SIGSTOP), stall_timeout 1 s: given up after", None, stopped, "< 2 s",
               given_up and stopped < 2),
    ]


def run(quick: bool = False) -> list[Result]:
    """Every measurement of the module docstring."""
    return _refusals() + _accepted_worst(quick) + _worker_pool()
