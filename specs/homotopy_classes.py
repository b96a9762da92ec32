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

A population with an empty seed list is skipped (the smoke preset switches the full preset's
extra populations off that way).
"""

import catdyn.backends.torch.homotopy_study  # noqa: F401  (registers the operations)
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
