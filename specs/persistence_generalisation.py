"""Does the persistent homology of the loss landscape predict generalisation?

The paper (arXiv 2510.04376) reports gap = −0.034 · total persistence + 0.12 with R² = 0.82
over 50 ResNet-18 on CIFAR-10. catdyn measures it on populations it can train: one-at-a-time
variations of width, learning rate, batch size, weight decay, label noise and training-set size
around a base configuration, several seeds each. For every model: a 2-D filter-normalised
slice of the training loss on a fixed batch, for several direction seeds; sublevel persistence
(vertex construction, H0 and H1, gudhi); total persistence and the other features, averaged
over the direction seeds; the baselines (ℓ2 norm of the weights, sharpness as the top Hessian
eigenvalue, final train loss) and the PH dimension of the trajectory. The gap is train
accuracy − test accuracy. Claims: the R² of the gap on total persistence and the sign of the
slope, each with a bootstrap interval and a verdict, beside the baselines.

    1 --load--> Digits --population--> Pop --(Pop × Digits) landscape--> Grids --persistence--> Features
    Pop × Grids (× the same for other populations) --study--> Claims

``smoke``: a dozen small MLPs on digits (a couple of minutes on a CPU); ``full``: 72 models —
MLPs and CNNs on digits, MLPs on MNIST-1D.

**Slice and noise floor.** The grid is ``grid``² points over [−``span``, ``span``]² in
filter-normalised units, on the training set (``batch`` ≥ ``n_train`` in ``smoke`` and
``full``, so a landscape is a function of the model alone, not of a drawn batch). The noise
floor is measured, not chosen: ``"halves"`` takes, per grid, sup |f_A − f_B| over the landscapes
of the same plane on two random halves of those samples; by the stability law a feature longer
than that survives whichever half is drawn (see ``measure_landscapes``). What the smoke
population measured (the slice's span and grid, the floors against total persistence) is in
``docs/measurements/persistence.md``.

``catdyn check specs/persistence_generalisation.py`` checks, without running the study, the
stability law the noise floor rests on, on real landscape grids of trained digits MLPs: the
bottleneck distance between the diagrams of f and f + η is at most sup|η|, for random η and for
the difference between the landscapes of one plane on two data halves (``stability`` at the
bottom).
"""

import catdyn.backends.torch.studies.persistence.ops  # noqa: F401  (registers the operations)
from catdyn.backends.torch.studies.persistence.laws import digits_landscapes, landscape_stability_law
from catdyn.runner import Experiment, P

BASE = {"width": 32, "lr": 0.1, "batch_size": 64, "weight_decay": 0.0, "label_noise": 0.0, "n_train": 600}
VARY = {
    "width": [16, 64],
    "lr": [0.03, 0.3],
    "batch_size": [32, 128],
    "weight_decay": [1e-3, 1e-2],
    "label_noise": [0.1, 0.3],
    "n_train": [300],
}
FULL_BASE = {**BASE, "n_train": 1200}
FULL_VARY = {**VARY, "n_train": [300, 600]}

exp = Experiment(
    "persistence-generalisation",
    seed=0,
    description="Landscape persistence against the generalisation gap, with plain baselines.",
    presets={
        "smoke": {
            "base": BASE,
            "vary": VARY,
            "seeds": [0],
            "steps": 300,
            "dir_seeds": [0, 1],
            "grid": 21,
            "span": 1.0,
            "batch": 600,
            "noise_floor": "halves",
            "resamples": 1000,
            "permutations": 999,
            "use_digits_mlp": True,
        },
        "tiny": {
            "base": {**BASE, "n_train": 200},
            "vary": {"width": [16], "lr": [0.3], "label_noise": [0.3]},
            "seeds": [0],
            "steps": 40,
            "dir_seeds": [0],
            "grid": 9,
            "batch": 128,
            "resamples": 50,
            "permutations": 49,
            "use_digits_mlp": True,
        },
        "full": {
            "base": FULL_BASE,
            "vary": FULL_VARY,
            "seeds": [0, 1],
            "steps": 2000,
            "dir_seeds": [0, 1, 2, 3, 4],
            "grid": 41,
            "span": 1.0,
            "batch": 1200,
            "noise_floor": "halves",
            "resamples": 2000,
            "permutations": 1999,
            "use_digits_mlp": True,
            "use_digits_cnn": True,
            "use_mnist1d_mlp": True,
        },
    },
)

digits = exp.stage("Digits", "dataset")
exp.step("load_digits", None, digits, op="load_data", name="digits", seed=0)
mnist1d = exp.stage("MNIST1D", "dataset")
exp.step("load_mnist1d", None, mnist1d, op="load_data", name="mnist1d", seed=42)

POPULATIONS = {
    "digits_mlp": (digits, "mlp", None),
    "digits_cnn": (digits, "cnn", [1, 8, 8]),
    "mnist1d_mlp": (mnist1d, "mlp", None),
}
study_inputs = []
for name, (data, family, shape) in POPULATIONS.items():
    pop = exp.stage(f"Pop_{name}", "population")
    grids = exp.stage(f"Grids_{name}", "landscapes")
    feats = exp.stage(f"Features_{name}", "features")
    exp.step(
        f"population_{name}",
        data,
        pop,
        op="landscape_population",
        base=P("base"),
        vary=P("vary"),
        seeds=P("seeds"),
        family=family,
        steps=P("steps"),
        input_shape=shape,
        enabled=P(f"use_{name}", default=False),
    )
    exp.step(
        f"landscape_{name}",
        (pop, data),
        grids,
        op="landscape",
        seeds=P("dir_seeds"),
        steps=P("grid"),
        span=P("span", default=1.0),
        batch=P("batch"),
        noise_floor=P("noise_floor", default="halves"),
    )
    exp.step(f"persistence_{name}", grids, feats, op="persistence")
    study_inputs += [pop, grids]

claims = exp.stage("Claims", "claims")
exp.step(
    "study",
    tuple(study_inputs),
    claims,
    op="persistence_study",
    resamples=P("resamples"),
    permutations=P("permutations"),
)

# What `catdyn check` checks in this spec: the stability law of the persistence pipeline the study
# uses (vertex construction, gudhi), on loss landscapes of trained digits MLPs; the grids are
# computed when the checker first draws from the law, not when the spec loads.
stability = landscape_stability_law(digits_landscapes)
