"""The landscape-persistence generalisation study in small steps, one idea per module:

* :mod:`.design` — one-at-a-time configurations, a member's architecture, noisy labels;
* :mod:`.train` — training the population and each model's plain baselines;
* :mod:`.landscapes` — landscapes, their persistence features and the measured noise floor
  (:class:`Slice`);
* :mod:`.study` — the table of models and the statistics of every measure;
* :mod:`.figures` — the pictures;
* :mod:`.laws` — the stability law on real landscape grids.

The runner's operations are registered in :mod:`catdyn.backends.torch.studies.persistence.ops`.

>>> from catdyn.backends.torch.studies.persistence.design import design
>>> design({"width": 8, "lr": 0.1}, {"width": [16]}, seeds=[0])
[{'width': 8, 'lr': 0.1, 'seed': 0}, {'width': 16, 'lr': 0.1, 'seed': 0}]

Importing the package imports none of its modules, so that its morphisms can be listed
without torch: import each name from its module.
"""
