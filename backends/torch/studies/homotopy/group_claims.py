"""The two claims of :class:`~.group_morphisms.KnownGroups` and the tables around them.

>>> from catdyn.backends.torch.studies.homotopy.groups import separation
>>> s = separation([0.84, 0.835, 0.76, 0.77], [0.01] * 4, [0, 0, 0, 0], ["none"] * 2 + ["random labels"] * 2,
...                resamples=200)
>>> teeth, separate = group_claims(s, "toy")
>>> str(teeth.verdict), str(separate.verdict), separate.figure
('reproduced', 'not reproduced', 'ARI 0.00 [0.00, 0.00]')
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from catdyn.backends.torch.studies.homotopy.claims import Claim
from catdyn.backends.torch.studies.homotopy.groups import Separation
from catdyn.stats import Verdict, bound_verdict

GAP = 0.03
"""The test-accuracy gap (a fraction) that known groups must exceed for the population to test
the claim: the paper's between-class spread, > 3 points."""


def teeth_claim(sep: Separation, words: str) -> Claim:
    """Every member fits the training set and the groups' between-group spread is > 3 points."""
    est = sep.group_spreads.between
    verdict = bound_verdict(est, GAP, ">")
    fit = f"every member's train loss ≤ the fit level (worst {sep.worst_train_loss:.4f})"
    if not sep.fitted:
        verdict, fit = Verdict.NOT_REPRODUCED, f"a member does not fit the training set (train loss {sep.worst_train_loss:.4f})"
    return Claim(
        "the population has teeth: known groups that all fit the training set differ by > 3 points",
        paper="> 3 points between groups, all fitted (where the claim can fail)",
        measured=est.value,
        verdict=verdict,
        interval=(est.low, est.high),
        figure=f"{100 * est.value:.2f} points [{100 * est.low:.2f}, {100 * est.high:.2f}]",
        detail=f"{fit}; between-group spread of test accuracy over {len(sep.groups)} groups; {words}",
    )


def separation_claim(sep: Separation, teeth: Verdict, words: str) -> Claim:
    """The classes separate the known groups: reproduced when no class holds two groups and the
    classes agree with the groups beyond chance (permutation p < 0.05), not reproduced when a class
    holds two groups; inconclusive when the population has no teeth or the agreement is chance."""
    if teeth is not Verdict.REPRODUCED:
        verdict, why = Verdict.INCONCLUSIVE, "the population has no teeth (previous claim), so it cannot test this"
    elif sep.mixed_classes:
        verdict, why = Verdict.NOT_REPRODUCED, f"{sep.mixed_classes} of {len(sep.classes)} classes hold members of two groups"
    elif sep.p_value >= 0.05:
        verdict, why = Verdict.INCONCLUSIVE, "no class mixes groups, but no better than chance (permutation p ≥ 0.05)"
    else:
        verdict, why = Verdict.REPRODUCED, "no class holds members of two groups"
    est = sep.ari
    return Claim(
        "the homotopy classes separate the known groups",
        paper="homotopic runs generalise alike: groups > 3 points apart share no class",
        measured=est.value,
        verdict=verdict,
        interval=(est.low, est.high),
        figure=f"ARI {est.value:.2f} [{est.low:.2f}, {est.high:.2f}]",
        detail=f"{why}; adjusted Rand index of classes vs groups [its range leaving one network out], permutation p = {sep.p_value:.3g}; {words}",
    )


def group_claims(sep: Separation, words: str) -> tuple[Claim, Claim]:
    """The teeth claim and the separation claim."""
    teeth = teeth_claim(sep, words)
    return teeth, separation_claim(sep, teeth.verdict, words)


def record_separation(ctx: Any, sep: Separation, rows: list[int], pop: Any, acc: Any, key: str, fit_loss: float,
                      part: Any, level: tuple[float, int] = (float("nan"), 0), tag: str = "") -> None:
    """Record both claims, the contingency table, the groups' table and the metrics; ``level``
    is c* (from it on some class mixes the groups, whatever c) and the classes just below it."""
    w = sep.group_spreads.within
    words = (f"{len(rows)} networks in classes of {part.criterion} ≤ {part.level:g} "
             f"({len(part.labels) - len(rows)} in no class), groups by {key}, fit level train loss ≤ {fit_loss:g}; "
             f"within-group spread {100 * w.value:.2f} % [{100 * w.low:.2f}, {100 * w.high:.2f}]; "
             f"whatever c: a class mixes the groups at every c ≥ {level[0]:.4g}, {level[1]} classes just below")
    for claim in group_claims(sep, words):
        (dataclasses.replace(claim, claim=f"{claim.claim} {tag}") if tag else claim).record(ctx)
    ctx.table(f"classes × known groups ({key})",
              [{"class": c, **{g: int(n) for g, n in zip(sep.groups, counts)}} for c, counts in zip(sep.classes, sep.table)])
    meta = [pop.meta[i] if pop.meta else {} for i in rows]
    ctx.table("known groups", [_group_row(g, rows, meta, acc, key) for g in sep.groups])
    ctx.metric("adjusted Rand index (classes vs groups)", sep.ari.value)
    ctx.metric("permutation p (ARI)", sep.p_value)
    ctx.metric("worst train loss", sep.worst_train_loss)
    ctx.metric("within-group spread of test accuracy", sep.group_spreads.within.value)
    ctx.metric("c* (a class mixes the groups at every c ≥ c*)", level[0])
    ctx.metric("classes just below c*", level[1])


def _group_row(group: str, rows: list[int], meta: list[dict[str, Any]], acc: Any, key: str) -> dict[str, Any]:
    mine = [r for r, m in zip(rows, meta) if str(m.get(key, "none")) == group]
    test = np.array([float(acc.rows[r]["test_acc"]) for r in mine])
    train = np.array([float(acc.rows[r]["train_loss"]) for r in mine])
    fits = [float(m["random_label_fit"]) for r, m in zip(rows, meta) if r in mine and "random_label_fit" in m]
    return {"group": group, "members": len(mine), "test acc mean": float(test.mean()), "test acc min": float(test.min()),
            "test acc max": float(test.max()), "train loss max": float(train.max()),
            "random-label fit (mean)": float(np.mean(fits)) if fits else None}
