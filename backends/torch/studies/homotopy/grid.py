"""The homotopy claim over a grid of architectures × data sets: one row per cell (its networks,
their train and test accuracy, the classes under the chosen criterion and under the sublevel
one, the within- and between-class spreads with their intervals and robust verdicts) and one
verdict per cell and for the grid, in the vocabulary of :mod:`catdyn.stats`.

A cell's verdict joins the claim's two halves (homotopic runs generalise alike: within-class
spread < 0.5 % *and* between-class spread > 3 %), each already kept only where no criterion × c
of the sensitivity table disagrees (:class:`~.claim_morphisms.RobustVerdicts`): *reproduced*
when both halves are, *not reproduced* (or *contradicted*) when either half is, *inconclusive*
otherwise (a half that our choice of criterion or c decides, or that could not be measured).
The grid's verdict applies the same rule to its cells: the paper states the claim for networks
in general, so one cell that robustly fails it is a counterexample.

>>> str(joined_verdict(["reproduced", "inconclusive"])), str(joined_verdict(["inconclusive", "not reproduced"]))
('inconclusive', 'not reproduced')
>>> str(joined_verdict(["reproduced", "reproduced"])), str(joined_verdict([]))
('reproduced', 'inconclusive')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from catdyn.stats import Verdict

HALVES = ("within", "between")
"""The claim's two halves, as :class:`~.claim_morphisms.RobustVerdicts` names them."""


def joined_verdict(verdicts: Sequence[str]) -> Verdict:
    """The verdict of a conjunction of claims: contradicted or not reproduced as soon as one
    part is (contradicted first), reproduced when every part is, else inconclusive (also when
    there is no part)."""
    found = [Verdict(v) if v in {x.value for x in Verdict} else Verdict.INCONCLUSIVE for v in verdicts]
    for failing in (Verdict.CONTRADICTED, Verdict.NOT_REPRODUCED):
        if failing in found:
            return failing
    if found and all(v is Verdict.REPRODUCED for v in found):
        return Verdict.REPRODUCED
    return Verdict.INCONCLUSIVE


def _stats(values: Sequence[float]) -> tuple[float, float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return math.nan, math.nan, math.nan
    return sum(finite) / len(finite), min(finite), max(finite)


def class_count(labels: Sequence[int | None]) -> int:
    """How many classes a partition's labels name (members in no class left out).

    >>> class_count([0, 0, 1, None])
    2
    """
    return len({v for v in labels if v is not None})


def _half(claims: Sequence[Mapping[str, Any]], key: str) -> dict[str, Any]:
    found = [c for c in claims if str(c.get("claim", "")).startswith(f"{key}-class spread")]
    if not found:
        return {f"{key} spread": math.nan, f"{key} low": math.nan, f"{key} high": math.nan,
                f"{key} verdict": Verdict.INCONCLUSIVE.value}
    c = found[0]
    low, high = c.get("interval") or (math.nan, math.nan)
    measured = c.get("measured")
    return {f"{key} spread": math.nan if measured is None else float(measured), f"{key} low": float(low),
            f"{key} high": float(high), f"{key} verdict": str(c["verdict"])}


def cell_row(
    architecture: str,
    dataset: str,
    accuracy: Sequence[Mapping[str, Any]],
    chosen: tuple[Sequence[int | None], str, float],
    sublevel: tuple[Sequence[int | None], str, float],
    verdicts: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """One cell's row: ``accuracy`` the per-member rows of
    :class:`~catdyn.backends.torch.training.morphisms.Evaluate` (``status``, ``train_acc``,
    ``test_acc``); ``chosen`` and ``sublevel`` each a partition's ``(labels, criterion, level)``;
    ``verdicts`` the robust spread claims.

    >>> acc = [{"status": "ok", "train_acc": 1.0, "test_acc": 0.9}, {"status": "ok", "train_acc": 0.5, "test_acc": 0.4}]
    >>> claims = [{"claim": "within-class spread of test accuracy", "measured": 0.001, "interval": [0.0, 0.002],
    ...            "verdict": "reproduced"}]
    >>> r = cell_row("gru", "digits", acc, ([0, 0], "line", 0.1), ([0, None], "sublevel", 0.1), claims)
    >>> r["nets"], r["classes"], r["sublevel classes"], r["not converged"], r["within verdict"], r["verdict"]
    (2, 1, 1, 1, 'reproduced', 'inconclusive')
    """
    ok = [r for r in accuracy if r.get("status", "ok") == "ok"]
    train = _stats([float(r["train_acc"]) for r in ok])
    test = _stats([float(r["test_acc"]) for r in ok])
    ok_rows = [i for i, r in enumerate(accuracy) if r.get("status", "ok") == "ok"]
    sub_labels = list(sublevel[0])
    row: dict[str, Any] = {
        "architecture": architecture, "data set": dataset, "nets": len(ok), "failed": len(accuracy) - len(ok),
        "train acc": train[0], "train acc min": train[1], "train acc max": train[2],
        "test acc": test[0], "test acc min": test[1], "test acc max": test[2],
        "criterion": f"{chosen[1]} ≤ {chosen[2]:g}", "classes": class_count(chosen[0]),
        "sublevel criterion": f"{sublevel[1]} ≤ {sublevel[2]:g}", "sublevel classes": class_count(sub_labels),
        "not converged": sum(1 for i in ok_rows if i < len(sub_labels) and sub_labels[i] is None),
    }
    for key in HALVES:
        row.update(_half(verdicts, key))
    row["verdict"] = joined_verdict([row[f"{key} verdict"] for key in HALVES]).value
    return row


def cell_figure(row: Mapping[str, Any]) -> str:
    """A cell's measured figure in words (spreads in percent with their intervals).

    >>> cell_figure({"classes": 2, "nets": 6, "within spread": 0.004, "within low": 0.002, "within high": 0.006,
    ...              "between spread": float("nan"), "between low": float("nan"), "between high": float("nan")})
    'classes 2 of 6 nets; within 0.40 % [0.20, 0.60]; between nan % [nan, nan]'
    """
    parts = [f"classes {row['classes']} of {row['nets']} nets"]
    for key in HALVES:
        parts.append(f"{key} {100 * row[f'{key} spread']:.2f} % "
                     f"[{100 * row[f'{key} low']:.2f}, {100 * row[f'{key} high']:.2f}]")
    return "; ".join(parts)
