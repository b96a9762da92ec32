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
>>> B = np.full((4, 4), 0.9); B[:2, :2] = 0.01; B[2:, 2:] = 0.02; np.fill_diagonal(B, 0.0)
>>> k = classes_of(B, 0.1)
>>> k.count, measure_spreads(np.array([0.9, 0.91, 0.8, 0.82]), k.labels, resamples=20).classes_used
(2, 2)
"""

from catdyn.backends.torch.studies.homotopy.affine import AffineFits, affine_fits, sample_pairs
from catdyn.backends.torch.studies.homotopy.barriers import (
    Criterion,
    join_parts,
    measure_barriers,
    permutation_of,
)
from catdyn.backends.torch.studies.homotopy.claims import (
    PAPER,
    Claim,
    affine_claim,
    count_claim,
    mantel_claim,
    setting,
    spread_claim,
    spread_claims,
)
from catdyn.backends.torch.studies.homotopy.classify import classify_population
from catdyn.backends.torch.studies.homotopy.curves import CurveFit, Curves, candidate_pairs, fit_curves
from catdyn.backends.torch.studies.homotopy.dendrogram import (
    DENDROGRAM_DRAWER,
    dendrogram_data,
    draw_barrier_dendrogram,
)
from catdyn.backends.torch.studies.homotopy.laws import alignment_law_results
from catdyn.backends.torch.studies.homotopy.mantel import MantelTest, mantel_test
from catdyn.backends.torch.studies.homotopy.members import (
    Members,
    dataset_split,
    load_members,
    member_accuracy,
    population_architecture,
)
from catdyn.backends.torch.studies.homotopy.partition import Classes, classes_of, sensitivity
from catdyn.backends.torch.studies.homotopy.spreads import Spreads, measure_spreads
from catdyn.backends.torch.studies.homotopy.train import OptimiserGroup, checkpoint_marks, train_population

__all__ = [
    "DENDROGRAM_DRAWER",
    "PAPER",
    "AffineFits",
    "Claim",
    "Classes",
    "Criterion",
    "CurveFit",
    "Curves",
    "MantelTest",
    "Members",
    "OptimiserGroup",
    "Spreads",
    "affine_claim",
    "affine_fits",
    "alignment_law_results",
    "candidate_pairs",
    "checkpoint_marks",
    "classes_of",
    "classify_population",
    "count_claim",
    "dataset_split",
    "dendrogram_data",
    "draw_barrier_dendrogram",
    "fit_curves",
    "join_parts",
    "load_members",
    "mantel_claim",
    "mantel_test",
    "measure_barriers",
    "measure_spreads",
    "member_accuracy",
    "permutation_of",
    "population_architecture",
    "sample_pairs",
    "sensitivity",
    "setting",
    "spread_claim",
    "spread_claims",
    "train_population",
]
