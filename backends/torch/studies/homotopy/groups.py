"""Do the barrier classes separate known groups of networks? A population where the homotopy
claim can fail has members that all fit the training set yet fall into known groups that
generalise differently (pre-trained on random labels or not, say). The claim that homotopic runs
generalise alike then says: members of groups more than 3 points apart never share a class.

* :func:`contingency`: classes × groups counts (members in no class left out);
* :func:`adjusted_rand_index`: agreement of classes and groups (1: the same partition; about
  0: no more than chance), computed from the contingency table (Hubert and Arabie 1985);
* :func:`separation`: all of it at once, with the groups' spreads of test accuracy (their
  between-group spread is the gap that gives the population its teeth), the index's
  leave-one-out range (how far one network moves it: a bootstrap would duplicate networks, a
  duplicated pair always agrees, and its percentile interval can miss the index) and a
  permutation p-value of it.

>>> s = separation([0.84, 0.83, 0.77, 0.76], [0.01, 0.01, 0.02, 0.01], [0, 0, 1, 1],
...                ["none", "none", "random labels", "random labels"], resamples=200)
>>> round(s.ari.value, 3), s.mixed_classes, round(s.group_spreads.between.value, 3), s.fitted
(1.0, 0, 0.07, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from catdyn.classes import SpreadClaims, spread_claims
from catdyn.stats import Estimate


def contingency(classes: Sequence[int], groups: Sequence[str]) -> tuple[list[int], list[str], np.ndarray]:
    """The classes (sorted), the groups (sorted) and the table ``n[i, j]`` of members of class i
    in group j.

    >>> contingency([0, 0, 1], ["a", "b", "b"])[2].tolist()
    [[1, 1], [0, 1]]
    """
    cs, gs = sorted(set(classes)), sorted(set(groups))
    table = np.zeros((len(cs), len(gs)), dtype=np.int64)
    for c, g in zip(classes, groups):
        table[cs.index(c), gs.index(g)] += 1
    return cs, gs, table


def _pairs(n: np.ndarray) -> np.ndarray | float:
    return n * (n - 1) / 2.0


def adjusted_rand_index(classes: Sequence[int], groups: Sequence[str]) -> float:
    """The adjusted Rand index of two partitions of the same members: (index − expected) /
    (max − expected) over the pairs counted in their contingency table; 1.0 when both put every
    member together or every member apart (nothing to disagree on).

    >>> adjusted_rand_index([0, 0, 1, 1], ["a", "a", "b", "b"]), adjusted_rand_index([0, 0, 0, 0], ["a", "a", "b", "b"])
    (1.0, 0.0)
    """
    _, _, n = contingency(classes, groups)
    index = float(_pairs(n).sum())
    rows, cols, total = float(_pairs(n.sum(1)).sum()), float(_pairs(n.sum(0)).sum()), float(_pairs(n.sum()))
    expected = rows * cols / total if total else 0.0
    top = 0.5 * (rows + cols)
    if top == expected:
        return 1.0
    return (index - expected) / (top - expected)


def pure_below(barriers: np.ndarray, groups: Sequence[str]) -> tuple[float, int]:
    """The level c* from which on some class holds two groups, whatever the criterion's c: the
    first single-linkage merge (H0 of the barrier filtration) that joins members of two groups;
    and the number of classes just below it, where every class is pure (``inf`` and the number
    of components when no merge joins two groups).

    >>> b = np.array([[0, .1, .5, .6], [.1, 0, .4, .7], [.5, .4, 0, .2], [.6, .7, .2, 0]])
    >>> pure_below(b, ["a", "a", "b", "b"]), pure_below(b, ["a", "b", "a", "b"])
    ((0.4, 2), (0.1, 4))
    """
    from catdyn.classes import h0_persistence

    pers = h0_persistence(barriers)
    parent = list(range(pers.n))
    members: dict[int, set[str]] = {i: {str(g)} for i, g in enumerate(groups)}

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j, h in pers.merges:
        ri, rj = find(i), find(j)
        if len(members[ri] | members[rj]) > 1:
            return float(h), pers.n - int(np.sum(pers.deaths < h))
        parent[rj] = ri
        members[ri] |= members[rj]
    return float("inf"), pers.n - len(pers.merges)


@dataclass(frozen=True)
class Separation:
    """How the classes sit against the known groups: the table, the adjusted Rand index with its
    leave-one-out range and a one-sided permutation p-value (index ≥ the measured one when the
    groups are shuffled over the members), the classes that hold more than one group, the
    groups' own spreads of test accuracy, and whether every member fits the training set."""

    classes: list[int]
    groups: list[str]
    table: np.ndarray
    ari: Estimate
    p_value: float
    mixed_classes: int
    group_spreads: SpreadClaims
    worst_train_loss: float
    fitted: bool


def separation(
    test_acc: Sequence[float],
    train_loss: Sequence[float],
    classes: Sequence[int],
    groups: Sequence[str],
    *,
    fit_loss: float = 0.1,
    resamples: int = 1000,
    seed: int = 0,
) -> Separation:
    """:class:`Separation` of the members in a class (one entry each in ``test_acc``, ``classes``
    and ``groups``; members in no class already left out). ``train_loss`` holds every trained
    member's final training loss, those in no class included: the population fits only if all do."""
    acc = np.asarray(test_acc, dtype=np.float64)
    cls, grp = list(classes), list(groups)
    cs, gs, table = contingency(cls, grp)
    ari = adjusted_rand_index(cls, grp)
    codes = np.array([gs.index(g) for g in grp])
    drop_one = [adjusted_rand_index(cls[:i] + cls[i + 1:], grp[:i] + grp[i + 1:]) for i in range(len(cls))]
    est = Estimate(ari, min(drop_one, default=ari), max(drop_one, default=ari), 0.0, 0)
    rng = np.random.default_rng(seed)
    shuffled = [adjusted_rand_index(cls, [grp[i] for i in rng.permutation(len(cls))]) for _ in range(resamples)]
    p = (1 + sum(s >= ari - 1e-12 for s in shuffled)) / (1 + resamples)
    spreads = spread_claims(acc, codes, resamples=resamples, seed=seed)
    worst = float(np.max(train_loss)) if len(train_loss) else float("nan")
    return Separation(cs, gs, table, est, p,
                      int(((table > 0).sum(1) > 1).sum()), spreads, worst, bool(worst <= fit_loss))
