"""The homotopy claim where it has teeth: on a population whose members all fit the training set
but fall into known groups that generalise differently (members pre-trained on random labels or
not: :class:`~.morphisms.RandomLabels`), do the barrier classes separate the groups?

>>> KnownGroups().key, KnownGroups().fit_loss
('pretrain', 0.1)
>>> KnownGroups(key="colour")
Traceback (most recent call last):
...
catdyn.errors.SpecError: KnownGroups got invalid parameters: key: Input should be 'pretrain' or 'group' (got 'colour'). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import PositiveFloat, PositiveInt

from catdyn.morphisms import BackendMorphism
from catdyn.values import BarrierMatrix, Claims, Partition, Population, Table


class KnownGroups(BackendMorphism):
    """The classes of ``Partition`` against the members' known groups (the population's ``key``
    column: ``pretrain`` — random labels or none — or ``group``, the whole training setting):
    two claims. *The population has teeth*: every member's training loss ≤ ``fit_loss`` and the
    groups' between-group spread of test accuracy (bootstrap interval, ``resamples`` draws)
    above 3 points. *The classes separate the groups*: no class holds members of two groups
    (the contingency table and the adjusted Rand index, with its leave-one-out range and a
    permutation p-value); inconclusive where the population has no teeth, or where pure classes
    agree with the groups no better than chance (singletons, say). From the barrier matrix, with
    no c chosen: the level c* from which on some class mixes the groups, whatever c, and how many
    classes there are just below it. ``tag`` is added to the claims' names (one arrow per
    criterion read)."""

    inputs, output = (Population, Partition, Table, BarrierMatrix), Claims
    key: Literal["pretrain", "group"] = "pretrain"
    fit_loss: PositiveFloat = 0.1
    resamples: PositiveInt = 1000
    tag: str = ""

    def run(self, ctx: Any, pop: Population, part: Partition, acc: Table, barriers: BarrierMatrix) -> Claims:
        from catdyn.backends.torch.studies.homotopy.group_claims import record_separation
        from catdyn.backends.torch.studies.homotopy.groups import pure_below, separation

        rows = [i for i, label in enumerate(part.labels) if label is not None]
        groups = [str(pop.meta[i].get(self.key, "none")) if pop.meta else "none" for i in rows]
        test_acc = [float(acc.rows[i]["test_acc"]) for i in rows]
        # "every member fits" reads every trained member, also those the criterion left in no class
        train_loss = [float(acc.rows[i]["train_loss"]) for i, st in enumerate(pop.status) if st == "ok"]
        sep = separation(test_acc, train_loss, [int(part.labels[i]) for i in rows], groups, fit_loss=self.fit_loss,
                         resamples=self.resamples, seed=ctx.seed)
        kept = [k for k, m in enumerate(barriers.members or range(len(barriers.matrix))) if m in set(rows)]
        order = [(barriers.members or list(range(len(barriers.matrix))))[k] for k in kept]
        level = pure_below(np.asarray(barriers.matrix, dtype=np.float64)[np.ix_(kept, kept)],
                           [groups[rows.index(m)] for m in order]) if kept else (float("nan"), 0)
        record_separation(ctx, sep, rows, pop, acc, self.key, self.fit_loss, part, level, self.tag)
        return Claims([r[3] for r in ctx.records if r[0] == "claim"])
