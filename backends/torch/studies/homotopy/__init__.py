"""The homotopy-classes study in small steps, one idea per module; each step is a function
from typed values to a typed value, and :mod:`.morphisms` / :mod:`.claim_morphisms` publish
each as one typed morphism of a diagram (``specs/homotopy_classes.py`` wires them):

* :mod:`.train` — the population: every (optimiser, learning rate, seed) member, batched;
* :mod:`.members` — the members that trained, ready to measure (:class:`Members`);
* :mod:`.values` — the measured paths between every pair (:class:`PathProfiles`);
* :mod:`.barriers` — the alignment of the pairs and their straight paths;
* :mod:`.curves` — Bézier curves where the line fails;
* :mod:`.criteria` — the class criteria: line-endpoint, mean-endpoint, sublevel, relative;
* :mod:`.partition` — the classes at c as a coequaliser in FinSet, and their H0 persistence;
* :mod:`.sensitivity` — the classes and spread verdicts under every criterion × c;
* :mod:`.spreads` — the bootstrap spreads (:class:`Spreads`);
* :mod:`.mantel` — the threshold-free Mantel test (:class:`MantelTest`);
* :mod:`.affine` — the affine fits within vs between classes (:class:`AffineFits`);
* :mod:`.laws` — the alignment laws on trained networks;
* :mod:`.claims` — the claims with their verdicts (:class:`Claim`), and the robust verdict;
* :mod:`.records`, :mod:`.dendrogram` — tables and plots.

>>> import numpy as np
>>> B = np.full((4, 4), 0.9); B[:2, :2] = 0.01; B[2:, 2:] = 0.02; np.fill_diagonal(B, 0.0)
>>> k = classes_of(B, 0.1)
>>> k.count, measure_spreads(np.array([0.9, 0.91, 0.8, 0.82]), k.labels, resamples=20).classes_used
(2, 2)
"""

from catdyn.backends.torch.studies.homotopy.affine import AffineFits, affine_fits, sample_pairs
from catdyn.backends.torch.studies.homotopy.claims import (
    PAPER,
    Claim,
    affine_claim,
    count_claim,
    mantel_claim,
    robust_claim,
    spread_claim,
    spread_claims,
)
from catdyn.backends.torch.studies.homotopy.criteria import DEFINITIONS, Levels, levels, path_barriers
from catdyn.backends.torch.studies.homotopy.dendrogram import (
    DENDROGRAM_DRAWER,
    dendrogram_data,
    draw_barrier_dendrogram,
)
from catdyn.backends.torch.studies.homotopy.mantel import MantelTest, mantel_test
from catdyn.backends.torch.studies.homotopy.members import (
    Members,
    dataset_split,
    load_members,
    member_accuracy,
    population_architecture,
)
from catdyn.backends.torch.studies.homotopy.partition import Classes, classes_of, finset_classes
from catdyn.backends.torch.studies.homotopy.sensitivity import sensitivity
from catdyn.backends.torch.studies.homotopy.spreads import Spreads, measure_spreads
from catdyn.backends.torch.studies.homotopy.train import OptimiserGroup, checkpoint_marks, train_population
from catdyn.backends.torch.studies.homotopy.values import PathProfiles

__all__ = [
    "DEFINITIONS",
    "DENDROGRAM_DRAWER",
    "PAPER",
    "AffineFits",
    "Claim",
    "Classes",
    "Levels",
    "MantelTest",
    "Members",
    "OptimiserGroup",
    "PathProfiles",
    "Spreads",
    "affine_claim",
    "affine_fits",
    "checkpoint_marks",
    "classes_of",
    "count_claim",
    "dataset_split",
    "dendrogram_data",
    "draw_barrier_dendrogram",
    "finset_classes",
    "levels",
    "load_members",
    "mantel_claim",
    "mantel_test",
    "measure_spreads",
    "member_accuracy",
    "path_barriers",
    "population_architecture",
    "robust_claim",
    "sample_pairs",
    "sensitivity",
    "spread_claim",
    "spread_claims",
    "train_population",
]
