"""Homotopy classes of optimisation paths, and the paper's claim that homotopic runs generalise
alike (arXiv 2510.04376: within a class < 0.5 % test accuracy, between classes > 3 %, 7 classes
of 100 MNIST networks).

``catdyn run specs/homotopy_classes.py`` (preset ``smoke``: digits, one MLP population, a few
minutes at most on a CPU; ``full``: ≥ 100 networks per population, MLPs on digits and MNIST-1D
and a CNN on digits). For each population (architecture × data set) the networks differ by
seed, optimiser (SGD with momentum, Adam) and learning rate. Then:

    1 --load--> Data --train--> Population
    Population × Data --barriers_k--> Pairs_k            (k = 0 … 3: the pairs in four tasks)
    Population × Data × Pairs_0 × … × Pairs_3 --classify--> Classes

The classes use the line-endpoint barrier (Entezari et al.) of the training loss: the
mean-endpoint one (Frankle et al.) is at least half the endpoints' loss difference, so it
separates networks merely for being trained to different loss levels, which would build the
accuracy difference into the classes; its classes are reported in the sensitivity table.

``classify`` aligns every pair by weight matching (a Perm morphism through the architecture's
declared symmetry), measures loss and error along the linear path (25 points, both barrier
definitions kept), fits a Bézier curve where the line's barrier exceeds ``c`` and the pair could
join two classes, takes the connected components of {barrier ≤ c} as the classes, reports the
H0 persistence over c, and measures the spreads with stratified bootstrap intervals, the affine
fit between representations within vs between classes, and the alignment laws on the trained
networks. Whatever is measured is reported, reproduced or not.

``catdyn check specs/homotopy_classes.py`` checks, without training, the alignment's laws and the
zero barrier of an aligned permuted copy (``laws`` at the bottom). A spec is Python and runs as
code.

A population with an empty seed list is skipped (the smoke preset switches the full preset's
extra populations off that way).
"""

import catdyn.backends.torch.studies.homotopy.ops  # noqa: F401  (registers the operations)
from catdyn.runner import Experiment, P

SGD_ADAM = "optimisers"

exp = Experiment(
    "homotopy-classes",
    seed=0,
    description="Mode-connectivity classes of trained networks and the paper's 0.5 % / 3 % claim.",
    presets={
        "smoke": {
            "mlp_hidden": [32],
            "steps": 800,
            "points": 25,
            "c": 0.1,
            "max_curves": 8,
            "curve_steps": 200,
            "resamples": 1000,
            "digits_mlp_seeds": list(range(6)),
            "optimisers": [
                {"name": "sgd", "lrs": [0.05, 0.2], "momentum": 0.9},
                {"name": "adam", "lrs": [0.001, 0.01]},
            ],
            "digits_cnn_seeds": [],
            "mnist1d_mlp_seeds": [],
        },
        # what the tests run: seconds
        "tiny": {
            "mlp_hidden": [8],
            "steps": 60,
            "points": 5,
            "c": 0.1,
            "max_curves": 1,
            "curve_steps": 5,
            "resamples": 50,
            "digits_mlp_seeds": [0, 1],
            "optimisers": [{"name": "sgd", "lrs": [0.1], "momentum": 0.9}, {"name": "adam", "lrs": [0.01]}],
            "digits_cnn_seeds": [],
            "mnist1d_mlp_seeds": [],
        },
        "full": {
            "mlp_hidden": [64],
            "steps": 3000,
            "points": 25,
            "c": 0.1,
            "max_curves": 40,
            "curve_steps": 400,
            "resamples": 2000,
            "digits_mlp_seeds": list(range(17)),
            "optimisers": [
                {"name": "sgd", "lrs": [0.01, 0.05, 0.2], "momentum": 0.9},
                {"name": "adam", "lrs": [0.0003, 0.001, 0.003]},
            ],
            "digits_cnn_seeds": list(range(17)),
            "mnist1d_mlp_seeds": list(range(17)),
        },
    },
)

digits = exp.stage("Digits", "dataset")
mnist1d = exp.stage("MNIST1D", "dataset")
exp.step("load_digits", None, digits, op="load_data", name="digits", seed=0)
exp.step("load_mnist1d", None, mnist1d, op="load_data", name="mnist1d", seed=42)

POPULATIONS = {
    "DigitsMLP": (digits, {"type": "mlp", "hidden": P("mlp_hidden")}, "digits_mlp_seeds"),
    "MNIST1DMLP": (mnist1d, {"type": "mlp", "hidden": P("mlp_hidden")}, "mnist1d_mlp_seeds"),
    "DigitsCNN": (digits, {"type": "cnn", "image": [1, 8, 8], "channels": [8, 16]}, "digits_cnn_seeds"),
}

PARTS = 4
"""The pairs of each population are measured in this many tasks (``homotopy_barrier_part``),
which an executor may run side by side (``--executor ray``); ``classify`` joins them."""

for name, (data, arch, seeds) in POPULATIONS.items():
    pop = exp.stage(f"{name}Population", "population")
    classes = exp.stage(f"{name}Classes", "homotopy")
    exp.step(
        f"train_{name}",
        data,
        pop,
        op="homotopy_train",
        arch=arch,
        seeds=P(seeds),
        optimisers=P(SGD_ADAM),
        steps=P("steps"),
        batch_size=64,
    )
    chunks = []
    for k in range(PARTS):
        chunk = exp.stage(f"{name}Pairs{k}", "barrier_part")
        exp.step(
            f"barriers_{name}_{k}",
            (pop, data),
            chunk,
            op="homotopy_barrier_part",
            part=k,
            parts=PARTS,
            points=P("points"),
        )
        chunks.append(chunk)
    exp.step(
        f"classify_{name}",
        (pop, data, *chunks),
        classes,
        op="homotopy_classify_parts",
        threshold=P("c"),
        metric="loss",
        split="train",
        definition="line-endpoint",
        points=P("points"),
        max_curves=P("max_curves"),
        curve_steps=P("curve_steps"),
        resamples=P("resamples"),
    )

# What `catdyn check` checks in this spec (before any training): the alignment's laws on the
# smoke architecture and on the CNN (the aligned network computes the same function; its
# realisation is the permuted realisation; weight matching inverts a planted permutation), and
# that a planted permuted copy, once aligned, has zero barrier under both definitions.
import torch  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from catdyn.backends.torch.data.datasets import load_digits  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN, MLP  # noqa: E402
from catdyn.backends.torch.models.symmetry import permute, random_element  # noqa: E402
from catdyn.backends.torch.paths.alignment import alignment_laws, weight_matching  # noqa: E402
from catdyn.backends.torch.paths.interpolation import linear_path  # noqa: E402
from catdyn.checker.law import Law, approx  # noqa: E402

_digits = load_digits(seed=0)
_mlp, _cnn = MLP((64, 32, 10)), CNN((1, 8, 8), (8, 16), 10)
_x = _digits.test.x[:64]
_m0, _m1 = (_mlp.init(torch.Generator().manual_seed(s)) for s in (0, 1))
_c0, _c1 = (_cnn.init(torch.Generator().manual_seed(s)) for s in (0, 1))


def _aligned_twin_barriers(seed: int) -> tuple[float, ...]:
    twin = permute(_mlp, _m0, random_element(_mlp, torch.Generator().manual_seed(seed)))
    aligned = permute(_mlp, twin, weight_matching(_mlp, _m0, twin).permutation)
    prof = linear_path(_mlp, _m0, aligned, (_x, _digits.test.y[:64]), points=5)
    return tuple(prof.barriers().values())


laws = [
    *alignment_laws(_mlp, _m0, _m1, _x),
    *alignment_laws(_cnn, _c0, _c1, _x.reshape(-1, 1, 8, 8)),
    Law(
        "an aligned permuted copy has zero barrier",
        "alignment",
        _aligned_twin_barriers,
        lambda seed: (0.0,) * 4,
        arguments=st.integers(0, 2**31 - 1).map(lambda s: (s,)),
        argnames=("seed",),
        compare=approx(rtol=0.0, atol=1e-6),
        subject=_mlp.name,
        statement="barrier(θ, weight_matching(θ, τ·θ)·τ·θ) = 0 for both definitions, loss and error",
    ),
]
