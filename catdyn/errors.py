"""Every error catdyn raises for a user's mistake, with its message, in one place.

Each error says *what* went wrong (naming the morphisms, objects and functors involved),
and *how to fix it*. The command line prints the message as one paragraph and exits with
code 2; ``--debug`` adds the traceback.

>>> from catdyn.errors import CompositionError
>>> err = CompositionError.mismatch("f", "A", "B", "g", "C", "D")
>>> print(err)
cannot compose f >> g: f ends at B but g starts at C. Compose only morphisms whose ends meet (cod f = dom g): f: A → B, g: C → D.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


def _show(x: Any) -> str:
    """Short, readable name of a thing for an error message."""
    if isinstance(x, str):
        return x
    name = getattr(x, "name", None)
    if isinstance(name, str):
        return name
    return repr(x)


class CatdynError(Exception):
    """Base of every error catdyn raises on purpose (a user's mistake or a failed law).

    ``hint`` says how to fix it; ``where`` is filled in by the spec loader when it can
    point at a file and line.
    """

    def __init__(self, what: str, hint: str = "", where: str = "") -> None:
        self.what = what
        self.hint = hint
        self.where = where
        super().__init__(self._message())

    def _message(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}: ")
        parts.append(self.what.rstrip("."))
        parts.append(".")
        if self.hint:
            parts.append(" " + self.hint.rstrip(".") + ".")
        return "".join(parts)

    def at(self, where: str) -> CatdynError:
        """Return this error with a location (``file:line``) attached."""
        self.where = where
        self.args = (self._message(),)
        return self

    def __str__(self) -> str:
        return self._message()


class CompositionError(CatdynError):
    """Two morphisms whose ends do not meet were composed, or a non-morphism was."""

    @classmethod
    def mismatch(cls, f: Any, f_dom: Any, f_cod: Any, g: Any, g_dom: Any, g_cod: Any) -> CompositionError:
        f, g = _show(f), _show(g)
        start = _show(g_dom)
        if start == _show(f_cod):  # same name, other object: say so, or the message reads "A but A"
            start = f"another object also named {start} (same name, different size, labels or data)"
        return cls(
            f"cannot compose {f} >> {g}: {f} ends at {_show(f_cod)} but {g} starts at {start}",
            f"Compose only morphisms whose ends meet (cod {f} = dom {g}): "
            f"{f}: {_show(f_dom)} → {_show(f_cod)}, {g}: {_show(g_dom)} → {_show(g_cod)}",
        )

    @classmethod
    def across_categories(cls, f: Any, f_cat: Any, g: Any, g_cat: Any) -> CompositionError:
        return cls(
            f"cannot compose {_show(f)} >> {_show(g)}: {_show(f)} lives in {_show(f_cat)} "
            f"but {_show(g)} lives in {_show(g_cat)}",
            "Map one of them into the other's category with a functor first",
        )

    @classmethod
    def not_a_morphism(cls, f: Any, other: Any) -> CompositionError:
        return cls(
            f"cannot compose {_show(f)} >> {other!r}: the right-hand side is a "
            f"{type(other).__name__}, not a morphism",
            "Both sides of >> must be morphisms of the same category",
        )


class UnknownObjectError(CatdynError):
    """An object (or morphism) was named that the category, functor or diagram does not have."""

    @classmethod
    def missing(cls, thing: Any, container: Any, known: Any = None, kind: str = "object") -> UnknownObjectError:
        known_txt = ""
        if known is not None:
            names = sorted(_show(k) for k in known)
            shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
            known_txt = f" (it has: {shown})"
        return cls(
            f"unknown {kind} {_show(thing)} in {_show(container)}{known_txt}",
            f"Add {_show(thing)} to {_show(container)} first, or check the spelling",
        )


    @classmethod
    def unknown_morphism(cls, name: str) -> UnknownObjectError:
        """A task names a morphism that cannot be imported (or, from a store written by an older
        catdyn, a string operation, which catdyn no longer has)."""
        return cls(
            f"unknown morphism {name}: a task names its morphism by the qualified class "
            "(module:Qualname) of an importable BackendMorphism",
            "Install the backend that defines it, or pass the spec that defines it; a task stored by an "
            "older catdyn under a string operation is not rerun: run the spec again to recompute it",
        )


class NotTotalError(CatdynError):
    """A function between finite sets leaves some element of its domain unmapped, or maps
    outside its codomain."""

    @classmethod
    def unmapped(cls, name: str, dom: Any, missing: list[Any]) -> NotTotalError:
        shown = ", ".join(repr(m) for m in missing[:8]) + (", …" if len(missing) > 8 else "")
        return cls(
            f"function {name} is not total: {len(missing)} element(s) of its domain "
            f"{_show(dom)} have no image ({shown})",
            f"Give every element of {_show(dom)} an image",
        )

    @classmethod
    def outside(cls, name: str, cod: Any, bad: list[Any]) -> NotTotalError:
        shown = ", ".join(repr(b) for b in bad[:8]) + (", …" if len(bad) > 8 else "")
        return cls(
            f"function {name} maps to values outside its codomain {_show(cod)} ({shown})",
            f"Every image must be an element of {_show(cod)}",
        )


class ShapeError(CatdynError):
    """Data of the wrong shape for the morphism it was meant to be (a matrix, a permutation,
    a path)."""

    @classmethod
    def matrix(cls, name: str, shape: tuple[int, ...], dom: Any, cod: Any, expected: tuple[int, ...]) -> ShapeError:
        return cls(
            f"matrix {name} has shape {shape} but a morphism {_show(dom)} → {_show(cod)} "
            f"needs shape {expected} (rows = dim {_show(cod)}, columns = dim {_show(dom)})",
            "Transpose it or fix the dimensions of its objects",
        )


class NameClashError(CatdynError):
    """Two different things were given one name where names must identify them (objects or
    morphisms of a diagram)."""

    @classmethod
    def clash(cls, kind: str, name: str, container: Any, first: Any, second: Any) -> NameClashError:
        return cls(
            f"{_show(container)} has two different {kind}s named {name}: {first!r} and {second!r}",
            f"Give each {kind} of {_show(container)} its own name",
        )


class FunctorError(CatdynError):
    """A functor sent a morphism to one whose ends are not the images of its ends, or was
    applied to something outside its source category."""

    @classmethod
    def wrong_ends(
        cls, functor: Any, f: Any, image: Any, expected_dom: Any, expected_cod: Any
    ) -> FunctorError:
        return cls(
            f"functor {_show(functor)} sends {_show(f)}: {_show(f.dom)} → {_show(f.cod)} to "
            f"{_show(image)}: {_show(image.dom)} → {_show(image.cod)}, but it must go "
            f"{_show(expected_dom)} → {_show(expected_cod)} (the images of {_show(f)}'s ends)",
            f"Make {_show(functor)}'s morphism map agree with its object map",
        )

    @classmethod
    def wrong_category(cls, functor: Any, x: Any, expected: Any, got: Any) -> FunctorError:
        return cls(
            f"functor {_show(functor)} goes from {_show(expected)} but was given "
            f"{_show(x)} of {_show(got)}",
            "Apply a functor only to objects and morphisms of its source category",
        )


class NaturalityError(CatdynError):
    """A component of a natural transformation has the wrong ends, or two functors that
    are not parallel were joined by one."""


class ConeError(CatdynError):
    """A cospan whose two legs do not share a codomain, or a cone that does not commute
    over its cospan, or a cone that does not factor through a pullback."""


class CategoryError(CatdynError):
    """A construction the category does not provide (no pullbacks, no enumeration)."""


class SpecError(CatdynError):
    """A spec (Python module or JSON document) that cannot be loaded or is malformed."""

    @classmethod
    def validation(cls, source: str, loc: tuple[Any, ...], msg: str) -> SpecError:
        field = ".".join(str(p) for p in loc) or "(document)"
        return cls(
            f"{source}: field {field}: {msg}",
            "Fix that field; catdyn read nothing from this document",
        )


class DataError(ShapeError):
    """Data that has the right container but values the object or morphism cannot hold: an
    inexact number in an exact matrix, a non-finite number, a path whose times run backwards
    or whose ends are not its objects. (A :class:`ShapeError`, so one ``except`` catches
    every malformed piece of data.)"""

    @classmethod
    def inexact_entry(cls, name: str, entry: Any, position: tuple[int, int], category: Any) -> DataError:
        return cls(
            f"matrix {name} has the floating-point entry {entry!r} at row {position[0]}, "
            f"column {position[1]}, but {_show(category)} holds only exact numbers and symbols",
            "Write it exactly (an int, a fractions.Fraction, a string such as '1/10' or '0.1', "
            "a sympy expression), or use MatR for floating-point matrices",
        )

    @classmethod
    def not_a_number(cls, name: str, entry: Any, position: tuple[int, int], category: Any) -> DataError:
        return cls(
            f"matrix {name} has the entry {entry!r} at row {position[0]}, column {position[1]}, "
            f"which {_show(category)} cannot read as a number",
            "Give numbers (or, over the rationals, sympy expressions)",
        )

    @classmethod
    def not_finite(cls, kind: str, name: str, count: int) -> DataError:
        return cls(
            f"{kind} {name} has {count} non-finite value(s) (NaN or ±inf)",
            f"Give {name} finite numbers only",
        )

    @classmethod
    def array_shape(cls, kind: str, name: str, shape: tuple[int, ...], expected: str) -> DataError:
        return cls(f"{kind} {name} has shape {shape} but {expected}", f"Reshape the data of {name}")

    @classmethod
    def path_times(cls, name: str, problem: str) -> DataError:
        return cls(
            f"path {name} has times that {problem}",
            "A path's times start at 0 and never decrease (default: 0, 1, 2, …)",
        )

    @classmethod
    def path_end(cls, name: str, which: str, point: Any, obj: Any, obj_coords: Any) -> DataError:
        return cls(
            f"path {name} {which} at {point} but its {'domain' if which == 'starts' else 'codomain'} "
            f"{_show(obj)} is {obj_coords}",
            f"A path's first point is its domain and its last point its codomain; "
            f"give {_show(obj)} the same coordinates (exactly) or leave it out to derive it",
        )

    @classmethod
    def mixed_categories(cls, name: str, dom: Any, cod: Any) -> DataError:
        return cls(
            f"morphism {name}: {_show(dom)} → {_show(cod)} joins objects of different categories "
            f"({_show(dom.category)} and {_show(cod.category)})",
            "Make both ends in the same category",
        )


class FactorError(ConeError):
    """A cone commutes (within tolerance) but its legs do not lie in the pullback closely
    enough to factor through it: the tolerance used for equality and for rank disagree."""

    @classmethod
    def residual(cls, left: Any, right: Any, pullback: Any, residual: float, tolerance: float) -> FactorError:
        return cls(
            f"the cone with legs {_show(left)}, {_show(right)} commutes within tolerance but does "
            f"not factor through {_show(pullback)}: the best mediating map leaves a residual "
            f"{residual:.3g} > {tolerance:.3g}",
            "The cone is only nearly commuting; loosen the category's tolerance or compute its "
            "legs more precisely",
        )


class TopologyError(CatdynError):
    """A request the topology tools cannot honour: gudhi missing, an unknown construction or
    engine, a grid that is not a finite k-D array, a study with too few models.

    >>> print(TopologyError.missing_gudhi("cubical persistence"))
    cubical persistence needs gudhi, which is not installed. Install it (pip install gudhi), or use engine='union-find' for H0 only.
    """

    @classmethod
    def missing_gudhi(cls, what: str) -> TopologyError:
        return cls(
            f"{what} needs gudhi, which is not installed",
            "Install it (pip install gudhi), or use engine='union-find' for H0 only",
        )

    @classmethod
    def unknown(cls, kind: str, got: Any, choices: Any) -> TopologyError:
        return cls(f"unknown {kind} {got!r}", f"Choose one of {sorted(choices)}")

    @classmethod
    def bad_grid(cls, name: str, shape: tuple[int, ...], problem: str) -> TopologyError:
        return cls(
            f"grid {name} of shape {shape} {problem}",
            "Give a finite float array with at least one axis of length ≥ 2",
        )

    @classmethod
    def too_few(cls, what: str, got: int, need: int) -> TopologyError:
        return cls(f"{what}: got {got}, need at least {need}", "Add models (or points) or lower the folds")


class HomotopyError(CatdynError):
    """A request the mode-connectivity tools cannot honour: models that do not match, a grid
    without its endpoints, too few models, an unknown option, data of the wrong kind.

    >>> print(HomotopyError.no_endpoints([0.1, 0.9]))
    a barrier needs the path's endpoints, but the grid runs from 0.1 to 0.9. Use a grid that starts at α = 0 and ends at α = 1 (alpha_grid does).
    """

    @classmethod
    def no_endpoints(cls, ends: Any) -> HomotopyError:
        return cls(
            f"a barrier needs the path's endpoints, but the grid runs from {ends[0]:g} to {ends[-1]:g}",
            "Use a grid that starts at α = 0 and ends at α = 1 (alpha_grid does)",
        )

    @classmethod
    def bad_grid(cls, points: int) -> HomotopyError:
        return cls(f"a path needs at least 2 points, got {points}", "Ask for points ≥ 2 (25 is usual)")

    @classmethod
    def mismatched_models(cls, left: Any, right: Any) -> HomotopyError:
        return cls(
            f"two models have different parameter names: {list(left)} and {list(right)}",
            "Compare only models of the same architecture",
        )

    @classmethod
    def too_few_models(cls, got: int, need: int) -> HomotopyError:
        return cls(f"got {got} model(s), need at least {need}", "Train more models")

    @classmethod
    def bad_option(cls, name: str, got: Any, rule: str) -> HomotopyError:
        return cls(f"option {name} = {got!r} is not allowed", f"It must be {rule}")

    @classmethod
    def bad_data(cls, kind: str) -> HomotopyError:
        return cls(
            f"cannot evaluate on data of type {kind}",
            "Give a Splits, a Dataset, an (x, y) pair, or a mapping of split names to those",
        )

    @classmethod
    def bad_matrix(cls, shape: Any, problem: str) -> HomotopyError:
        return cls(
            f"barrier matrix of shape {tuple(shape)} {problem}",
            "Give a square, symmetric matrix of finite barriers with a zero diagonal",
        )



class MergeError(CatdynError):
    """Models that cannot be merged as a colimit: too few, of different architectures, or
    matchings whose colimit glues two units of one network together (so the merged network
    would have fewer units than each of them).

    >>> print(MergeError.units_glued("hidden0", 1, [0, 2]))
    the colimit of the matchings glues units [0, 2] of network 1 in group hidden0 into one unit, so the matchings are not consistent (they do not compose round every cycle). Match every network to one reference (a star of matchings), or make the cycles of matchings compose to the identity.
    """

    @classmethod
    def too_few(cls, got: int) -> MergeError:
        return cls(f"merging needs at least 2 networks, got {got}", "Merge a population with two or more trained members")

    @classmethod
    def units_glued(cls, group: str, model: int, units: Any) -> MergeError:
        return cls(
            f"the colimit of the matchings glues units {list(units)} of network {model} in group {group} into one "
            f"unit, so the matchings are not consistent (they do not compose round every cycle)",
            "Match every network to one reference (a star of matchings), or make the cycles of matchings "
            "compose to the identity",
        )

    @classmethod
    def units_apart(cls, group: str, model: int, classes: int, units: int) -> MergeError:
        return cls(
            f"the colimit of the matchings has {classes} units in group {group} but network {model} has {units}: "
            f"some units are matched to no other network's",
            "Match every network to the others (each matching a bijection of the group's units)",
        )

class TransferError(CatdynError):
    """A transfer study that cannot run as asked: an optional library missing (POT for
    optimal-transport maps), an unknown method or domain map, budgets or grids that would make
    the comparison unequal, label budgets the data cannot supply.

    >>> print(TransferError.unknown_method("foo", ["finetune", "linear_probe"]))
    unknown transfer method 'foo'. Choose from finetune, linear_probe.
    """

    @classmethod
    def missing_pot(cls) -> TransferError:
        return cls(
            "the optimal-transport domain map needs the POT library, which is not installed",
            "Install it with `pip install pot` (or pick the identity or coral domain map)",
        )

    @classmethod
    def unknown_method(cls, name: str, known: Any) -> TransferError:
        return cls(f"unknown transfer method {name!r}", f"Choose from {', '.join(known)}")

    @classmethod
    def unequal_grid(cls, method: str, got: int, configs: int) -> TransferError:
        return cls(
            f"method {method} offers {got} hyperparameter configurations but the budget gives every "
            f"method exactly {configs}",
            "Give every method the same number of configurations (equal tuning effort)",
        )

    @classmethod
    def not_enough_labels(cls, label: int, have: int, need: int) -> TransferError:
        return cls(
            f"class {label} has {have} examples but the split needs {need} "
            "(training labels + validation labels + at least one test example)",
            "Lower the label budget or the validation size",
        )


class NothingToCheckError(SpecError):
    """A spec that loads but binds nothing ``catdyn check`` can check (it may hold only
    experiments for ``catdyn run``). Named on its own, it is an invalid spec; met inside a
    directory, the file is skipped."""

    @classmethod
    def in_spec(cls, path: Any, names: list[str]) -> NothingToCheckError:
        shown = ", ".join(sorted(names)) or "none"
        return cls(
            f"binds nothing checkable at its top level (names: {shown})",
            "Bind a Category, Functor, NaturalTransformation, Diagram, Pullback, Cone, Law or list of "
            "Laws to a top-level name (imported names are not checked)",
            where=str(path),
        )


class StoreError(CatdynError):
    """A run store that cannot be opened or written, or whose contents fail their integrity
    check (an artifact missing or not matching the SHA-256 recorded when it was written)."""

    @classmethod
    def not_a_store(cls, root: str, db: str) -> StoreError:
        return cls(f"no catdyn store at {root} (no {db} there)", "Pass the --out folder of an earlier `catdyn run`")

    @classmethod
    def unwritable(cls, root: str, reason: str) -> StoreError:
        return cls(f"cannot write the store folder {root}: {reason}", "Choose a folder you may write with --out")

    @classmethod
    def unreadable_db(cls, db: str, reason: str) -> StoreError:
        return cls(f"the store database {db} cannot be opened: {reason}",
                   "It is damaged or not a catdyn store; point --out at another folder")

    @classmethod
    def unstorable(cls, type_name: str, where: str) -> StoreError:
        return cls(f"cannot store a {type_name} at {where or 'the top'} of a task's value",
                   "Give a value's fields dicts, lists, numbers, strings, numpy arrays or torch tensors")

    @classmethod
    def key_not_string(cls, key: Any, where: str) -> StoreError:
        return cls(f"the value has a dict key {key!r} at {where or 'the top'} that is not a string",
                   "Give a value's dicts string keys only")

    @classmethod
    def no_runs(cls, root: str) -> StoreError:
        return cls(f"the store at {root} holds no runs", "Start one with `catdyn run SPEC`")

    @classmethod
    def no_such_run(cls, run: str, root: str, found: int, latest: list[str]) -> StoreError:
        return cls(f"{'no' if not found else 'more than one'} run matches {run!r} in {root}",
                   f"Give a run id from `catdyn runs` (the latest: {', '.join(latest)})")

    @classmethod
    def no_value(cls, key: str) -> StoreError:
        return cls(f"task {key[:12]} has no stored value", "Rerun the spec to compute it")

    @classmethod
    def missing_artifact(cls, rel: str, key: str, reason: str) -> StoreError:
        return cls(f"artifact {rel} of task {key[:12]} is missing ({reason})",
                   "Run `catdyn verify`; `catdyn run SPEC --repair` recomputes it")

    @classmethod
    def corrupted(cls, rel: str, key: str) -> StoreError:
        return cls(f"artifact {rel} of task {key[:12]} is corrupted: its SHA-256 differs from the one recorded",
                   "Run `catdyn verify` to list every damaged file; `catdyn run SPEC --repair` recomputes them")

    @classmethod
    def damaged_plan(cls, root: str, shown: str, n: int) -> StoreError:
        return cls(
            f"the store at {root} holds damaged values for {n} task(s) of this run: {shown}; their files are "
            "missing or do not match the SHA-256 recorded when they were written",
            "Nothing was changed. `catdyn verify` lists the files; rerun with --repair to recompute exactly "
            "those tasks (everything else is reused)",
        )

    @classmethod
    def damaged_run(cls, run: str, keys: list[str]) -> StoreError:
        return cls(
            f"run {run} has {len(keys)} task(s) whose stored files are corrupted or missing "
            f"({', '.join(k[:12] for k in keys)})",
            "`catdyn verify` lists them; `catdyn run SPEC --repair` recomputes them, then report again",
        )


class RunError(CatdynError):
    """A run that cannot start: no experiment in the spec, an unknown or unavailable executor,
    a device that needs a missing package."""

    @classmethod
    def no_experiment(cls, spec: str, name: str | None) -> RunError:
        which = f" named {name!r}" if name else ""
        return cls(f"spec {spec} defines no experiment{which}",
                   "Bind an experiment at the spec's top level (decorate its diagram's builder with @experiment); "
                   "`catdyn check` is the command for specs of laws only")

    @classmethod
    def no_ray(cls) -> RunError:
        return cls("the Ray executor needs the optional ray package, which is not installed",
                   "Install it with `pip install 'catdyn[ray]'` (or `pip install ray`), or use --executor local")

    @classmethod
    def ray_unreachable(cls, address: str | None, reason: str) -> RunError:
        return cls(f"cannot start or reach Ray{f' at {address}' if address else ''}: {reason}",
                   "Check the --address (host:port of a running cluster's head) or omit it for a local instance")

    @classmethod
    def unknown_executor(cls, name: str) -> RunError:
        return cls(f"unknown executor {name!r}", "Use --executor local or --executor ray")

    @classmethod
    def device_needs_torch(cls, device: str) -> RunError:
        return cls(f"device {device!r} needs torch, which is not installed",
                   "Install catdyn[torch] or run with --device cpu")


class DatasetError(CatdynError):
    """A data set that cannot be loaded: files missing or malformed, options out of range.

    >>> str(DatasetError.missing("mnist", "/nowhere", ["train-images-idx3-ubyte"])).split(":")[0]
    'data set mnist not found under /nowhere'
    """

    @classmethod
    def missing(cls, name: str, root: str | os.PathLike[str], files: Sequence[str]) -> DatasetError:
        """The files of a data set are not under ``root``."""
        return cls(
            f"data set {name} not found under {root}: looked for {', '.join(files)} "
            "(plain or .gz, in the folder itself, raw/ or the torchvision layout)",
            "Put the files there, or pass download=True on a machine that is online and has torchvision installed",
        )

    @classmethod
    def malformed(cls, path: str | os.PathLike[str], problem: str) -> DatasetError:
        """A file exists but is not in the expected format."""
        return cls(
            f"file {path} is not a valid data file: {problem}", "Download the file again from its source"
        )

    @classmethod
    def option(cls, name: str, value: object, rule: str) -> DatasetError:
        """A loader option outside its range."""
        return cls(f"data option {name} = {value!r} is invalid", f"It must be {rule}")


# ------------------------------------------------------------------------------------------


class DeviceError(CatdynError):
    """A device was asked for that this machine does not have, or that catdyn does not know.

    >>> str(DeviceError.no_cuda("cuda", 0, "torch 2.13.0, CUDA build: no")).split(" (")[0]
    "device 'cuda' was asked for but torch finds 0 CUDA device(s)"
    """

    @classmethod
    def no_cuda(cls, spec: str, found: int, build: str) -> DeviceError:
        """CUDA was named but torch sees no CUDA device (or fewer than the index asks for);
        ``build`` describes the torch build (version, CUDA or not)."""
        return cls(
            f"device {spec!r} was asked for but torch finds {found} CUDA device(s) ({build})",
            "Run with --device cpu (or auto, which falls back to the CPU), or install a CUDA build "
            "of torch on a machine with an NVIDIA GPU",
        )

    @classmethod
    def unknown(cls, spec: object) -> DeviceError:
        """A spec that is neither auto, cpu nor cuda[:N]."""
        return cls(f"unknown device {spec!r}", "Use 'auto', 'cpu', 'cuda' or 'cuda:N'")


class ArchitectureError(ShapeError):
    """Sizes a network cannot have, or a parameter dict or input that does not fit its
    architecture: a tensor missing, left over or of the wrong shape, an input of the wrong shape
    or dtype, token ids outside the vocabulary, a group the architecture does not have. (A
    :class:`ShapeError`, so one ``except`` catches every malformed piece of data.)

    >>> print(ArchitectureError.tensor_shape("mlp(2-3-2)", "fc0.weight", (4, 2), (3, 2)))
    parameter fc0.weight of mlp(2-3-2) has shape (4, 2) but the architecture needs (3, 2). Pass parameters made for mlp(2-3-2) (its init gives the layout), or build the architecture they were made for.
    """

    @classmethod
    def missing_tensor(cls, arch: str, name: str, expected: tuple[int, ...], present: Sequence[str]) -> ArchitectureError:
        shown = ", ".join(list(present)[:12]) + (", …" if len(present) > 12 else "")
        return cls(
            f"the parameters of {arch} have no tensor {name} (of shape {expected}); they have: {shown or 'none'}",
            f"Pass every tensor of {arch} (its init gives the layout)",
        )

    @classmethod
    def extra_tensors(cls, arch: str, names: Sequence[str], known: Sequence[str]) -> ArchitectureError:
        return cls(
            f"the parameters of {arch} hold tensor(s) {', '.join(names)} that {arch} does not have "
            f"(its tensors: {', '.join(known)})",
            f"Drop them, or pass parameters made for {arch}",
        )

    @classmethod
    def tensor_shape(cls, arch: str, name: str, shape: tuple[int, ...], expected: tuple[int, ...]) -> ArchitectureError:
        return cls(
            f"parameter {name} of {arch} has shape {shape} but the architecture needs {expected}",
            f"Pass parameters made for {arch} (its init gives the layout), or build the architecture "
            "they were made for",
        )

    @classmethod
    def not_a_tensor(cls, arch: str, name: str, got: Any) -> ArchitectureError:
        return cls(
            f"parameter {name} of {arch} is a {type(got).__name__}, not a torch tensor",
            "Convert it with torch.as_tensor",
        )

    @classmethod
    def input_shape(cls, arch: str, shape: tuple[int, ...], expected: str) -> ArchitectureError:
        return cls(
            f"the input to {arch} has shape {shape} but {arch} takes {expected}",
            "Give a batch of inputs of that shape (the batch first), or build the architecture for "
            "this data",
        )

    @classmethod
    def input_dtype(cls, arch: str, dtype: Any, expected: str) -> ArchitectureError:
        return cls(
            f"the input to {arch} has dtype {dtype} but {arch} takes {expected}",
            "Convert the input (x.to(dtype)) or the parameters",
        )

    @classmethod
    def token_range(cls, arch: str, low: int, high: int, vocab: int) -> ArchitectureError:
        return cls(
            f"the input to {arch} holds token ids from {low} to {high}, outside its vocabulary 0 … {vocab - 1}",
            "Encode the tokens with the vocabulary the architecture was built for, or enlarge vocab",
        )

    @classmethod
    def bad_size(cls, arch: str, field: str, value: Any, rule: str) -> ArchitectureError:
        return cls(f"{arch} {field} = {value!r} is not allowed", f"It must be {rule}")


class OptimiserError(CatdynError):
    """Hyperparameters an optimiser cannot use (negative rate, Nesterov without momentum…).

    >>> str(OptimiserError.bad("momentum", -1.0, "0 ≤ momentum < 1")).split(":")[0]
    'optimiser hyperparameter momentum = -1.0 is invalid'
    """

    @classmethod
    def bad(cls, name: str, value: object, rule: str) -> OptimiserError:
        """A hyperparameter outside its allowed range."""
        return cls(
            f"optimiser hyperparameter {name} = {value!r} is invalid: it must satisfy {rule}",
            f"Give {name} a value with {rule}",
        )


class EnsembleError(CatdynError):
    """An ensemble that cannot be trained as asked (bad sizes, seeds, steps or engine).

    >>> str(EnsembleError.option("steps", -1, "≥ 0")).split(".")[0]
    'ensemble option steps = -1 is invalid'
    """

    @classmethod
    def option(cls, name: str, value: object, rule: str) -> EnsembleError:
        """An option outside its range."""
        return cls(f"ensemble option {name} = {value!r} is invalid", f"It must be {rule}")

    @classmethod
    def no_fast_path(cls, arch: Any, reason: str) -> EnsembleError:
        """The fast path was asked for an architecture it does not cover."""
        return cls(
            f"the fast ensemble path does not cover {arch.name}: {reason}",
            "Use path='generic' (torch.func, every architecture) or path='auto'",
        )


class WorkerError(CatdynError):
    """A worker process of catdyn's process pool failed: the function it ran raised (the
    remote traceback is kept in :attr:`remote_traceback`) or the process died.

    >>> print(str(WorkerError.died(2, -9, "")).split(". ")[0])
    worker process 2 of catdyn's process pool died with exit status -9
    """

    remote_traceback: str = ""

    @classmethod
    def raised(cls, function: str, kind: str, message: str, remote_traceback: str) -> WorkerError:
        """The function raised ``kind: message`` inside a worker process."""
        err = cls(
            f"{function} raised {kind} in a worker process: {message}",
            "The traceback from the worker is in the error's remote_traceback; run with "
            "parallel='threads' to debug in this process",
        )
        err.remote_traceback = remote_traceback
        return err

    @classmethod
    def reentered(cls) -> WorkerError:
        """A thread asked a pool for a second round while its own first round was open."""
        return cls(
            "this thread already has a round of jobs open on catdyn's worker pool",
            "Read that round's results (or cancel it) before starting another; a callback that runs "
            "while the round is open (a progress function, say) must not start parallel work",
        )

    @classmethod
    def round_over(cls) -> WorkerError:
        """Results were asked of a round that was already read or cancelled."""
        return cls("this round of jobs is over (read or cancelled)", "Start a new round")

    @classmethod
    def closed(cls) -> WorkerError:
        """A job was given to a pool that was closed."""
        return cls(
            "this worker pool is closed",
            "Use catdyn.backends.torch.compute.worker_pool.shared_pool(n), which starts a fresh pool when needed",
        )

    @classmethod
    def died(cls, index: int, status: int | None, stderr_tail: str) -> WorkerError:
        """A worker exited (killed, out of memory, crashed) before answering."""
        tail = f" (its last output: {stderr_tail.strip()[-400:]})" if stderr_tail.strip() else ""
        return cls(
            f"worker process {index} of catdyn's process pool died with exit status {status}{tail}",
            "The pool is discarded and the next call starts a fresh one; if it keeps dying, check "
            "memory (each worker holds its own copy of the data) or use parallel='threads'",
        )


# ------------------------------------------------------------------------------------------


class StoreFailureError(StoreError):
    """A store that fails under a command: a damaged database, a full disk, an artifact whose
    hash holds but whose structure does not, a report that cannot be written where asked."""

    @classmethod
    def damaged_database(cls, db: str, reason: str) -> StoreFailureError:
        return cls(
            f"the store database {db} is damaged ({reason})",
            "Nothing more was written. `catdyn verify` says what it can still read; copy the store's "
            "artifacts elsewhere if they matter, then point --out at a fresh folder (or delete this one)",
        )

    @classmethod
    def database_failed(cls, db: str, reason: str) -> StoreFailureError:
        return cls(
            f"the store database {db} failed ({reason})",
            "What was committed before stays; check that the folder is readable and writable and that no "
            "other program holds the database, then rerun (it resumes)",
        )

    @classmethod
    def disk_full(cls, root: str, reason: str) -> StoreFailureError:
        return cls(
            f"the disk holding the store {root} is full ({reason})",
            "Everything committed before stays intact and a rerun resumes from it: free some space, or "
            "point --out at a disk with room",
        )

    @classmethod
    def malformed_artifact(cls, rel: str, key: str, reason: str) -> StoreFailureError:
        return cls(
            f"artifact {rel} of task {key[:12]} matches its recorded SHA-256 but is malformed ({reason})",
            "`catdyn run SPEC --repair` recomputes it",
        )

    @classmethod
    def report_target(cls, path: str, problem: str) -> StoreFailureError:
        return cls(
            f"cannot write the report to {path}: {problem}",
            "Give --to a new folder, or one that holds an earlier report (it is replaced as a whole)",
        )

    @classmethod
    def unsound_run(cls, run: str, problems: list[str]) -> StoreFailureError:
        return cls(
            f"run {run} does not pass `catdyn verify`: {'; '.join(problems[:3])}"
            + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""),
            "No report was written. A run whose task list differs from its seal was edited after it "
            "ended; rerun the spec for a fresh run and report that one",
        )

    @classmethod
    def empty_out(cls) -> StoreFailureError:
        return cls("--out is empty", "Name the store folder, e.g. --out catdyn-runs (the default)")


class RayAddressError(RunError):
    """A ``--address`` for Ray that is malformed or where nothing listens (checked before Ray
    starts, so Ray never dials anything else)."""

    @classmethod
    def malformed(cls, address: str) -> RayAddressError:
        return cls(
            f"--address {address!r} is not HOST:PORT",
            "Give the head node's address as HOST:PORT (e.g. 127.0.0.1:6379), or omit --address to start "
            "a local Ray",
        )

    @classmethod
    def unreachable(cls, address: str, seconds: float, reason: str) -> RayAddressError:
        return cls(
            f"nothing answers at --address {address} (a TCP connection to exactly that host and port "
            f"failed within {seconds:g} s: {reason}); Ray was not started and nothing was written",
            "Start the cluster's head there (`ray start --head --port PORT`), fix the address, or omit "
            "--address to start a local Ray",
        )


class WorkerTimeoutError(WorkerError):
    """A job of catdyn's worker pool was given up: it ran past its ``timeout``, or its worker
    made no progress (used no CPU time, moved no bytes) for ``stall_timeout`` seconds, as a
    worker stopped by SIGSTOP does. The worker was killed and the pool discarded.

    >>> print(str(WorkerTimeoutError.overdue("m.f", 0, 61.0, "it did not answer within its timeout of 60 s")))
    m.f on worker process 0 of catdyn's process pool was given up after 61.0 s: it did not answer within its timeout of 60 s. The worker was killed and the pool discarded (the next call starts a fresh one); if the job is only slow, pass a larger timeout= or stall_timeout=.
    """

    @classmethod
    def overdue(cls, function: str, index: int, elapsed: float, reason: str) -> WorkerTimeoutError:
        """``function`` on worker ``index`` ran ``elapsed`` seconds and was given up for ``reason``."""
        return cls(
            f"{function} on worker process {index} of catdyn's process pool was given up after {elapsed:.1f} s: "
            f"{reason}",
            "The worker was killed and the pool discarded (the next call starts a fresh one); if the job is "
            "only slow, pass a larger timeout= or stall_timeout=",
        )


# ------------------------------------------------------------------------------------------
class StatisticsError(CatdynError):
    """A request the statistics module (:mod:`catdyn.stats`) cannot honour: an empty sample,
    samples of unequal length, a level outside (0, 1), a side that is not ``<`` or ``>``.

    >>> print(StatisticsError.bad_level(1.5))
    an interval's level must lie strictly between 0 and 1, got 1.5. Use e.g. level=0.95.
    """

    @classmethod
    def bad_level(cls, level: Any) -> StatisticsError:
        return cls(f"an interval's level must lie strictly between 0 and 1, got {level!r}", "Use e.g. level=0.95")

    @classmethod
    def bad_side(cls, side: Any) -> StatisticsError:
        return cls(f"a claimed side must be '<' or '>' (a sign: -1 or +1), got {side!r}", "Use one of those")

    @classmethod
    def no_sample(cls) -> StatisticsError:
        return cls("the bootstrap needs at least one non-empty sample", "Pass the measured values")

    @classmethod
    def unequal(cls, lengths: Sequence[int]) -> StatisticsError:
        return cls(
            f"samples resampled together must be equally long, got lengths {list(lengths)}",
            "Give one value per unit in every sample",
        )


class ArchitectureConfigError(ArchitectureError):
    """An architecture config (:func:`catdyn.backends.torch.models.architectures.build_architecture`)
    that names no known type, lacks a required key or holds a key the type does not take.

    >>> print(ArchitectureConfigError.unknown_key("mlp", "hiden", ["widths", "activation"]))
    architecture config key 'hiden' is not a setting of type 'mlp'. Its settings are: type, widths, activation.
    """

    @classmethod
    def unknown_type(cls, got: Any, known: Sequence[str]) -> ArchitectureConfigError:
        return cls(f"architecture config key 'type' = {got!r} names no architecture", f"Use one of {', '.join(known)}")

    @classmethod
    def unknown_key(cls, kind: str, key: str, known: Sequence[str]) -> ArchitectureConfigError:
        return cls(
            f"architecture config key {key!r} is not a setting of type {kind!r}",
            f"Its settings are: type, {', '.join(known)}",
        )

    @classmethod
    def missing_key(cls, kind: str, key: str) -> ArchitectureConfigError:
        return cls(f"architecture config of type {kind!r} lacks the required key {key!r}", f"Add {key!r}")

    @classmethod
    def bad_value(cls, kind: str, key: str, value: Any, problem: str) -> ArchitectureConfigError:
        return cls(f"architecture config key {key!r} = {value!r} (type {kind!r}) {problem}", "Fix that value")


class LimitTooLargeError(ConeError):
    """A limit (or an intermediate table of its join) would exceed the size cap."""

    @classmethod
    def rows(cls, diagram: Any, rows: int, cap: int) -> LimitTooLargeError:
        return cls(
            f"the limit of diagram {_show(diagram)} needs a table of {rows:,} tuples, more than the "
            f"cap of {cap:,}",
            "Compute the limit of a smaller diagram, or add the morphisms that constrain it",
        )


class LearnerError(CatdynError):
    """Learners that do not compose (their interfaces differ), or a bad step size or error."""


class DrawError(CatdynError):
    """Something that cannot be drawn (not a diagram), or a spec that binds no diagram."""

    @classmethod
    def not_a_diagram(cls, thing: Any) -> DrawError:
        return cls(
            f"cannot draw {type(thing).__name__}: it is not a diagram",
            "Draw a Diagram, Pullback, Cone, Limit, Colimit or an experiment",
        )

    @classmethod
    def nothing_drawn(cls, path: Any, skipped: Sequence[str]) -> DrawError:
        names = ", ".join(skipped[:12]) or "none"
        return cls(
            f"{path}: binds no diagram at its top level (names: {names})",
            "Bind a Diagram, Pullback, Cone, Limit, Colimit or experiment to a top-level name",
        )


class SchemaError(SpecError):
    """A value that does not fit its type's one schema (:mod:`catdyn.values`)."""

    @classmethod
    def not_a_tree(cls, kind: str, got: str) -> SchemaError:
        """A stored value that is not a dict of fields."""
        return cls(f"a {kind} was read from a {got}, not from a dict of its fields", "Store values with to_tree()")

    @classmethod
    def unknown_fields(cls, kind: str, unknown: list[str], known: list[str]) -> SchemaError:
        """Fields the schema does not have (two writers disagreeing about a type)."""
        return cls(
            f"a {kind} was given fields {', '.join(unknown)} that its schema does not have "
            f"(it has: {', '.join(known)})",
            f"Every {kind} has one schema: build it with those fields, or give the new data its own type",
        )

    @classmethod
    def missing_field(cls, kind: str, name: str) -> SchemaError:
        """A required field absent from a stored value."""
        return cls(f"a {kind} was read without its field {name}", f"Store every field of {kind}")


class WiringError(SpecError):
    """A diagram that wires a morphism to a value of the wrong type, or to nothing."""

    @classmethod
    def wrong_type(
        cls, producer: str, produced: str, produced_type: str, consumer: str, slot: str, expected: str
    ) -> WiringError:
        """The value at one end is not the type the other end reads (exit 2 at load)."""
        return cls(
            f"{consumer} reads a {expected} as its {slot}, but it is wired to {produced}, a "
            f"{produced_type} made by {producer}",
            f"Wire {consumer}'s {slot} to a {expected}, or put a morphism {produced_type} → {expected} "
            "in between (`catdyn morphisms` lists them)",
        )

    @classmethod
    def arity(cls, consumer: str, expected: list[str], got: list[str]) -> WiringError:
        """The wrong number of inputs."""
        return cls(
            f"{consumer} reads {len(expected)} value(s) ({' × '.join(expected) or 'none: it starts from 1'}) "
            f"but is wired to {len(got)} ({' × '.join(got) or 'none'})",
            "Give one input per factor of its domain, in order",
        )

    @classmethod
    def not_a_node(cls, consumer: str, got: Any, experiment: str) -> WiringError:
        """An input that is not an object of this experiment's diagram."""
        return cls(
            f"{consumer} is wired to {got!r}, which is not an object of experiment {experiment}",
            "Pass the objects that e.add(...) returned in this experiment",
        )
