"""The transfer study's value types (one schema each; no torch import, so diagrams compile
without it).

>>> TransferRuns(rows=[{"method": "finetune", "seed": 0, "labels": 1}]).methods()
['finetune']
"""

from __future__ import annotations

import dataclasses
from typing import Any

from catdyn.values import Population, Value, require


@dataclasses.dataclass(frozen=True)
class TransferTask(Value):
    """Source and target data of a transfer study, one split per seed (see
    :func:`~catdyn.backends.torch.studies.transfer.study.split_data`). ``splits[i]`` holds seed
    ``seeds[i]``'s source training inputs and labels (``source_x``, ``source_y``), the shared
    target splits (``val``, ``test``, ``shift`` as (x, y)), the unlabelled inputs and probes,
    and ``train[str(k)]``, the (x, y) training labels of budget ``k``."""

    dataset: str
    seeds: list[int]
    labels: list[int]
    n_classes: int
    val_per_class: int
    unlabelled_per_class: int
    splits: list[dict[str, Any]]

    def check(self) -> None:
        require("TransferTask", len(self.splits) == len(self.seeds), f"{len(self.splits)} splits for "
                 f"{len(self.seeds)} seeds", "One split per seed")
        for s in self.splits:
            missing = {str(k) for k in self.labels} - set(s.get("train", {}))
            require("TransferTask", not missing, f"no training labels for budget(s) {sorted(missing)}",
                     "Give every label budget its training split")

    def split(self, seed: int) -> dict[str, Any]:
        """The split of ``seed``."""
        return self.splits[self.seeds.index(int(seed))]


@dataclasses.dataclass(frozen=True)
class TransferRuns(Value):
    """One row per (method, seed, label budget): the kept setting and its measured figures
    (the columns of :func:`~catdyn.backends.torch.transfer.baselines.evaluate`)."""

    rows: list[dict[str, Any]]

    def check(self) -> None:
        for r in self.rows:
            require("TransferRuns", {"method", "seed", "labels"} <= set(r), f"a row without method, seed and "
                     f"labels ({sorted(r)})", "Every row names its method, seed and label budget")

    def methods(self) -> list[str]:
        """The methods present, in first-seen order."""
        return list(dict.fromkeys(r["method"] for r in self.rows))


@dataclasses.dataclass(frozen=True)
class FibrePoints(Value):
    """Points of the fibre product over Rep: ``left`` the source member each point projects
    to, ``right`` the solved target parameters (member i of each is one (seed, budget))."""

    left: Population
    right: Population


@dataclasses.dataclass(frozen=True)
class DomainMaps(Value):
    """A domain map ``f: D_T → D_S`` per seed, fitted on unlabelled inputs: ``family``
    (``identity``, ``coral``, ``ot``), and per seed its data (``matrix``/``shift`` for an
    affine map, ``fitted``/``images`` for an OT map) and fitting seconds."""

    family: str
    maps: list[dict[str, Any]]
