"""Run benchmarks: ``python -m benchmarks [NAME ...] [--quick] [--out DIR]``."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import benchmarks
from benchmarks.harness import format_table, write_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help="benchmark modules (bench_NAME); all by default")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args(argv)
    available = sorted(
        m.name[len("bench_"):] for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    names = args.names or available
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {available}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    every = []
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        results = module.run(quick=args.quick)
        write_json(os.path.join(args.out, f"{name}.json"), name, results)
        every.extend(results)
        print(format_table(results), flush=True)
        print()
    return 0 if all(r.passed for r in every) else 1


if __name__ == "__main__":
    sys.exit(main())
