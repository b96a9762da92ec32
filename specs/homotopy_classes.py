"""Homotopy classes of optimisation paths, and the paper's claim that homotopic runs generalise
alike (arXiv 2510.04376: within a class < 0.5 % test accuracy, between classes > 3 %, 7 classes
of 100 MNIST networks).

``catdyn run specs/homotopy_classes.py`` (preset ``smoke``: digits, one MLP population, a few
minutes on a CPU; ``tiny``: what the tests run, seconds; ``contrast``: 16 MLPs fitted to 200
training digits with and without weight decay, SGD and Adam, a population where networks that
all fit the training set may generalise differently; ``teeth``: 12 MLPs fitted to 200 training digits by one
SGD setting, half of them first pre-trained on randomly permuted labels (Liu et al. 2020), so that all fit the
training set while the pre-trained ones generalise worse, with ``KnownGroups`` asking whether the classes
separate the two groups; ``teeth-tiny``: the same at test size; ``full``: ≥ 100 networks per population,
MLPs on digits and MNIST-1D and a CNN on digits). For each population (architecture
× data set) the networks differ by seed, optimiser (SGD with momentum, Adam) and learning rate.
Each population with seeds is this diagram (a population with none is left out):

    1 --LoadDataset--> Digits --HomotopyTrain--> Population
    Population × Digits --Evaluate--> Accuracy
    Population × Digits --LinearPaths--> Lines
    Lines × Population × Digits --Curves--> Paths
    Paths --Criterion--> Barriers --Classes--> Classes
    Barriers --ClassCount--> Count
    Classes × Accuracy --ClassSpreads--> Spreads
    Paths × Accuracy --Sensitivity--> Sensitivity
    Spreads × Sensitivity --RobustVerdicts--> Verdicts
    Barriers × Accuracy --Mantel--> Mantel
    Population × Digits × Classes --AffineFits--> Affine
    Population × Digits --AlignmentLaws--> Laws
    Population × Classes × Accuracy × Barriers --KnownGroups--> Separation   (teeth presets only;
    ``also_separate`` adds Paths --Criterion--> Barriers' --Classes--> Classes' and KnownGroups on them)

``LinearPaths`` aligns every pair by weight matching (a Perm morphism through the architecture's
declared symmetry) and profiles loss and error on both splits along the straight path (25
points), so every barrier definition can be read off it. ``Curves`` fits a Bézier curve where
the line fails the chosen criterion at c and the pair could join two classes. ``Criterion``
reads the barrier matrix: the chosen class criterion is the line-endpoint barrier (Entezari et
al.) of the training loss, absolute c = 0.1; the others are the mean-endpoint barrier (Frankle et
al.), the paper's **sublevel** reading (a path within {L ≤ c}; a network whose own loss exceeds c
is in no class: *not converged*), and the **relative** barrier (line-endpoint ÷ mean endpoint
loss). ``Classes`` takes π0 of {barrier ≤ c} as a coequaliser in FinSet; ``ClassCount`` reports
the count with its H0 persistence over c; ``ClassSpreads`` the spreads at the chosen criterion
with stratified bootstrap intervals; ``Sensitivity`` the classes and verdicts under every
criterion × c; ``RobustVerdicts`` keeps a spread verdict only where no row of that table
disagrees (otherwise *inconclusive*, naming the rows); ``Mantel`` is the threshold-free reading;
``AffineFits`` the affine maps between representations within vs between classes;
``AlignmentLaws`` the alignment laws on the trained networks. Whatever is measured is reported,
reproduced or not.

``catdyn check specs/homotopy_classes.py`` checks, without training, the alignment's laws and the
zero barrier of an aligned permuted copy (``laws`` at the bottom). A spec is Python and runs as
code.
"""

from catdyn import experiment
from catdyn.backends.torch.studies.homotopy.claim_morphisms import (
    AffineFits,
    AlignmentLaws,
    Mantel,
    RobustVerdicts,
    Sensitivity,
)
from catdyn.backends.torch.studies.homotopy.group_morphisms import KnownGroups
from catdyn.backends.torch.studies.homotopy.morphisms import (
    ClassCount,
    Classes,
    ClassSpreads,
    Criterion,
    Curves,
    HomotopyTrain,
    LinearPaths,
)
from catdyn.backends.torch.training.morphisms import Evaluate, LoadDataset

SGD_ADAM_SMOKE = ({"name": "sgd", "lrs": (0.05, 0.2), "momentum": 0.9}, {"name": "adam", "lrs": (0.001, 0.01)})
SMOKE = {"mlp_hidden": [32], "steps": 800, "points": 25, "criterion": "line-endpoint", "c": 0.1, "max_curves": 8,
         "curve_steps": 200, "resamples": 1000, "optimisers": SGD_ADAM_SMOKE, "grid": None,
         "digits_mlp_seeds": tuple(range(6)), "digits_cnn_seeds": (), "mnist1d_mlp_seeds": ()}
TINY = {**SMOKE, "mlp_hidden": [8], "steps": 60, "points": 5, "max_curves": 1, "curve_steps": 5, "resamples": 50,
        "optimisers": ({"name": "sgd", "lrs": (0.1,), "momentum": 0.9}, {"name": "adam", "lrs": (0.01,)}),
        "grid": {"line-endpoint": (0.1,), "sublevel": (0.1, 1.0), "relative": (1.0,)}, "digits_mlp_seeds": (0, 1)}
CONTRAST = {**SMOKE, "n_train": 200, "steps": 1500, "resamples": 1000,
            "optimisers": ({"name": "sgd", "lrs": (0.05,), "momentum": 0.9},
                           {"name": "sgd", "lrs": (0.05,), "momentum": 0.9, "weight_decay": 0.01},
                           {"name": "adam", "lrs": (0.001, 0.01)}),
            "digits_mlp_seeds": (0, 1, 2, 3)}
"""A population where the claim could fail: 200 training digits, so every setting fits them (train
loss ≤ 0.1) while test accuracy may differ by setting (weight decay on/off, SGD vs Adam)."""
SGD_PLAIN = {"name": "sgd", "lrs": (0.05,), "momentum": 0.9}
TEETH = {**CONTRAST, "steps": 1500, "digits_mlp_seeds": tuple(range(6)), "known_groups": "pretrain",
         "also_separate": (("relative", 5.0),),
         "optimisers": (SGD_PLAIN, {**SGD_PLAIN, "random_labels": {"steps": 3000, "lr": 0.05, "label_seed": 0}})}
"""Where the claim has teeth (Liu et al. 2020): 12 MLPs fitted to 200 training digits by the same SGD, six of
them first pre-trained on those digits under randomly permuted labels; all fit the clean labels, the
pre-trained ones generalise worse. ``KnownGroups`` asks whether the barrier classes separate the two groups,
under the chosen criterion and under the relative one at c = 5 (``also_separate``: the one criterion of the
sensitivity table whose classes there are neither one nor all singletons)."""
TEETH_TINY = {**TINY, "n_train": 100, "known_groups": "pretrain",
              "optimisers": ({"name": "sgd", "lrs": (0.1,)}, {"name": "sgd", "lrs": (0.1,), "random_labels": {"steps": 20}})}
FULL = {**SMOKE, "mlp_hidden": [64], "steps": 3000, "max_curves": 40, "curve_steps": 400, "resamples": 2000,
        "optimisers": ({"name": "sgd", "lrs": (0.01, 0.05, 0.2), "momentum": 0.9},
                       {"name": "adam", "lrs": (0.0003, 0.001, 0.003)}),
        "digits_mlp_seeds": tuple(range(17)), "digits_cnn_seeds": tuple(range(17)),
        "mnist1d_mlp_seeds": tuple(range(17))}

POPULATIONS = {
    "DigitsMLP": ("digits", lambda p: {"type": "mlp", "hidden": p["mlp_hidden"]}, "digits_mlp_seeds"),
    "MNIST1DMLP": ("mnist1d", lambda p: {"type": "mlp", "hidden": p["mlp_hidden"]}, "mnist1d_mlp_seeds"),
    "DigitsCNN": ("digits", lambda p: {"type": "cnn", "image": [1, 8, 8], "channels": [8, 16]}, "digits_cnn_seeds"),
}
DATA = {"digits": ("Digits", 0), "mnist1d": ("MNIST1D", 42)}


def population(e, name, data, arch, seeds, p):
    """One population's diagram (the module docstring); the training arrow is named
    ``train_<population>``, the name its seed is drawn from, so stored task keys and the
    trained population stay the same across catdyn versions."""
    crit, c = p["criterion"], p["c"]
    pop = e.add(f"{name} population", HomotopyTrain(arch=arch, seeds=seeds, optimisers=p["optimisers"],
                                                    steps=p["steps"]), data, name=f"train_{name}")
    acc = e.add(f"{name} accuracy", Evaluate(), pop, data)
    lines = e.add(f"{name} lines", LinearPaths(points=p["points"]), pop, data)
    paths = e.add(f"{name} paths", Curves(definition=crit, c=c, max_curves=p["max_curves"],
                                          curve_steps=p["curve_steps"]), lines, pop, data)
    barriers = e.add(f"{name} barriers", Criterion(definition=crit), paths)
    classes = e.add(f"{name} classes", Classes(c=c), barriers)
    e.add(f"{name} count", ClassCount(c=c), barriers)
    chosen = e.add(f"{name} spreads", ClassSpreads(resamples=p["resamples"], tag=f"({crit}, c = {c:g})"),
                   classes, acc)
    grid = {} if p["grid"] is None else {"grid": p["grid"]}
    table = e.add(f"{name} sensitivity", Sensitivity(resamples=p["resamples"], **grid), paths, acc)
    e.add(f"{name} verdicts", RobustVerdicts(), chosen, table)
    e.add(f"{name} Mantel", Mantel(permutations=min(p["resamples"], 2000)), barriers, acc)
    e.add(f"{name} affine", AffineFits(), pop, data, classes)
    e.add(f"{name} laws", AlignmentLaws(), pop, data)
    if p.get("known_groups"):
        e.add(f"{name} known groups", KnownGroups(key=p["known_groups"], resamples=p["resamples"],
                                                  tag=f"({crit}, c = {c:g})"), pop, classes, acc, barriers)
    for other, level in p.get("also_separate", ()):
        b = e.add(f"{name} barriers {other}", Criterion(definition=other), paths)
        k = e.add(f"{name} classes {other} {level:g}", Classes(c=level), b)
        e.add(f"{name} known groups {other} {level:g}", KnownGroups(key=p["known_groups"], resamples=p["resamples"],
                                                                   tag=f"({other}, c = {level:g})"), pop, k, acc, b)


@experiment(name="homotopy-classes", seed=0, presets={"tiny": TINY, "smoke": SMOKE, "contrast": CONTRAST,
                                                                "teeth": TEETH, "teeth-tiny": TEETH_TINY, "full": FULL})
def homotopy_classes(e, p):
    """Mode-connectivity classes of trained networks and the paper's 0.5 % / 3 % claim."""
    loaded = {}
    for name, (dataset, arch, seeds) in POPULATIONS.items():
        if not p[seeds]:
            continue
        if dataset not in loaded:
            node, seed = DATA[dataset]
            loaded[dataset] = e.add(node, LoadDataset(dataset=dataset, seed=seed, n_train=p.get("n_train")))
        population(e, name, loaded[dataset], arch(p), p[seeds], p)


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
