"""The grid of the homotopy claim: a cell's row reads the classes off its partitions, the
accuracies off the evaluation table and the spreads off the robust verdicts (each checked by
hand); a cell's and the grid's verdicts join their parts by the stated rule (checked on every
combination of verdicts); the morphisms record one table and one claim per cell plus the grid's."""

from __future__ import annotations

import itertools
import math

import pytest

from catdyn.backends.torch.studies.homotopy.grid import cell_row, class_count, joined_verdict
from catdyn.backends.torch.studies.homotopy.grid_morphisms import GridCell, GridClaims, GridTable
from catdyn.runner.context import TaskContext
from catdyn.stats import Verdict
from catdyn.values import Claims, Partition, Table

ALL = [v.value for v in Verdict]


def _rule(parts: tuple[str, ...]) -> str:
    """The stated rule, written out independently of the implementation."""
    if "contradicted" in parts:
        return "contradicted"
    if "not reproduced" in parts:
        return "not reproduced"
    if parts and set(parts) == {"reproduced"}:
        return "reproduced"
    return "inconclusive"


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_joined_verdict_follows_the_rule_on_every_combination(n) -> None:
    for parts in itertools.product(ALL, repeat=n):
        assert joined_verdict(parts).value == _rule(parts), parts


def test_an_unknown_verdict_counts_as_inconclusive() -> None:
    assert joined_verdict(["reproduced", "not measured"]) is Verdict.INCONCLUSIVE


ACC = [{"status": "ok", "train_acc": 1.0, "test_acc": 0.90}, {"status": "ok", "train_acc": 0.98, "test_acc": 0.80},
       {"status": "failed", "train_acc": math.nan, "test_acc": math.nan},
       {"status": "ok", "train_acc": 0.50, "test_acc": 0.40}]
VERDICTS = [{"claim": "within-class spread of test accuracy", "measured": 0.02, "interval": [0.01, 0.03],
             "verdict": "not reproduced"},
            {"claim": "between-class spread of test accuracy", "measured": 0.3, "interval": [0.2, 0.4],
             "verdict": "reproduced"}]


def test_a_cell_row_is_read_off_its_inputs() -> None:
    row = cell_row("GRU", "digits", ACC, ([0, 0, None, 1], "line-endpoint", 0.1),
                   ([0, 0, None, None], "sublevel", 0.2), VERDICTS)
    assert (row["nets"], row["failed"], row["classes"], row["sublevel classes"], row["not converged"]) == (3, 1, 2, 1, 1)
    assert row["test acc"] == pytest.approx((0.9 + 0.8 + 0.4) / 3)
    assert (row["test acc min"], row["test acc max"], row["train acc min"]) == (0.4, 0.9, 0.5)
    assert (row["within spread"], row["within low"], row["within high"]) == (0.02, 0.01, 0.03)
    assert row["within verdict"] == "not reproduced" and row["between verdict"] == "reproduced"
    assert row["verdict"] == "not reproduced"
    assert row["criterion"] == "line-endpoint ≤ 0.1" and row["sublevel criterion"] == "sublevel ≤ 0.2"


def test_a_missing_half_is_inconclusive_and_nan() -> None:
    row = cell_row("CNN", "modular", ACC[:1], ([0], "c", 0.1), ([0], "s", 0.1), VERDICTS[:1])
    assert math.isnan(row["between spread"]) and row["between verdict"] == "inconclusive"
    assert row["verdict"] == "not reproduced"
    assert class_count([None, None]) == 0


def _cell(ctx: TaskContext, name: str, verdicts: list[dict]) -> Table:
    return GridCell(architecture=name, dataset="digits").run(
        ctx, Table(ACC), Partition([0, 0, None, 1], "line-endpoint", 0.1), Partition([0, 0, None, None], "sublevel", 0.1),
        Claims(verdicts))


def test_the_grid_records_one_table_and_a_claim_per_cell_and_for_the_grid() -> None:
    ctx = TaskContext(seed=0)
    good = [dict(VERDICTS[0], verdict="reproduced"), VERDICTS[1]]
    cells = [_cell(ctx, "GRU", good), _cell(ctx, "CNN", VERDICTS)]
    grid = GridTable().run(ctx, *cells)
    assert [r["architecture"] for r in grid.rows] == ["GRU", "CNN"]
    (table,) = [r for r in ctx.records if r[0] == "table"]
    assert [r["verdict"] for r in table[3]] == ["reproduced", "not reproduced"]
    assert table[3][0]["within"] == "2.00 % [1.00, 3.00]: reproduced"
    claims = GridClaims().run(TaskContext(seed=0), grid).claims
    assert [c["verdict"] for c in claims] == ["reproduced", "not reproduced", "not reproduced"]
    assert claims[0]["claim"] == "homotopic runs generalise alike: GRU on digits"
    assert list(claims[0]["interval"]) == [0.01, 0.03] and claims[0]["measured"] == 0.02
    assert claims[-1]["measured"] == 1.0 and claims[-1]["figure"] == "1 reproduced, 1 not reproduced of 2 cells"
    all_good = GridClaims().run(TaskContext(seed=0), GridTable().run(TaskContext(seed=0), cells[0], cells[0])).claims
    assert all_good[-1]["verdict"] == "reproduced"
