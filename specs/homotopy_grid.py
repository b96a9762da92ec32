"""The homotopy claim on 3 architectures × 3 data sets (the paper's own next check, issue 14):
do networks whose optimisation paths are homotopic generalise alike (arXiv 2510.04376: within a
class < 0.5 % test accuracy, between classes > 3 %) for a CNN, a GRU and a tiny Transformer, on
digits, MNIST-1D and modular arithmetic?

The data sets: scikit-learn's digits; MNIST-1D generated locally; ``(a + b) mod p`` over every
pair of residues mod a prime p, generated from a seed (:mod:`catdyn.backends.torch.data.modular`),
a task on which small networks are known to memorise, generalise late or not at all, so the
networks of one cell may all fit their training pairs and still differ at test. Each
architecture reads each data set in the form that suits it (``InputView``): the GRU and the
Transformer a sequence ``(T, F)`` (digits as 8 rows of 8 pixels, MNIST-1D as 40 steps of one
value, a pair as 2 one-hot tokens, which the Transformer's linear embedding turns into an
embedding table); the CNN digits as 8 × 8 images and the sequences as the channels of a 1 × T
image with no pooling, so its 3 × 3 kernel convolves along the sequence only (a 1-D convolution
of width 3: the kernel's top and bottom rows see only padding and never change the function).

Each cell (architecture × data set) is this diagram, its arrows the homotopy study's published
morphisms; the cells meet in one table and its claims:

    1 --LoadDataset/LoadModular--> Data --InputView--> View
    View --HomotopyTrain--> Population
    Population × View --Evaluate--> Accuracy
    Population × View --LinearPaths--> Lines
    Lines × Population × View --Curves--> Paths
    Paths --Criterion--> Barriers --Classes--> Classes
    Paths --Criterion--> Sublevel barriers --Classes--> Sublevel classes
    Classes × Accuracy --ClassSpreads--> Spreads
    Paths × Accuracy --Sensitivity--> Sensitivity
    Spreads × Sensitivity --RobustVerdicts--> Verdicts
    Accuracy × Classes × Sublevel classes × Verdicts --GridCell--> Cell
    Cell × … × Cell --GridTable--> Grid --GridClaims--> Claims

The chosen criterion is the homotopy study's (line-endpoint barrier of the training loss,
c = 0.1); the sublevel one is the paper's own reading (a path within {L ≤ c}; a network whose own
training loss exceeds c is *not converged* and in no class). ``RobustVerdicts`` keeps a spread
verdict only where every criterion × c of the sensitivity table gives it, else *inconclusive*;
``GridCell`` joins the within and between halves into the cell's verdict and ``GridClaims`` the
cells into the grid's (:mod:`catdyn.backends.torch.studies.homotopy.grid`).

Presets: ``tiny`` (what the tests run: seconds per cell, 4 tiny nets per cell, 5 steps, MNIST-1D
read as 8 steps of 5 values so that the recurrence is short); ``smoke`` (6 nets
per cell, 2 settings × 3 seeds, 300 steps, MNIST-1D cut to 1,000 training and 500 test samples:
minutes on a 2-core CPU); ``full`` (the homotopy study's size: 102 nets per cell, 6 optimiser
settings × 17 seeds, 3000 steps; about 36 h of one-thread CPU on a 2-core VM, projected stage
by stage in docs/measurements/full-presets.md; made for a GPU). ``catdyn run
specs/homotopy_grid.py --preset smoke --device cpu``; measured results in
``docs/measurements/homotopy-grid.md``.

``catdyn check specs/homotopy_grid.py`` checks, without training, the generated data set's labels
against the formula on every pair (exhaustive, ``proved``) and that the CNN on a sequence's
channels view convolves along the sequence only (``laws`` at the bottom). A spec is Python and
runs as code.
"""

from catdyn import experiment
from catdyn.backends.torch.data.morphisms import InputView, LoadModular
from catdyn.backends.torch.studies.homotopy.claim_morphisms import RobustVerdicts, Sensitivity
from catdyn.backends.torch.studies.homotopy.grid_morphisms import GridCell, GridClaims, GridTable
from catdyn.backends.torch.studies.homotopy.morphisms import (
    Classes,
    ClassSpreads,
    Criterion,
    Curves,
    HomotopyTrain,
    LinearPaths,
)
from catdyn.backends.torch.training.morphisms import Evaluate, LoadDataset

SMOKE = {
    "architectures": {
        "CNN": {"type": "cnn", "channels": [8, 16]},
        "GRU": {"type": "gru", "hidden": 32},
        "Transformer": {"type": "transformer", "d_model": 16, "heads": [2], "head_dim": 8, "mlp": [32]},
    },
    "datasets": ("digits", "mnist1d", "modular"),
    "n_train": {"digits": None, "mnist1d": 1000, "modular": None}, "n_test": {"digits": None, "mnist1d": 500},
    "modular": {"p": 23, "op": "add", "train_fraction": 0.5},
    "seeds": (0, 1, 2),
    "optimisers": ({"name": "sgd", "lrs": (0.05,), "momentum": 0.9}, {"name": "adam", "lrs": (0.01,)}),
    "mnist1d_steps": 40, "steps": 300, "batch_size": 64, "points": 9, "criterion": "line-endpoint", "c": 0.1, "sublevel_c": 0.1, "max_curves": 2,
    "curve_steps": 50, "resamples": 500, "grid": None,
}
TINY = {
    **SMOKE,
    "architectures": {
        "CNN": {"type": "cnn", "channels": [4]},
        "GRU": {"type": "gru", "hidden": 4},
        "Transformer": {"type": "transformer", "d_model": 4, "heads": [1], "head_dim": 4, "mlp": [4]},
    },
    "n_train": {"digits": 100, "mnist1d": 100, "modular": None}, "n_test": {"digits": 50, "mnist1d": 50},
    "modular": {"p": 7, "op": "add", "train_fraction": 0.5},
    "seeds": (0, 1), "optimisers": ({"name": "sgd", "lrs": (0.1,), "momentum": 0.9}, {"name": "adam", "lrs": (0.01,)}),
    "mnist1d_steps": 8, "steps": 5, "batch_size": 16, "points": 3, "max_curves": 1, "curve_steps": 3, "resamples": 50,
    "grid": {"line-endpoint": (0.1,), "sublevel": (0.1, 1.0)},
}
FULL = {
    **SMOKE,
    "architectures": {
        "CNN": {"type": "cnn", "channels": [16, 32]},
        "GRU": {"type": "gru", "hidden": 64},
        "Transformer": {"type": "transformer", "d_model": 32, "heads": [4], "head_dim": 8, "mlp": [64]},
    },
    "n_train": {"digits": None, "mnist1d": None, "modular": None}, "n_test": {"digits": None, "mnist1d": None},
    "modular": {"p": 59, "op": "add", "train_fraction": 0.5},
    "seeds": tuple(range(17)),
    "optimisers": ({"name": "sgd", "lrs": (0.01, 0.05, 0.2), "momentum": 0.9},
                   {"name": "adam", "lrs": (0.0003, 0.001, 0.003)}),
    "steps": 3000, "points": 25, "max_curves": 40, "curve_steps": 400, "resamples": 2000,
}

VIEWS = {
    # (data set, architecture type) -> the InputView that shapes it (None: as loaded)
    ("digits", "cnn"): {"form": "image", "image": (1, 8, 8)},
    ("digits", "seq"): {"form": "sequence", "steps": 8},
    ("mnist1d", "cnn"): {"form": "channels", "steps": "mnist1d_steps"},
    ("mnist1d", "seq"): {"form": "sequence", "steps": "mnist1d_steps"},
    ("modular", "cnn"): {"form": "channels"},
    ("modular", "seq"): None,
}
"""How each architecture reads each data set (the module docstring says why)."""

DATA_NAMES = {"digits": "digits", "mnist1d": "MNIST-1D", "modular": "modular"}


def load(e, dataset, p):
    """The data set's node: digits or MNIST-1D (``LoadDataset``), or modular arithmetic."""
    if dataset == "modular":
        return e.add("modular", LoadModular(**p["modular"]))
    seed = 0 if dataset == "digits" else 42
    return e.add(DATA_NAMES[dataset], LoadDataset(dataset=dataset, seed=seed, n_train=p["n_train"].get(dataset),
                                                  n_test=p["n_test"].get(dataset)))


def arch_for(arch, dataset):
    """The architecture's short form on ``dataset``: a CNN on a sequence has no pooling (its
    image is one row high)."""
    if arch["type"] == "cnn" and dataset != "digits":
        return {**arch, "pool": None}
    return dict(arch)


def cell(e, name, view, arch, dataset, p):
    """One cell's diagram (the module docstring); returns its ``GridCell`` node."""
    crit, c = p["criterion"], p["c"]
    label = f"{name} × {DATA_NAMES[dataset]}"
    pop = e.add(f"{label} population", HomotopyTrain(arch=arch_for(arch, dataset), seeds=p["seeds"],
                                                     optimisers=p["optimisers"], steps=p["steps"],
                                                     batch_size=p["batch_size"]), view)
    acc = e.add(f"{label} accuracy", Evaluate(), pop, view)
    lines = e.add(f"{label} lines", LinearPaths(points=p["points"]), pop, view)
    paths = e.add(f"{label} paths", Curves(definition=crit, c=c, max_curves=p["max_curves"],
                                           curve_steps=p["curve_steps"]), lines, pop, view)
    classes = e.add(f"{label} classes", Classes(c=c), e.add(f"{label} barriers", Criterion(definition=crit), paths))
    sub = e.add(f"{label} sublevel barriers", Criterion(definition="sublevel"), paths)
    sub_classes = e.add(f"{label} sublevel classes", Classes(c=p["sublevel_c"]), sub)
    chosen = e.add(f"{label} spreads", ClassSpreads(resamples=p["resamples"], tag=f"({crit}, c = {c:g})"),
                   classes, acc)
    grid = {} if p["grid"] is None else {"grid": p["grid"]}
    table = e.add(f"{label} sensitivity", Sensitivity(resamples=p["resamples"], **grid), paths, acc)
    verdicts = e.add(f"{label} verdicts", RobustVerdicts(), chosen, table)
    return e.add(f"{label} cell", GridCell(architecture=name, dataset=DATA_NAMES[dataset]), acc, classes,
                 sub_classes, verdicts)


@experiment(name="homotopy-grid", seed=0, presets={"tiny": TINY, "smoke": SMOKE, "full": FULL})
def homotopy_grid(e, p):
    """The homotopy claim on a CNN, a GRU and a Transformer × digits, MNIST-1D and modular arithmetic."""
    cells = []
    for dataset in p["datasets"]:
        data = load(e, dataset, p)
        views = {}
        for name, arch in p["architectures"].items():
            kind = "cnn" if arch["type"] == "cnn" else "seq"
            if kind not in views:
                spec = VIEWS[(dataset, kind)]
                spec = spec and {k: p[v] if v == "mnist1d_steps" else v for k, v in spec.items()}
                views[kind] = data if spec is None else e.add(f"{DATA_NAMES[dataset]} as {spec['form']}",
                                                              InputView(**spec), data)
            cells.append(cell(e, name, views[kind], arch, dataset, p))
    grid = e.add("Grid", GridTable(), *cells)
    e.add("Grid claims", GridClaims(), grid)


# What `catdyn check` checks in this spec (before any training): the generated modular data set's
# labels against the formula, on every pair of every listed modulus and operation (exhaustive),
# and that the CNN reading a sequence as the channels of a 1 × T image convolves along the
# sequence only (moving the kernel's outer rows never changes its output).
import torch  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from catdyn.backends.torch.data.modular import make_modular  # noqa: E402
from catdyn.backends.torch.data.views import as_channels  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN  # noqa: E402
from catdyn.checker.law import Law, approx  # noqa: E402

_FORMULA = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}
_seq_cnn = CNN((3, 1, 12), (4, 5), 2, pool=None)


def _decoded(p: int, op: str) -> tuple[tuple[int, int, int], ...]:
    s = make_modular(p, op, 0.5, 0)
    x, y = torch.cat([s.train.x, s.test.x]), torch.cat([s.train.y, s.test.y])
    return tuple(sorted((int(t[0].argmax()), int(t[1].argmax()), int(label)) for t, label in zip(x, y)))


def _formula(p: int, op: str) -> tuple[tuple[int, int, int], ...]:
    return tuple((a, b, _FORMULA[op](a, b) % p) for a in range(p) for b in range(p))


def _sequence_cnn(seed: int, shift: float) -> list[float]:
    theta = _seq_cnn.init(torch.Generator().manual_seed(seed))
    for name in ("conv0.weight", "conv1.weight"):
        theta[name][:, :, 0, :] += shift
        theta[name][:, :, 2, :] -= shift
    x = as_channels(torch.randn(4, 12, 3, generator=torch.Generator().manual_seed(seed + 1)))
    return _seq_cnn.apply(theta, x).flatten().tolist()


laws = [
    Law("modular labels are a ∘ b mod p", "data", _decoded, _formula,
        enumerate=lambda: [(p, op) for p in (2, 3, 5, 7, 11) for op in ("add", "sub", "mul")],
        argnames=("p", "op"), subject="make_modular",
        statement="for p ∈ {2, 3, 5, 7, 11} and + − ·: every pair (a, b) once, labelled a ∘ b mod p"),
    Law("a CNN on the channels view ignores its kernel's outer rows", "data",
        lambda seed: _sequence_cnn(seed, 3.0), lambda seed: _sequence_cnn(seed, 0.0),
        arguments=st.integers(0, 2**31 - 2).map(lambda s: (s,)), argnames=("seed",),
        compare=approx(rtol=1e-5, atol=1e-5), subject=_seq_cnn.name,
        statement="cnn(θ + outer-row shift)(as_channels(x)) = cnn(θ)(as_channels(x))"),
]
