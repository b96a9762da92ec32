"""The coequaliser benchmark runs (quick sizes) and its two constructions agree; its timing
goal lives in the benchmark, not here."""

from benchmarks import bench_finset_coequaliser


def test_coequaliser_benchmark_runs_and_agrees_with_the_naive_quotient():
    small, big = bench_finset_coequaliser.run(quick=True)
    assert small.extra["same_classes"] is True
    assert small.baseline_s is not None and small.candidate_s > 0
    assert big.extra["classes"] > 0
