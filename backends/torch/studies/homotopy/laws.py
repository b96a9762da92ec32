"""The alignment laws on trained networks: the aligned network computes the same function, its
realisation is the permuted realisation, weight matching inverts a planted permutation
(:func:`catdyn.backends.torch.paths.alignment.alignment_laws`), checked on the first two members.

>>> import torch
>>> from catdyn.backends.torch.studies.homotopy.train import train_population
>>> from catdyn.backends.torch.studies.homotopy.members import load_members
>>> from catdyn.backends.torch.data.datasets import load_digits
>>> s = load_digits()
>>> d = {"name": "digits", "n_classes": 10, "train_x": s.train.x[:100], "train_y": s.train.y[:100],
...      "test_x": s.test.x[:50], "test_y": s.test.y[:50]}
>>> pop = train_population(d, arch={"type": "mlp", "hidden": [4]}, seeds=[0, 1],
...                        optimisers=[{"name": "sgd", "lrs": [0.1]}], steps=3)
>>> {r.status for r in alignment_law_results(load_members(pop, d, "cpu"), n_probe=32, examples=1, seed=0)}
{'held'}
"""

from __future__ import annotations

from typing import Any

from catdyn.backends.torch.studies.homotopy.members import Members


def alignment_law_results(members: Members, *, n_probe: int, examples: int, seed: int) -> list[Any]:
    """The :class:`~catdyn.checker.law.LawResult` of every alignment law on members 0 and 1, on
    the first ``min(n_probe, 64)`` test inputs."""
    from catdyn.backends.torch.paths.alignment import alignment_laws
    from catdyn.checker.law import CheckConfig, check_law

    models = members.models()
    probe = members.splits["test"].x[:n_probe][:64]
    laws = alignment_laws(members.net, models[0], models[1], probe)
    return [check_law(law, CheckConfig(examples=examples, seed=seed)) for law in laws]
