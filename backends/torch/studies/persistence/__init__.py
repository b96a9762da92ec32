"""The landscape-persistence generalisation study in small steps, one idea per module:

* :mod:`.design` — one-at-a-time configurations, a member's architecture, its training labels;
* :mod:`.train` — training a group of the population and each model's plain baselines;
* :mod:`.landscapes` — landscapes on each model's training data, their persistence features
  and the measured noise floor (:class:`Slice`);
* :mod:`.study` — the table of models (with each model's identity) and the statistics of
  every measure;
* :mod:`.figures` — the pictures;
* :mod:`.laws` — the stability law on real landscape grids;
* :mod:`.morphisms` — the study's typed morphisms (the arrows of
  ``specs/persistence_generalisation.py``).

Importing the package imports none of them (nor torch); each name below is loaded from its
module on first use.

>>> from catdyn.backends.torch.studies.persistence import member_config
>>> member_config("mlp", 16, (64,), 10)
{'type': 'mlp', 'widths': [64, 16, 10]}
>>> from catdyn.backends.torch.studies.persistence.design import design  # the module .design holds it
>>> design({"width": 8, "lr": 0.1}, {"width": [16]}, seeds=[0])
[{'width': 8, 'lr': 0.1, 'seed': 0}, {'width': 16, 'lr': 0.1, 'seed': 0}]

Importing the package imports none of its modules, so that its morphisms can be listed
without torch: import each name from its module.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE: dict[str, str] = {
    "BASELINES": "study",
    "HPARAMS": "design",
    "Halves": "landscapes",
    "IDENTITY": "study",
    "MEASURES": "study",
    "Slice": "landscapes",
    "assess_measures": "study",
    "caption": "study",
    "diagram_of_pairs": "landscapes",
    "digits_landscapes": "laws",
    "features_of": "landscapes",
    "floor_note": "study",
    "grid_features": "landscapes",
    "halves_floor": "landscapes",
    "hyperparameters": "study",
    "identity": "study",
    "join_tables": "study",
    "landscape_and_floor": "landscapes",
    "landscape_stability_law": "laws",
    "member_architecture": "design",
    "member_config": "design",
    "member_sharpness": "train",
    "model_measures": "train",
    "model_row": "landscapes",
    "noisy_labels": "design",
    "sample_halves": "landscapes",
    "train_group": "train",
    "training_grid": "landscapes",
    "training_halves": "landscapes",
    "training_labels": "design",
    "trajectory_checkpoints": "train",
    "trajectory_dimension": "train",
    "variation": "design",
}
"""The module of :mod:`catdyn.backends.torch.studies.persistence` each public name lives in."""

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (the package imports no torch)."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
