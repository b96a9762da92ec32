"""The landscape-persistence generalisation study in small steps, one idea per module:

* :mod:`.design` — one-at-a-time configurations, a member's architecture, noisy labels;
* :mod:`.train` — training the population and each model's plain baselines;
* :mod:`.landscapes` — landscapes, their persistence features and the measured noise floor
  (:class:`Slice`);
* :mod:`.study` — the table of models and the statistics of every measure;
* :mod:`.figures` — the pictures;
* :mod:`.laws` — the stability law on real landscape grids.

The runner's operations are registered in :mod:`catdyn.backends.torch.studies.persistence.ops`.

>>> design({"width": 8, "lr": 0.1}, {"width": [16]}, seeds=[0])
[{'width': 8, 'lr': 0.1, 'seed': 0}, {'width': 16, 'lr': 0.1, 'seed': 0}]
"""

from catdyn.backends.torch.studies.persistence.design import (
    HPARAMS,
    design,
    member_architecture,
    noisy_labels,
)
from catdyn.backends.torch.studies.persistence.landscapes import (
    Slice,
    grid_features,
    measure_landscapes,
    model_row,
    sample_halves,
)
from catdyn.backends.torch.studies.persistence.laws import digits_landscapes, landscape_stability_law
from catdyn.backends.torch.studies.persistence.study import (
    BASELINES,
    MEASURES,
    floor_note,
    hyperparameters,
    model_table,
    one_at_a_time_labels,
    study,
)
from catdyn.backends.torch.studies.persistence.train import (
    model_measures,
    train_population,
    trajectory_checkpoints,
)

__all__ = [
    "BASELINES",
    "HPARAMS",
    "MEASURES",
    "Slice",
    "design",
    "digits_landscapes",
    "floor_note",
    "grid_features",
    "hyperparameters",
    "landscape_stability_law",
    "measure_landscapes",
    "member_architecture",
    "model_measures",
    "model_row",
    "model_table",
    "noisy_labels",
    "one_at_a_time_labels",
    "sample_halves",
    "study",
    "train_population",
    "trajectory_checkpoints",
]
