"""The claims' verdicts follow catdyn.stats' rules; the words around them are kept."""

import dataclasses
import math

import numpy as np

from catdyn.backends.torch.studies.homotopy.affine import AffineFits
from catdyn.backends.torch.studies.homotopy.claims import (
    Claim,
    affine_claim,
    count_claim,
    mantel_claim,
    robust_claim,
    spread_claim,
)
from catdyn.backends.torch.studies.homotopy.mantel import MantelTest
from catdyn.backends.torch.studies.homotopy.partition import classes_of
from catdyn.stats import Estimate, Verdict


def test_spread_claims_read_the_interval_against_the_bound() -> None:
    assert spread_claim("within", Estimate(0.003, 0.002, 0.004), "d").verdict is Verdict.REPRODUCED
    wide = spread_claim("within", Estimate(0.01, 0.006, 0.02), "d")
    assert wide.verdict is Verdict.NOT_REPRODUCED and wide.detail.startswith("contradicted; ")
    across = spread_claim("between", Estimate(0.03, 0.01, 0.05), "d")
    assert across.verdict is Verdict.INCONCLUSIVE and across.detail.startswith("inconclusive; ")
    nan = spread_claim("between", Estimate(math.nan, math.nan, math.nan), "d")
    assert nan.verdict is Verdict.INCONCLUSIVE and nan.detail.startswith("not measurable; ")
    assert nan.claim == "between-class spread of test accuracy"


def test_the_count_needs_the_paper_s_count_on_a_comparable_population() -> None:
    b = np.full((7, 7), 1.0)
    np.fill_diagonal(b, 0.0)
    seven = classes_of(b, 0.5)  # 7 singleton classes of 7 networks: too few networks
    c = count_claim(seven, "s")
    assert c.measured == 7.0 and c.verdict is Verdict.NOT_REPRODUCED
    assert c.interval == (1.0, 7.0) and c.figure == "7 of 7 (sizes [1, 1, 1, 1, 1, 1, 1])"
    big = np.full((100, 100), 0.0)
    groups = np.repeat(np.arange(7), [15, 15, 14, 14, 14, 14, 14])
    big[groups[:, None] != groups[None, :]] = 1.0
    assert count_claim(classes_of(big, 0.5), "s").verdict is Verdict.REPRODUCED


def test_mantel_and_affine_claims() -> None:
    crit = "line-endpoint barrier (loss (train))"
    assert mantel_claim(MantelTest(0.5, 0.01, 0.99, 10), crit).verdict is Verdict.REPRODUCED
    assert mantel_claim(MantelTest(-0.5, 0.99, 0.01, 10), crit).verdict is Verdict.CONTRADICTED
    unmeasured = mantel_claim(MantelTest(math.nan, math.nan, math.nan, 1), crit)
    assert unmeasured.verdict is Verdict.INCONCLUSIVE and unmeasured.measured is None
    fits = AffineFits("hidden0", [0, 10], np.array([0.5, 0.1]), np.array([0.6, 0.3]), 6, 50)
    assert affine_claim(fits).verdict is Verdict.REPRODUCED and affine_claim(fits).measured == 0.1
    nan = AffineFits("hidden0", [0], np.array([0.1]), np.array([math.nan]), 1, 50)
    assert affine_claim(nan).verdict is Verdict.INCONCLUSIVE and affine_claim(nan).measured is None


def test_a_verdict_our_choice_decides_is_inconclusive_and_says_why() -> None:
    chosen = Claim("within", "< 0.5 %", 0.003, Verdict.REPRODUCED, (0.002, 0.004), "0.30 %", "pooled std")
    same = robust_claim(chosen, [("line-endpoint c=0.1", "reproduced"), ("sublevel c=0.1", "reproduced")])
    assert same.verdict is Verdict.REPRODUCED and same.detail.startswith("the same verdict under all 2 criteria")
    assert (same.measured, same.interval, same.figure) == (0.003, (0.002, 0.004), "0.30 %")
    # planted: one row of the sensitivity table disagrees
    rows = [("line-endpoint c=0.1", "reproduced"), ("sublevel c=0.05", "not reproduced"),
            ("relative c=1", "inconclusive"), ("sublevel c=0.1", "not reproduced")]
    split = robust_claim(chosen, rows)
    assert split.verdict is Verdict.INCONCLUSIVE and split.measured == 0.003
    assert split.detail.startswith("depends on the criterion and c: reproduced under line-endpoint c=0.1, not "
                                   "reproduced under sublevel c=0.05 / sublevel c=0.1, inconclusive under relative c=1")
    assert split.detail.endswith("pooled std")
    # a chosen verdict that every row shares is kept even when it is inconclusive
    assert robust_claim(dataclasses.replace(chosen, verdict=Verdict.INCONCLUSIVE),
                        [("a", "inconclusive")]).verdict is Verdict.INCONCLUSIVE


def test_a_claim_records_its_verdict_as_a_word() -> None:
    from catdyn.runner.context import TaskContext

    ctx = TaskContext(seed=0)
    spread_claim("within", Estimate(0.003, 0.002, 0.004), "d").record(ctx)
    (rec,) = ctx.records
    assert rec[3]["verdict"] == "reproduced" and type(rec[3]["verdict"]) is str
