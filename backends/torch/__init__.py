"""The torch backend: Param and Rep realised on real networks (imports torch).

- :mod:`~catdyn.backends.torch.architectures` — MLP, CNN, ResNet, Transformer, GRU as pure
  functions of a parameter dict (vmap/grad friendly), each with its declared symmetry;
- :mod:`~catdyn.backends.torch.symmetry` — permutation groups as axis specs and the one generic
  ``permute`` (group elements are Perm morphisms);
- :mod:`~catdyn.backends.torch.widening` — Net2Net widening as a generic unit map;
- :mod:`~catdyn.backends.torch.param` / :mod:`~catdyn.backends.torch.rep` — the categories Param
  (parameter spaces, symmetries and widenings) and Rep (probe/layer spaces, linear maps);
- :mod:`~catdyn.backends.torch.realisation` — the functor Param → Rep and its laws;
- :mod:`~catdyn.backends.torch.trajectory` — training trajectories as Moore paths and the path
  functor;
- :mod:`~catdyn.backends.torch.learners` — learning as a functor Para → Learn (gradient descent
  and backpropagation, "Backprop as Functor") and its laws on real layers;
  :mod:`~catdyn.backends.torch.learner_stages` cuts the five families into composable stages.
"""
