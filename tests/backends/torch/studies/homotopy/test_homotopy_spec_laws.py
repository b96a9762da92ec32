"""The spec's own law (an aligned permuted copy has zero barrier) holds, and catches a planted
violation: the same copy left unaligned has a barrier, and the check refutes the law."""

import dataclasses
import os

import torch

from catdyn.checker.law import CheckConfig, check_law
from catdyn.runner.spec import load_spec

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "specs", "homotopy_classes.py")


def test_the_zero_barrier_law_holds_and_a_planted_violation_is_refuted() -> None:
    from catdyn.backends.torch.models.symmetry import permute, random_element
    from catdyn.backends.torch.paths.interpolation import linear_path

    spec = load_spec(SPEC)
    (law,) = [w for w in spec.laws if w.name == "an aligned permuted copy has zero barrier"]
    assert check_law(law, CheckConfig(examples=3, seed=0)).status == "held"

    def unaligned(seed: int) -> tuple[float, ...]:  # the planted bug: the alignment step skipped
        twin = permute(spec._mlp, spec._m0, random_element(spec._mlp, torch.Generator().manual_seed(seed)))
        prof = linear_path(spec._mlp, spec._m0, twin, (spec._x, spec._digits.test.y[:64]), points=5)
        return tuple(prof.barriers().values())

    assert check_law(dataclasses.replace(law, lhs=unaligned), CheckConfig(examples=3, seed=0)).status == "refuted"
