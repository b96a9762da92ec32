"""The affine fits' pairs and stages, and the alignment laws on trained members."""

import numpy as np

from catdyn.backends.torch.studies.homotopy.affine import affine_fits, sample_pairs
from catdyn.backends.torch.studies.homotopy.laws import alignment_law_results


def test_sample_pairs_is_every_pair_or_a_seeded_subset() -> None:
    every = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    assert sample_pairs(6, 100, seed=0) == every
    few = sample_pairs(6, 5, seed=3)
    assert len(few) == 5 and set(few) <= set(every) and few == sorted(few)
    assert few == sample_pairs(6, 5, seed=3)


def test_affine_fits_have_one_residual_per_stage(population: dict, members) -> None:
    labels = np.array([0, 0, 1, 1, 2, 2])[: members.n]
    fits = affine_fits(
        members, population["checkpoints"], labels, layer=None, n_probe=60, max_pairs=100, seed=0
    )
    assert fits.layer == members.net.layers()[-2]
    assert fits.stages == sorted(int(s) for s in population["checkpoints"])
    assert fits.within.shape == fits.between.shape == (len(fits.stages),)
    assert fits.pairs == members.n * (members.n - 1) // 2 and fits.probe == 60


def test_alignment_laws_hold_on_trained_members(members) -> None:
    results = alignment_law_results(members, n_probe=40, examples=1, seed=0)
    assert results and {r.status for r in results} == {"held"}
