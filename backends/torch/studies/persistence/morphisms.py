"""Morphisms of the persistence study, reading and writing the typed values of
:mod:`catdyn.values`; each wraps a small step of :mod:`catdyn.backends.torch.studies.persistence`
or :mod:`catdyn.topology`.

* Landscapes and their persistence: :class:`Landscape` (each member's loss on a 2-D
  filter-normalised slice through its minimum), :class:`Persistence` (sublevel diagrams),
  :class:`ClassPersistence` (the diagrams per class of a partition).
* The generalisation study (``specs/persistence_generalisation.py``): :class:`OneAtATime`
  (the design), :class:`TrainGroup` (configurations sharing shapes, one ensemble),
  :class:`TrainingHalves` (each model's landscapes on two halves of the samples and with the
  labels it trained on), :class:`HalvesMean` and :class:`HalvesSup` (from those, its landscape
  and its noise floor; :class:`TrainingLandscape` and :class:`HalvesFloor` compute each on its
  own, at twice the price for both), :class:`LandscapeFeatures`, :class:`DirectionMean`,
  the baselines :class:`Generalisation`, :class:`WeightNorm`, :class:`Sharpness`,
  :class:`PHDimension`, and :class:`ModelTable`, :class:`Assess`, :class:`GapClaims`;
  :class:`ShiftedTest` puts a data set's test split under distribution shift, and
  :class:`MNIST1DShift` draws MNIST-1D's test split from its generator under other arguments.

>>> Landscape(steps=5).span
1.0
>>> design = OneAtATime(base={"width": 8, "lr": 0.1, "batch_size": 16, "n_train": 100},
...                     vary={"lr": [0.3], "width": [16]}, seeds=(0,))
>>> [c["lr"] for c in design.configurations()], design.groups()  # the lr variant trains with the base
([0.1, 0.3, 0.1], [(0, 1), (2,)])
>>> Persistence(construction="edge")
Traceback (most recent call last):
...
catdyn.errors.SpecError: Persistence got invalid parameters: construction: Input should be 'vertex' or 'top-cell' (got 'edge'). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

from catdyn.morphisms import BackendMorphism
from catdyn.values import (
    Claims,
    Dataset,
    LandscapeHalves,
    Landscapes,
    Partition,
    PersistenceDiagrams,
    Population,
    Table,
)


class Landscape(BackendMorphism):
    """Each trained member's training loss on a ``steps`` × ``steps`` grid over
    [−``span``, ``span``]² along two filter-normalised directions drawn from
    ``directions_seed``, on at most ``batch`` training samples (a failed member: a NaN grid)."""

    inputs, output = (Population, Dataset), Landscapes
    steps: int = Field(21, ge=2)
    span: PositiveFloat = 1.0
    batch: PositiveInt = 512
    directions_seed: int = 0

    def run(self, ctx: Any, pop: Population, data: Dataset) -> Landscapes:
        import numpy as np

        from catdyn.backends.torch.studies.homotopy.morphisms import population_members
        from catdyn.backends.torch.studies.persistence.landscapes import Slice, grid_features

        m = population_members(pop, data, ctx.device)
        x, y = m.splits["train"].x, m.splits["train"].y
        how = Slice(steps=self.steps, span=self.span, batch=self.batch, noise_floor=0.0)
        grids = np.full((pop.size, self.steps, self.steps), np.nan)
        for row, params in zip(m.members, m.models()):
            grids[row] = grid_features(m.net, params, x, y, self.directions_seed, how)[0]
        return Landscapes(grids, float(self.span), self.directions_seed)


class Persistence(BackendMorphism):
    """The sublevel-set persistence (H0 and H1) of each landscape, with the ``construction``
    of the cubical complex; a NaN landscape (a failed member) has an empty diagram."""

    inputs, output = (Landscapes,), PersistenceDiagrams
    construction: Literal["vertex", "top-cell"] = "vertex"

    def run(self, ctx: Any, ls: Landscapes) -> PersistenceDiagrams:
        import numpy as np

        from catdyn.topology.cubical import sublevel_persistence

        out: list[dict[str, list[list[float | None]]]] = []
        for grid in ls.grids:
            if not np.isfinite(grid).all():
                out.append({})
                continue
            d = sublevel_persistence(grid, construction=self.construction)
            out.append({f"H{k}": [[float(b), float(e)] for b, e in d.finite[k]]
                        + [[float(b), None] for b in d.essential[k]] for k in d.dims})
        return PersistenceDiagrams(out, self.construction)


def total_persistence(pairs: list[list[float | None]]) -> float:
    """The summed lifetime of the finite pairs (an essential class never dies: not summed).

    >>> total_persistence([[0.0, 1.5], [1.0, 1.25], [0.0, None]])
    1.75
    """
    return float(sum(d - b for b, d in pairs if d is not None))


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


class ClassPersistence(BackendMorphism):
    """Per class of the partition: its size and its members' mean H0 and H1 total persistence
    and mean number of finite H0 and H1 pairs (members without a diagram are left out)."""

    inputs, output = (PersistenceDiagrams, Partition), Table

    def run(self, ctx: Any, pd: PersistenceDiagrams, part: Partition) -> Table:
        rows = []
        for c in sorted({label for label in part.labels if label is not None}):
            diagrams = [pd.diagrams[i] for i, label in enumerate(part.labels) if label == c and pd.diagrams[i]]
            row: dict[str, Any] = {"class": c, "size": sum(label == c for label in part.labels)}
            for h in ("H0", "H1"):
                row[f"{h}_total_persistence"] = _mean([total_persistence(d.get(h, [])) for d in diagrams])
                row[f"{h}_finite_pairs"] = _mean([sum(p[1] is not None for p in d.get(h, [])) for d in diagrams])
            rows.append(row)
        return Table(rows)


# --- the generalisation study ---------------------------------------------------------------------
Hyperparameter = Literal["width", "lr", "batch_size", "weight_decay", "label_noise", "n_train"]


class Configuration(BaseModel):
    """A model's hyperparameters (the base of a one-at-a-time design)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    width: PositiveInt
    lr: PositiveFloat
    batch_size: PositiveInt
    weight_decay: NonNegativeFloat = 0.0
    label_noise: float = Field(0.0, ge=0.0, lt=1.0)
    n_train: PositiveInt


class OneAtATime(BackendMorphism):
    """The one-at-a-time design on a data set: the ``base`` configuration and each value of
    ``vary`` changed alone, each with every seed; one row per model with its identity (name,
    data set, ``family``, architecture, seed, what it varies) and its hyperparameters."""

    inputs, output = (Dataset,), Table
    base: Configuration
    vary: dict[Hyperparameter, list[int | float]] = Field(default_factory=dict)
    seeds: tuple[int, ...] = Field((0,), min_length=1)
    family: Literal["mlp", "cnn"] = "mlp"
    input_shape: tuple[PositiveInt, ...] | None = None

    @model_validator(mode="after")
    def _valid_variations(self) -> OneAtATime:
        for key, values in self.vary.items():
            for v in values:
                Configuration(**{**self.base.model_dump(), key: v})
        return self

    def configurations(self) -> list[dict[str, Any]]:
        """The design's rows in order (no torch needed: what a spec wires its trainings by)."""
        from catdyn.backends.torch.studies.persistence.design import design

        return design(self.base.model_dump(), self.vary, self.seeds)

    def groups(self) -> list[tuple[int, ...]]:
        """The design rows that share shapes and data (width, batch size, label noise, n_train),
        each trained as one ensemble (:class:`TrainGroup`)."""
        from catdyn.backends.torch.studies.persistence.train import shape_groups

        return [tuple(g) for g in shape_groups(self.configurations()).values()]

    def run(self, ctx: Any, data: Dataset) -> Table:
        from catdyn.backends.torch.studies.persistence.design import member_architecture, variation

        shape = self.input_shape or tuple(data.train_x.shape[1:])
        rows = []
        for i, c in enumerate(self.configurations()):
            arch = member_architecture(self.family, c["width"], tuple(shape), int(data.n_classes)).name
            rows.append({"model": f"{data.name} {self.family} #{i}", "data": data.name, "family": self.family,
                         "arch": arch, "seed": c["seed"], "varies": variation(c, self.base.model_dump()),
                         **{k: c[k] for k in Configuration.model_fields}})
        ctx.table("design", rows)
        return Table(rows)


class TrainGroup(BackendMorphism):
    """The design's ``rows`` (configurations that share width, batch size, label noise and
    n_train) trained as one batched ensemble: SGD with ``momentum`` for ``steps`` steps, each
    member's own learning rate and weight decay, on its first n_train samples with its label
    noise drawn from ``noise_seed`` (default: the arrow's seed). Each member's meta row is its
    design row; its trajectory (the second half of training) travels in ``trajectory``."""

    inputs, output = (Table, Dataset), Population
    rows: tuple[NonNegativeInt, ...] = Field(min_length=1)
    steps: PositiveInt = 300
    momentum: NonNegativeFloat = 0.9
    input_shape: tuple[PositiveInt, ...] | None = None
    noise_seed: int | None = None
    trajectory_points: PositiveInt = 40

    def run(self, ctx: Any, design: Table, data: Dataset) -> Population:
        from catdyn.backends.torch.studies.persistence.train import train_group
        from catdyn.errors import SpecError

        if max(self.rows) >= len(design.rows):
            raise SpecError(f"TrainGroup reads design rows {list(self.rows)} of a design of {len(design.rows)}",
                            "Wire the rows OneAtATime.groups() gives")
        configs = [design.rows[i] for i in self.rows]
        seed = ctx.seed if self.noise_seed is None else self.noise_seed
        out = train_group(configs, data.to_tree(), family=configs[0]["family"], steps=self.steps,
                          momentum=self.momentum, input_shape=self.input_shape, noise_seed=seed,
                          trajectory_points=self.trajectory_points, device=ctx.device)
        meta = [{**c, "noise_seed": seed} for c in configs]
        return Population(out["arch"], out["params"], out["status"], out["seeds"], meta,
                          trajectory=out["trajectory"])


def study_members(pop: Population, data: Dataset) -> list[tuple[dict[str, Any], Any, dict[str, Any], tuple, Any]]:
    """Each member of a study population: its meta row, architecture, parameters, training
    data ``(x, y)`` with the labels it trained on, and the true labels of those inputs."""
    from catdyn.backends.torch.models.architectures import build_architecture
    from catdyn.backends.torch.studies.persistence.design import training_labels

    arch = build_architecture(pop.arch)
    shape = tuple(pop.arch.get("input_shape") or pop.arch["widths"][:1])
    x_all = data.train_x.float().reshape(-1, *shape)
    out = []
    for j, meta in enumerate(pop.meta):
        y = training_labels(data.train_y, meta, int(data.n_classes), int(meta["noise_seed"]))
        params = {k: v[j] for k, v in pop.params.items()}
        out.append((meta, arch, params, (x_all[: len(y)], y), data.train_y.long()[: len(y)]))
    return out


def _named(meta: dict[str, Any], status: str | None = None, **values: Any) -> dict[str, Any]:
    from catdyn.backends.torch.studies.persistence.study import identity

    return {**identity(meta), **({} if status is None else {"status": status}), **values}


TEST_COLUMNS = ("test_acc", "test_loss", "gap", "loss_gap", "gap_clean")
"""The columns of :class:`Generalisation` that depend on the test split (tagged for a shifted one)."""


class Generalisation(BackendMorphism):
    """Each model's train and test loss and accuracy and its gap (train − test accuracy) on the
    labels it trained on (noisy for a label-noise model: the labels its landscape is taken on),
    and ``gap_clean``, the gap with the training inputs' true labels. With a ``tag`` (a test
    split under distribution shift, :class:`ShiftedTest`): only the test columns, named
    ``gap_<tag>``, ``test_acc_<tag>``, …"""

    inputs, output, variadic = (Dataset, Population), Table, True
    tag: str = Field("", pattern=r"^[a-z0-9]*$")

    def run(self, ctx: Any, data: Dataset, *pops: Population) -> Table:
        from catdyn.backends.torch.studies.persistence.train import model_measures

        rows = []
        test = (data.test_x.float(), data.test_y.long())
        for pop in pops:
            for (meta, arch, params, train, clean), status in zip(study_members(pop, data), pop.status):
                xte = test[0].reshape(-1, *train[0].shape[1:])
                m = model_measures(arch, params, train, (xte, test[1]), clean)
                m.pop("l2_norm")
                if self.tag:
                    m = {f"{k}_{self.tag}": m[k] for k in TEST_COLUMNS}
                rows.append(_named(meta, status, **m))
        ctx.table(f"generalisation on {data.name} (gap on the training labels, gap_clean on the true ones)", rows)
        return Table(rows)


class ShiftedTest(BackendMorphism):
    """The data set with its test split under distribution shift: pixel ``noise`` (Gaussian,
    standard deviation ``amount``, drawn from ``seed``, clipped to [0, 1]) or a ``rotation`` of
    each 8 × 8 image by ``amount`` degrees (bilinear, zero outside). The training split is kept."""

    inputs, output = (Dataset,), Dataset
    kind: Literal["noise", "rotation"]
    amount: float = Field(gt=0.0)
    seed: int = 0

    def run(self, ctx: Any, data: Dataset) -> Dataset:
        from catdyn.backends.torch.data.shift import shifted

        x = shifted(data.test_x, self.kind, self.amount, self.seed)
        ctx.metric("sup |shifted − test|", float((x - data.test_x.float()).abs().max()))
        unit = "°" if self.kind == "rotation" else ""
        return Dataset(f"{data.name} ({self.kind} {self.amount:g}{unit})", data.n_classes, data.train_x,
                       data.train_y, x, data.test_y)


class MNIST1DShift(BackendMorphism):
    """The MNIST-1D data set with its test split drawn from the generator under other arguments
    (:func:`~catdyn.backends.torch.data.datasets.make_mnist1d`: ``max_translation`` the shift,
    ``corr_noise_scale`` / ``iid_noise_scale`` the noise, ``scale_coeff`` the scale,
    ``shear_scale``; the others keep the published set's values), with the ``seed`` and
    ``num_samples`` the input was made with, so only those arguments change. The training split
    is kept. At least one argument must be given."""

    inputs, output = (Dataset,), Dataset
    seed: int = 42
    num_samples: PositiveInt = 5000
    max_translation: int | None = Field(None, ge=1, le=72)
    corr_noise_scale: NonNegativeFloat | None = None
    iid_noise_scale: NonNegativeFloat | None = None
    scale_coeff: NonNegativeFloat | None = None
    shear_scale: NonNegativeFloat | None = None

    @model_validator(mode="after")
    def _something_shifts(self) -> MNIST1DShift:
        if not self.changes():
            raise ValueError("give at least one generator argument to change")
        return self

    def changes(self) -> dict[str, float]:
        """The generator arguments this shift sets."""
        names = ("max_translation", "corr_noise_scale", "iid_noise_scale", "scale_coeff", "shear_scale")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def run(self, ctx: Any, data: Dataset) -> Dataset:
        from catdyn.backends.torch.data.datasets import make_mnist1d
        from catdyn.errors import SpecError

        test_fraction = len(data.test_y) / (len(data.train_y) + len(data.test_y))
        if not data.name.startswith("mnist1d") or len(data.train_y) + len(data.test_y) != self.num_samples:
            raise SpecError(f"MNIST1DShift got the data set {data.name!r} of {len(data.train_y) + len(data.test_y)} "
                            f"samples", f"Wire it to MNIST-1D made with num_samples={self.num_samples}")
        test = make_mnist1d(self.num_samples, self.seed, test_fraction=test_fraction, **self.changes()).test
        words = ", ".join(f"{k} {v:g}" for k, v in self.changes().items())
        same = test.x.reshape(len(test.x), -1) == data.test_x.float().reshape(len(data.test_x), -1)
        ctx.metric("test inputs changed (share)", float((~same).any(1).double().mean()))
        return Dataset(f"{data.name} ({words})", data.n_classes, data.train_x, data.train_y,
                       test.x.reshape(-1, *data.test_x.shape[1:]), test.y)


class WeightNorm(BackendMorphism):
    """Each model's ℓ2 norm of all its parameters."""

    inputs, output, variadic = (Population,), Table, True

    def run(self, ctx: Any, *pops: Population) -> Table:
        import torch

        rows = [_named(meta, l2_norm=float(torch.cat([v[j].reshape(-1) for v in pop.params.values()]).norm()))
                for pop in pops for j, meta in enumerate(pop.meta)]
        return Table(rows)


class Sharpness(BackendMorphism):
    """Each model's sharpness: the top Hessian eigenvalue of its training loss (its own labels)
    on its first ``batch`` training samples, by power iteration from ``seed`` (default: the
    arrow's seed); NaN for a failed member."""

    inputs, output, variadic = (Dataset, Population), Table, True
    batch: PositiveInt = 256
    seed: int | None = None

    def run(self, ctx: Any, data: Dataset, *pops: Population) -> Table:
        from catdyn.backends.torch.studies.persistence.train import member_sharpness

        seed = ctx.seed if self.seed is None else self.seed
        rows = []
        for pop in pops:
            for (meta, arch, params, (x, y), _), status in zip(study_members(pop, data), pop.status):
                value = member_sharpness(arch, params, x, y, batch=self.batch, seed=seed) if status == "ok" else float("nan")
                rows.append(_named(meta, sharpness=value))
        return Table(rows)


class PHDimension(BackendMorphism):
    """The PH dimension of each model's trajectory (its parameters at the checkpoints of the
    second half of training), sampled with ``seed`` (default: the arrow's seed); NaN for fewer
    than 20 checkpoints or a degenerate trajectory."""

    inputs, output, variadic = (Population,), Table, True
    seed: int | None = None

    def run(self, ctx: Any, *pops: Population) -> Table:
        from catdyn.backends.torch.studies.persistence.train import trajectory_dimension

        seed = ctx.seed if self.seed is None else self.seed
        rows = [_named(meta, ph_dimension=trajectory_dimension(pop.trajectory[j].double().numpy(), seed))
                for pop in pops for j, meta in enumerate(pop.meta)]
        return Table(rows)


class TrainingLandscape(BackendMorphism):
    """Each model's training loss on a ``steps`` × ``steps`` grid over [−``span``, ``span``]²
    along two filter-normalised directions drawn from ``directions_seed``, on at most ``batch``
    of the samples it trained on, with the labels it trained on (a failed member: NaN)."""

    inputs, output, variadic = (Dataset, Population), Landscapes, True
    steps: int = Field(21, ge=2)
    span: PositiveFloat = 1.0
    batch: PositiveInt = 512
    directions_seed: int = 0

    def run(self, ctx: Any, data: Dataset, *pops: Population) -> Landscapes:
        import numpy as np

        from catdyn.backends.torch.studies.persistence.landscapes import Slice, training_grid

        how = Slice(steps=self.steps, span=self.span, batch=self.batch)
        grids = []
        for pop in pops:
            for (_, arch, params, (x, y), _), status in zip(study_members(pop, data), pop.status):
                ok = status == "ok"
                grids.append(training_grid(arch, params, x, y, self.directions_seed, how) if ok
                             else np.full((self.steps, self.steps), np.nan))
        return Landscapes(np.stack(grids).astype(np.float64), float(self.span), self.directions_seed)


class HalvesFloor(BackendMorphism):
    """The measured noise floor of each model's :class:`TrainingLandscape` (same parameters):
    sup |f_A − f_B| over the landscapes of the same plane on two random halves of its samples.
    By the stability law a feature longer than that survives whichever half is drawn. (Wanting
    the landscape too, wire :class:`TrainingHalves` with :class:`HalvesMean` and :class:`HalvesSup`:
    both from one computation of the halves.)"""

    inputs, output, variadic = (Dataset, Population), Table, True
    steps: int = Field(21, ge=2)
    span: PositiveFloat = 1.0
    batch: PositiveInt = 512
    directions_seed: int = 0

    def run(self, ctx: Any, data: Dataset, *pops: Population) -> Table:
        from catdyn.backends.torch.studies.persistence.landscapes import Slice, halves_floor

        how = Slice(steps=self.steps, span=self.span, batch=self.batch)
        rows = []
        for pop in pops:
            for (meta, arch, params, (x, y), _), status in zip(study_members(pop, data), pop.status):
                floor = halves_floor(arch, params, x, y, self.directions_seed, how) if status == "ok" else float("nan")
                rows.append(_named(meta, noise_floor=floor))
        return Table(rows)


class TrainingHalves(BackendMorphism):
    """The grids of :class:`TrainingLandscape`'s plane (same parameters, same directions, same
    drawn samples, the labels each model trained on) on two random halves A and B of each
    model's samples, with batch norm's stored statistics (a failed member: NaN). Both its
    landscape (:class:`HalvesMean`) and its noise floor (:class:`HalvesSup`) follow from them,
    for the price of one landscape."""

    inputs, output, variadic = (Dataset, Population), LandscapeHalves, True
    steps: int = Field(21, ge=2)
    span: PositiveFloat = 1.0
    batch: int = Field(512, ge=2)  # two halves of at least one sample
    directions_seed: int = 0

    def run(self, ctx: Any, data: Dataset, *pops: Population) -> LandscapeHalves:
        import numpy as np

        from catdyn.backends.torch.studies.persistence.landscapes import Slice, sample_halves, training_halves
        from catdyn.backends.torch.studies.persistence.study import identity

        how = Slice(steps=self.steps, span=self.span, batch=self.batch)
        nan = np.full((self.steps, self.steps), np.nan)
        a, b, sizes, models, rules = [], [], [], [], set()
        for pop in pops:
            for (meta, arch, params, (x, y), _), status in zip(study_members(pop, data), pop.status):
                if status == "ok":
                    h = training_halves(arch, params, x, y, self.directions_seed, how)
                    grids, size = (h.a, h.b), [h.size_a, h.size_b]
                    rules.add(h.batch_norm)
                else:
                    grids = (nan, nan)
                    size = [len(half) for half in sample_halves(len(x), min(self.batch, len(x)), self.directions_seed)]
                a.append(grids[0])
                b.append(grids[1])
                sizes.append(size)
                models.append(identity(meta))
        return LandscapeHalves(np.stack(a).astype(np.float64), np.stack(b).astype(np.float64), sizes,
                               float(self.span), self.directions_seed, models, "stored" if "stored" in rules else "none")


class HalvesMean(BackendMorphism):
    """Each model's landscape on the samples of its two halves: their mean weighted by the
    halves' sizes, (|A|·f_A + |B|·f_B)/(|A| + |B|), equal up to float rounding to the loss on
    A ∪ B because the loss is a mean over samples (:class:`TrainingLandscape`'s grid). Halves
    evaluated with batch norm recomputed over each half are refused: the identity fails there."""

    inputs, output = (LandscapeHalves,), Landscapes

    def run(self, ctx: Any, halves: LandscapeHalves) -> Landscapes:
        import numpy as np

        from catdyn.backends.torch.studies.persistence.landscapes import Halves

        grids = [Halves(np.asarray(a), np.asarray(b), int(na), int(nb), halves.batch_norm).mean()
                 for a, b, (na, nb) in zip(halves.a, halves.b, halves.sizes)]
        return Landscapes(np.stack(grids).astype(np.float64), float(halves.span), halves.directions_seed)


class HalvesSup(BackendMorphism):
    """Each model's measured noise floor from its two half landscapes (:class:`HalvesFloor`'s
    figure): sup |f_A − f_B|, one row per model with its identity (a failed member: NaN). By
    the stability law a feature longer than that survives whichever half is drawn."""

    inputs, output = (LandscapeHalves,), Table

    def run(self, ctx: Any, halves: LandscapeHalves) -> Table:
        import numpy as np

        rows = [{**model, "noise_floor": float(np.abs(np.asarray(a) - np.asarray(b)).max())}
                for a, b, model in zip(halves.a, halves.b, halves.models)]
        return Table(rows)


class LandscapeFeatures(BackendMorphism):
    """Each model's persistence features (:func:`~catdyn.topology.features.summarise`: total
    persistence per dimension and in all, largest lifetime, entropy, count above the floor,
    basin depth) from its landscape, diagram and noise floor (the rows of the floor table name
    the models). With ``figures``: the contour and diagram of the first model and of the one
    with the largest total persistence, captioned with their identity."""

    inputs, output = (Landscapes, PersistenceDiagrams, Table), Table
    figures: bool = True

    def run(self, ctx: Any, ls: Landscapes, pd: PersistenceDiagrams, floors: Table) -> Table:
        import numpy as np

        from catdyn.backends.torch.studies.persistence.landscapes import diagram_of_pairs, features_of
        from catdyn.backends.torch.studies.persistence.study import IDENTITY

        feats, diagrams = [], []
        for grid, pairs, row in zip(ls.grids, pd.diagrams, floors.rows):
            d = diagram_of_pairs(pairs, grid.shape, pd.construction) if pairs else None
            diagrams.append(d)
            feats.append(features_of(d, grid, float(row["noise_floor"])) if d is not None else {})
        keys = next((list(f) for f in feats if f), [])
        rows = [{**{k: r[k] for k in IDENTITY}, **{k: f.get(k, float("nan")) for k in keys}}
                for r, f in zip(floors.rows, feats)]
        ctx.table(f"persistence features, direction seed {ls.directions_seed}", rows)
        ok = [i for i, d in enumerate(diagrams) if d is not None]
        if self.figures and ok:
            from catdyn.backends.torch.studies.persistence.figures import record_landscape

            top = max(ok, key=lambda i: rows[i]["total_persistence"])
            for i, why in ((ok[0], "first model"), (top, "largest total persistence")):
                if why == "first model" or top != ok[0]:
                    record_landscape(ctx, np.asarray(ls.grids[i]), diagrams[i], ls.span, rows[i]["noise_floor"],
                                     rows[i], why, ls.directions_seed)
        return Table(rows)


class DirectionMean(BackendMorphism):
    """Per model, the mean and standard deviation (``_std``) of every feature over the tables
    of several direction seeds (rows matched by model)."""

    inputs, output, variadic = (Table,), Table, True

    def run(self, ctx: Any, *tables: Table) -> Table:
        import numpy as np

        from catdyn.backends.torch.studies.persistence.study import IDENTITY

        rows = []
        for by_seed in zip(*(t.rows for t in tables)):
            if len({r["model"] for r in by_seed}) != 1:
                from catdyn.errors import SchemaError

                raise SchemaError("DirectionMean got tables whose rows name different models",
                                  "Give it the feature tables of one set of populations, in one order")
            keys = sorted(k for k in by_seed[0] if k not in IDENTITY)
            row = {k: by_seed[0][k] for k in IDENTITY}
            row.update({k: float(np.mean([r[k] for r in by_seed])) for k in keys})
            row.update({f"{k}_std": float(np.std([r[k] for r in by_seed])) for k in keys})
            rows.append(row)
        return Table(rows)


class ModelTable(BackendMorphism):
    """One row per model that trained: the rows of every table joined by model (the first
    tables' order; the designs give the hyperparameters, the others the measures), models
    whose ``status`` is not ``ok`` left out."""

    inputs, output, variadic = (Table,), Table, True

    def run(self, ctx: Any, *tables: Table) -> Table:
        from catdyn.backends.torch.studies.persistence.study import join_tables

        rows = join_tables([t.rows for t in tables])
        ctx.table("models", rows)
        ctx.metric("models", len(rows))
        return Table(rows)


class Assess(BackendMorphism):
    """Every measure and baseline against ``target`` over the models (fit, cross-validated R²,
    Kendall τ and granulated τ, permutation tests, bootstrap intervals of ``resamples`` draws,
    the slope's leave-one-out and bootstrap sign stability), ranked by |τ|; bootstrap and
    permutations from ``seed`` (default: the arrow's seed)."""

    inputs, output = (Table,), Table
    target: str = Field("gap", pattern=r"^(gap|gap_clean|loss_gap|test_acc)(_[a-z0-9]+)?$")
    resamples: PositiveInt = 1000
    permutations: PositiveInt = 999
    seed: int | None = None

    def run(self, ctx: Any, models: Table) -> Table:
        from catdyn.backends.torch.studies.persistence.figures import ranking_rows, record_ranking
        from catdyn.backends.torch.studies.persistence.study import assess_measures

        seed = ctx.seed if self.seed is None else self.seed
        measures = [m.to_dict() for m in assess_measures(
            models.rows, target=self.target, resamples=self.resamples, permutations=self.permutations, seed=seed)]
        ctx.table(f"measures of {self.target} ranked by |τ|", ranking_rows(measures))
        record_ranking(ctx, measures, self.target)
        return Table(measures)


class GapClaims(BackendMorphism):
    """The paper's "gap = −0.034 · total persistence + 0.12, R² = 0.82": the R² (the paper's
    figure in the interval?) and the slope's sign (negative claimed; inconclusive when one model
    left out or the bootstrap flips it), beside the baselines, with the scatter of the target
    on total persistence captioned by every model's identity."""

    inputs, output = (Table, Table), Claims

    def run(self, ctx: Any, measures: Table, models: Table) -> Claims:
        import math

        from catdyn.backends.torch.studies.persistence.figures import record_scatter
        from catdyn.backends.torch.studies.persistence.study import BASELINES, caption
        from catdyn.topology.study import Measure, claims

        built = [Measure(**{k: tuple(v) if k.endswith("interval") else v for k, v in m.items()})
                 for m in measures.rows]
        tp = next(m for m in built if m.name == "total_persistence")
        finite = [r for r in models.rows if math.isfinite(r["total_persistence"]) and math.isfinite(r[tp.target])]
        rows = claims(tp, [m for m in built if m.name in BASELINES], names=[caption(r) for r in finite])
        record_scatter(ctx, models.rows, tp.to_dict(), tp.target)
        for row in rows:
            why = f"; {row['why']}" if row.get("why") else ""
            ctx.claim(row["claim"], paper=str(row["paper"]), measured=row["measured"],
                      interval=tuple(row["interval"]), verdict=row["verdict"],
                      detail=f"n={row['n']}, p={row['p_value']:.3g}{why}")
        return Claims(rows)
