"""The homotopy-classes study in small steps, one idea per module, each a function from typed
values to a typed value (so that each can become one typed morphism of a diagram):

* :mod:`.train` — the population: every (optimiser, learning rate, seed) member, batched;
* :mod:`.members` — the members that trained, ready to measure (:class:`Members`);
* :mod:`.barriers` — the alignment of the pairs and their linear profiles (:class:`Criterion`);
* :mod:`.curves` — Bézier curves where the line fails (:class:`Curves`);
* :mod:`.partition` — the classes at c and their H0 persistence (:class:`Classes`), the
  sensitivity table;
* :mod:`.spreads` — the bootstrap spreads (:class:`Spreads`);
* :mod:`.mantel` — the threshold-free Mantel test (:class:`MantelTest`);
* :mod:`.affine` — the affine fits within vs between classes (:class:`AffineFits`);
* :mod:`.laws` — the alignment laws on trained networks;
* :mod:`.claims` — the claims with their verdicts (:class:`Claim`);
* :mod:`.records`, :mod:`.dendrogram` — tables and plots;
* :mod:`.classify` — the wiring of all of the above.

The runner's operations are registered in :mod:`catdyn.backends.torch.studies.homotopy.ops`.

>>> import numpy as np
>>> from catdyn.backends.torch.studies.homotopy.partition import classes_of
>>> from catdyn.backends.torch.studies.homotopy.spreads import measure_spreads
>>> B = np.full((4, 4), 0.9); B[:2, :2] = 0.01; B[2:, 2:] = 0.02; np.fill_diagonal(B, 0.0)
>>> k = classes_of(B, 0.1)
>>> k.count, measure_spreads(np.array([0.9, 0.91, 0.8, 0.82]), k.labels, resamples=20).classes_used
(2, 2)

Importing the package imports none of its modules, so that its morphisms can be listed
without torch: import each name from its module.
"""
