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

    1 --LoadDataset--> Digits --OneAtATime--> Design
    Design × Digits --TrainGroup[g]--> Pop g              (one per group of configurations sharing shapes)
    Digits × Pop … --Generalisation--> Gaps;  --Sharpness--> Sharpness;  Pop … --WeightNorm--> Norms;
        Pop … --PHDimension--> PH dimension
    per direction seed s:
        Digits × Pop … --TrainingHalves--> Halves s --HalvesMean--> Landscapes s --Persistence--> Diagrams s
        Halves s --HalvesSup--> Floors s
        Landscapes s × Diagrams s × Floors s --LandscapeFeatures--> Features s
    Features … --DirectionMean--> Features
    Design × Gaps × Norms × Sharpness × PH dimension × Features (× the same for other populations)
        --ModelTable--> Models --Assess--> Measures;  Measures × Models --GapClaims--> Claims

A label-noise model trains on noisy labels; its gap (``gap``) and its landscape are both taken
on those labels, the loss it minimised, so target and predictor describe the same objective;
``gap_clean`` (the gap on the true labels of the same inputs) is in the model table beside it.
The slope's sign claim is never "contradicted" (or "reproduced") when one model left out, or
the bootstrap, flips the sign: it is then "inconclusive", and the claim says why.

``smoke``: a dozen small MLPs on digits (a couple of minutes on a CPU); ``full``: 72 models —
MLPs and CNNs on digits, MLPs on MNIST-1D; ``tiny``: four MLPs, for the tests.

**Distribution shift** (the paper's next check 2; preset ``shift``: the smoke population, and
``tiny``): each digits model's gap on its own test split under shift — pixel noise (σ = 0.2)
and a rotation by 20° (:class:`ShiftedTest`) — is one more target, and every measure and
baseline is assessed against it:

    ShiftedTest: Digits → Digits noise 0.2;   Generalisation(tag=noi02): Digits noise 0.2 × Pop … → Gaps noi02
    Assess(target=gap_noi02): Models → Measures gap_noi02;   GapClaims: Measures gap_noi02 × Models → Claims gap_noi02

    MNIST1DShift: MNIST1D → MNIST1D tra72;   Generalisation(tag=tra72): MNIST1D tra72 × Pop … → Gaps tra72

(written without arrows: the smoke diagram above does not wire them). The ``shift`` preset also
trains the smoke design on MNIST-1D and draws its test split from the generator under other
arguments (:class:`MNIST1DShift`): a wider shift (``max_translation`` 72: rolls of 0–71 instead
of 0–47), more noise (correlated 0.5 and i.i.d. 0.1 instead of 0.25 and 0.02) and a wider scale
(``scale_coeff`` 1.5: 1 ± 0.75 instead of 1 ± 0.2); each gap is a target only for the models of
its own data set (the others' rows are NaN and left out), and its ``gap`` pools both data sets.

**Slice and noise floor.** The grid is ``grid``² points over [−``span``, ``span``]² in
filter-normalised units, on the training set (``batch`` ≥ ``n_train`` in ``smoke`` and
``full``, so a landscape is a function of the model alone, not of a drawn batch). The noise
floor is measured, not chosen: ``"halves"`` takes, per grid, sup |f_A − f_B| over the landscapes
of the same plane on two random halves of those samples; by the stability law a feature longer
than that survives whichever half is drawn (:class:`HalvesSup`). The halves are computed once
(:class:`TrainingHalves`): the loss is a mean over samples, so the landscape on the samples is
their mean weighted by the halves' sizes (:class:`HalvesMean`), for the price of one grid. What the smoke
population measured (the slice's span and grid, the floors against total persistence) is in
``docs/measurements/persistence.md``.

``catdyn check specs/persistence_generalisation.py`` checks, without running the study, the
stability law the noise floor rests on, on real landscape grids of trained digits MLPs: the
bottleneck distance between the diagrams of f and f + η is at most sup|η|, for random η and for
the difference between the landscapes of one plane on two data halves (``stability`` at the
bottom).
"""

from catdyn import experiment
from catdyn.backends.torch.studies.persistence.laws import digits_landscapes, landscape_stability_law
from catdyn.backends.torch.studies.persistence.morphisms import (
    Assess,
    DirectionMean,
    GapClaims,
    Generalisation,
    HalvesMean,
    HalvesSup,
    LandscapeFeatures,
    MNIST1DShift,
    ModelTable,
    OneAtATime,
    Persistence,
    PHDimension,
    Sharpness,
    ShiftedTest,
    TrainGroup,
    TrainingHalves,
    WeightNorm,
)
from catdyn.backends.torch.training.morphisms import LoadDataset
from catdyn.runner.compiler import arrow_seed

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

SMOKE = {"base": BASE, "vary": VARY, "seeds": [0], "steps": 300, "dir_seeds": [0, 1], "grid": 21, "span": 1.0,
         "batch": 600, "resamples": 1000, "permutations": 999, "use_digits_mlp": True}
TINY = {"base": {**BASE, "n_train": 200}, "vary": {"width": [16], "lr": [0.3], "label_noise": [0.3]}, "seeds": [0],
        "steps": 40, "dir_seeds": [0], "grid": 9, "span": 1.0, "batch": 128, "resamples": 50, "permutations": 49,
        "use_digits_mlp": True, "shifts": [("rotation", 20.0)]}
MNIST1D_SHIFTS = [("tra72", {"max_translation": 72}), ("noi05", {"corr_noise_scale": 0.5, "iid_noise_scale": 0.1}),
                  ("sca15", {"scale_coeff": 1.5})]
"""MNIST-1D's test split from its generator with a wider shift (0–71 instead of 0–47), more noise
(correlated 0.5, i.i.d. 0.1 instead of 0.25, 0.02) and a wider scale (1 ± 0.75 instead of 1 ± 0.2)."""
SHIFT = {**SMOKE, "shifts": [("noise", 0.2), ("rotation", 20.0)], "use_mnist1d_mlp": True,
         "mnist1d_shifts": MNIST1D_SHIFTS}
FULL = {"base": FULL_BASE, "vary": FULL_VARY, "seeds": [0, 1], "steps": 2000, "dir_seeds": [0, 1, 2, 3, 4],
        "grid": 41, "span": 1.0, "batch": 1200, "resamples": 2000, "permutations": 1999, "use_digits_mlp": True,
        "use_digits_cnn": True, "use_mnist1d_mlp": True}

DATA = {"digits": ("Digits", 0), "mnist1d": ("MNIST1D", 42)}
POPULATIONS = {"digits_mlp": ("digits", "mlp", None), "digits_cnn": ("digits", "cnn", (1, 8, 8)),
               "mnist1d_mlp": ("mnist1d", "mlp", None)}
# The seeds the earlier form of this spec drew for its population and study tasks (from their
# names), given explicitly so that the label noise, sharpness, PH dimension and bootstraps carry across.
OLD_SEED = {name: arrow_seed(0, f"population_{name}") for name in POPULATIONS} | {"study": arrow_seed(0, "study")}


def population(e, name, data, family, shape, p):
    """One population's arrows; returns its trained groups and the tables its models' rows are
    joined from."""
    design = OneAtATime(base=p["base"], vary=p["vary"], seeds=p["seeds"], family=family, input_shape=shape)
    plan = e.add(f"Design {name}", design, data)
    seed = OLD_SEED[name]
    pops = [e.add(f"Pop {name} {i}", TrainGroup(rows=rows, steps=p["steps"], input_shape=shape, noise_seed=seed),
                  plan, data) for i, rows in enumerate(design.groups())]
    tables = [plan, e.add(f"Gaps {name}", Generalisation(), data, *pops),
              e.add(f"Norms {name}", WeightNorm(), *pops),
              e.add(f"Sharpness {name}", Sharpness(seed=seed), data, *pops),
              e.add(f"PH dimension {name}", PHDimension(seed=seed), *pops)]
    features = []
    for s in p["dir_seeds"]:
        slice_ = {"steps": p["grid"], "span": p["span"], "batch": p["batch"], "directions_seed": s}
        halves = e.add(f"Halves {name} {s}", TrainingHalves(**slice_), data, *pops)
        grids = e.add(f"Landscapes {name} {s}", HalvesMean(), halves)
        diagrams = e.add(f"Diagrams {name} {s}", Persistence(), grids)
        floors = e.add(f"Floors {name} {s}", HalvesSup(), halves)
        features.append(e.add(f"Features {name} {s}", LandscapeFeatures(figures=s == p["dir_seeds"][0]),
                              grids, diagrams, floors))
    return pops, [*tables, e.add(f"Features {name}", DirectionMean(), *features)]


@experiment(name="persistence-generalisation", seed=0,
            presets={"smoke": SMOKE, "tiny": TINY, "shift": SHIFT, "full": FULL})
def persistence_generalisation(e, p):
    """Landscape persistence against the generalisation gap, with plain baselines (and, with
    ``shifts``, against the gap on digits test sets under distribution shift)."""
    loaded, tables, digits_pops, mnist1d_pops = {}, [], [], []
    for name, (dataset, family, shape) in POPULATIONS.items():
        if not p.get(f"use_{name}", False):
            continue
        if dataset not in loaded:
            node, seed = DATA[dataset]
            loaded[dataset] = e.add(node, LoadDataset(dataset=dataset, seed=seed))
        pops, more = population(e, name, loaded[dataset], family, shape, p)
        tables += more
        digits_pops += pops if dataset == "digits" else []
        mnist1d_pops += pops if dataset == "mnist1d" else []
    targets = ["gap"]
    for kind, amount in p.get("shifts", ()):
        tag = f"{kind[:3]}{amount:g}".replace(".", "")
        shifted = e.add(f"Digits {kind} {amount:g}", ShiftedTest(kind=kind, amount=amount), loaded["digits"])
        tables.append(e.add(f"Gaps {tag}", Generalisation(tag=tag), shifted, *digits_pops))
        targets.append(f"gap_{tag}")
    for tag, generator in p.get("mnist1d_shifts", ()) if mnist1d_pops else ():
        shifted = e.add(f"MNIST1D {tag}", MNIST1DShift(seed=DATA["mnist1d"][1], **generator), loaded["mnist1d"])
        tables.append(e.add(f"Gaps {tag}", Generalisation(tag=tag), shifted, *mnist1d_pops))
        targets.append(f"gap_{tag}")
    models = e.add("Models", ModelTable(), *tables)
    for target in targets:
        suffix = "" if target == "gap" else f" {target}"
        assess = Assess(target=target, resamples=p["resamples"], permutations=p["permutations"], seed=OLD_SEED["study"])
        e.add(f"Claims{suffix}", GapClaims(), e.add(f"Measures{suffix}", assess, models), models)


# What `catdyn check` checks in this spec: the stability law of the persistence pipeline the study
# uses (vertex construction, gudhi), on loss landscapes of trained digits MLPs; the grids are
# computed when the checker first draws from the law, not when the spec loads.
stability = landscape_stability_law(digits_landscapes)
