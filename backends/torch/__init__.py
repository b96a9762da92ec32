"""The torch backend: Param and Rep realised on real networks (imports torch).

One sub-package per idea; the layers inside point one way (studies → transfer, landscapes,
paths, training → functors, models, data → compute):

- :mod:`~catdyn.backends.torch.compute` — the device choice and the pool of CPU worker processes;
- :mod:`~catdyn.backends.torch.data` — the offline data sets as tensors;
- :mod:`~catdyn.backends.torch.models` — the five architecture families as pure functions of a
  parameter dict, their declared symmetries, the category Param and Net2Net widening;
- :mod:`~catdyn.backends.torch.training` — the batched ensemble, the batched optimisers, and the
  morphisms that load data, train and evaluate a population;
- :mod:`~catdyn.backends.torch.functors` — Rep, the realisation functor Param → Rep, learning as a
  functor Para → Learn, and training trajectories as Moore paths;
- :mod:`~catdyn.backends.torch.paths` — alignment by symmetry, linear and curved paths between
  networks, and barrier matrices;
- :mod:`~catdyn.backends.torch.landscapes` — loss landscapes along chosen directions, and sharpness;
- :mod:`~catdyn.backends.torch.transfer` — transfer as a pullback (fibre product over Rep, pullback
  along a domain map), its baselines and morphisms;
- :mod:`~catdyn.backends.torch.studies` — the paper's three studies: homotopy classes, landscape
  persistence and the transfer harness.

Nothing here registers itself on import: backends publish their morphisms through the
``catdyn.morphisms`` entry point group.
"""
