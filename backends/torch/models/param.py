"""Param realised: parameter spaces of architectures and the function-preserving maps between
them.

An object is a :class:`ParamSpace` — the parameter space of one architecture; its elements are
parameter dicts of that architecture. A morphism ``Θ_A → Θ_B`` is a :class:`UnitMap`: for each
symmetry group of the architecture, which unit of ``A`` every unit of ``B`` copies and what
fraction of its outgoing weights it takes (see :mod:`catdyn.backends.torch.models.widening`). The
automorphisms are exactly the symmetry group's elements (the Perm morphisms of
``arch.symmetry.group``), so Param contains the symmetry groupoid; the other morphisms are
Net2Net widenings and their composites with permutations. Every morphism maps parameters to
parameters computing the same function (``f(θ)`` is ``f.act(θ)``).

Composition: ``f >> g`` copies ``source_f[source_g[k]]`` with fraction
``fraction_g[k] · fraction_f[source_g[k]]``; the identity copies each unit onto itself.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.categories.perm import Perm
>>> A = Param.space(MLP((2, 3, 1)))
>>> B = Param.space(MLP((2, 5, 1)))
>>> sigma = Param.symmetry(A, Perm.element(A.symmetry_group, [2, 0, 1]))
>>> w = Param.widening(A, {"hidden0": 5}, torch.Generator().manual_seed(0))
>>> (sigma >> w).dom == A and (sigma >> w).cod == B
True
>>> (Param.identity(A) >> sigma) == sigma
True
>>> theta = A.random(torch.Generator().manual_seed(0))
>>> x = torch.randn(4, 2)
>>> bool(torch.allclose(B.arch.apply((sigma >> w)(theta), x), A.arch.apply(theta, x), atol=1e-6))
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from catdyn.backends.torch.models.architectures import MLP, Architecture, Params, random_params
from catdyn.backends.torch.models.symmetry import GroupElement, element_dict, to_permutation
from catdyn.backends.torch.models.widening import Split, check_unit_map, reindex, widening_map
from catdyn.categories.perm import Permutation, SymmetryGroup
from catdyn.category import Category, Comparison, Morphism, Object
from catdyn.errors import ShapeError

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

_HOM_LIMIT = 5040


@dataclass(frozen=True, eq=False, repr=False)
class ParamSpace(Object):
    """The parameter space of an architecture (an object of Param).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> Param.space(MLP((2, 3, 1))).dim
    13
    """

    arch: Architecture

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"Θ[{self.arch.name}]"

    @property
    def category(self) -> ParamCategory:
        return Param

    def _key(self) -> Hashable:
        return (type(self.arch).__name__, self.arch)

    @property
    def symmetry_group(self) -> SymmetryGroup:
        """The Perm object acting on this space."""
        return self.arch.symmetry.group

    @property
    def dim(self) -> int:
        """The number of real parameters (statistics included)."""
        return sum(t.numel() for t in self.arch.init(torch.Generator().manual_seed(0)).values())

    def init(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """A freshly initialised element."""
        return self.arch.init(generator, dtype)

    def random(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """An element with every entry random (see :func:`~catdyn.backends.torch.models.architectures.random_params`)."""
        return random_params(self.arch, generator, dtype)


@dataclass(frozen=True, eq=False, repr=False)
class UnitMap(Morphism):
    """A function-preserving map ``Θ_A → Θ_B``: per symmetry group (in the declared order),
    ``sources[g][j]`` is the unit of ``A`` that unit ``j`` of ``B`` copies and ``fractions[g][j]``
    the share of its outgoing weights. Checked on construction (onto, fractions summing to 1,
    ``B`` the architecture ``A`` resized accordingly).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> A = Param.space(MLP((2, 2, 1)))
    >>> UnitMap("swap", A, A, (np.array([1, 0]),), (np.ones(2),)).is_permutation
    True
    """

    name: str
    dom: ParamSpace
    cod: ParamSpace
    sources: tuple[np.ndarray, ...]
    fractions: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        groups = self.dom.arch.symmetry.groups
        if len(self.sources) != len(groups) or len(self.fractions) != len(groups):
            raise ShapeError(
                f"unit map {self.name} gives {len(self.sources)} source and {len(self.fractions)} fraction "
                f"vectors, but {self.dom.arch.name} has {len(groups)} symmetry groups",
                "Give one per group, in the declared order",
            )
        sources, fractions = [], []
        for g, s, f in zip(groups, self.sources, self.fractions):
            s = np.array(s, dtype=np.int64)
            f = np.array(f, dtype=np.float64)
            check_unit_map(self.dom.arch, g.name, torch.from_numpy(s), torch.from_numpy(f))
            s.setflags(write=False)
            f.setflags(write=False)
            sources.append(s)
            fractions.append(f)
        expected = self.dom.arch.resized({g.name: len(s) for g, s in zip(groups, sources)})
        if expected != self.cod.arch:
            raise ShapeError(
                f"unit map {self.name} resizes {self.dom.arch.name} to {expected.name}, not {self.cod.arch.name}",
                "The codomain must be the domain's architecture with the groups' new sizes",
            )
        object.__setattr__(self, "sources", tuple(sources))
        object.__setattr__(self, "fractions", tuple(fractions))

    @property
    def category(self) -> ParamCategory:
        return Param

    def _data_key(self) -> Hashable:
        return tuple(s.tobytes() for s in self.sources) + tuple(f.tobytes() for f in self.fractions)

    @property
    def is_permutation(self) -> bool:
        """Whether this is an element of the symmetry group (a bijection on every group's units)."""
        return self.dom == self.cod and all(
            np.array_equal(np.sort(s), np.arange(len(s))) and np.all(f == 1.0)
            for s, f in zip(self.sources, self.fractions)
        )

    def permutation(self) -> Permutation:
        """The Perm morphism this is (``σ[i]`` = the unit that copies ``i``), for a permutation."""
        if not self.is_permutation:
            raise ShapeError(
                f"unit map {self.name} is not a permutation", "Only automorphisms are Perm elements"
            )
        return to_permutation(
            self.dom.arch,
            {g.name: np.argsort(s) for g, s in zip(self.dom.arch.symmetry.groups, self.sources)},
        )

    def maps(self) -> dict[str, tuple[Tensor, Tensor]]:
        """``{group: (source, fraction)}`` as tensors."""
        return {
            g.name: (torch.from_numpy(s.copy()), torch.from_numpy(f.copy()))
            for g, s, f in zip(self.dom.arch.symmetry.groups, self.sources, self.fractions)
        }

    def act(self, params: Mapping[str, Tensor]) -> Params:
        """The image of an element of ``dom``: parameters of ``cod`` computing the same function."""
        return reindex(self.dom.arch, params, self.maps())[1]

    def __call__(self, params: Mapping[str, Tensor]) -> Params:
        return self.act(params)


class ParamCategory(Category):
    """Parameter spaces and function-preserving unit maps (use the instance ``Param``)."""

    name = "Param"

    def __init__(self, spaces: Sequence[Architecture] | None = None) -> None:
        self._default_archs = tuple(spaces) if spaces is not None else (MLP((3, 3, 2)), MLP((2, 2, 3, 2)))

    # --- constructors -------------------------------------------------------------------
    def space(self, arch: Architecture) -> ParamSpace:
        """The parameter space of ``arch``."""
        return ParamSpace(arch)

    def symmetry(self, space: ParamSpace, sigma: GroupElement, name: str = "σ") -> UnitMap:
        """The automorphism ``θ ↦ σ·θ`` of a group element (a Perm morphism or ``{group: perm}``).

        >>> from catdyn.backends.torch.models.architectures import GRU
        >>> A = Param.space(GRU(2, 3, 2))
        >>> Param.symmetry(A, {"hidden": [1, 2, 0]}).sources[0].tolist()
        [2, 0, 1]
        """
        perm = to_permutation(space.arch, sigma) if not isinstance(sigma, Permutation) else sigma
        element_dict(space.arch, perm)
        sources = tuple(np.argsort(p) for p in perm.perms)
        return UnitMap(name, space, space, sources, tuple(np.ones(len(p)) for p in perm.perms))

    def widening(
        self,
        space: ParamSpace,
        sizes: Mapping[str, int],
        generator: torch.Generator,
        split: Split = "equal",
        name: str = "w",
    ) -> UnitMap:
        """A Net2Net widening of the groups in ``sizes`` (extra units copy random units). A name
        that is not one of the architecture's groups is refused, listing them.

        >>> from catdyn.backends.torch.models.architectures import MLP
        >>> Param.widening(Param.space(MLP((2, 3, 1))), {"hiddenX": 5}, torch.Generator())
        Traceback (most recent call last):
        ...
        catdyn.errors.ShapeError: mlp(2-3-1) has no symmetry group 'hiddenX'. Its groups are ['hidden0'].
        """
        space.arch._check_sizes(sizes)
        sources, fractions = [], []
        for g in space.arch.symmetry.groups:
            n = int(sizes.get(g.name, g.size))
            if n != g.size and not g.widenable:
                raise ShapeError(
                    f"group {g.name} of {space.arch.name} cannot be widened (a layer norm reads its coordinates)",
                    "Widen another group",
                )
            s, f = widening_map(g.size, n, generator, split)
            sources.append(s.numpy())
            fractions.append(f.numpy())
        cod = self.space(
            space.arch.resized({g.name: len(s) for g, s in zip(space.arch.symmetry.groups, sources)})
        )
        return UnitMap(name, space, cod, tuple(sources), tuple(fractions))

    # --- structure ----------------------------------------------------------------------
    def identity(self, obj: ParamSpace) -> UnitMap:  # type: ignore[override]
        groups = obj.arch.symmetry.groups
        return UnitMap(
            f"id_{obj.name}",
            obj,
            obj,
            tuple(np.arange(g.size) for g in groups),
            tuple(np.ones(g.size) for g in groups),
        )

    def compose(self, f: UnitMap, g: UnitMap) -> UnitMap:  # type: ignore[override]
        sources = tuple(sf[sg] for sf, sg in zip(f.sources, g.sources))
        fractions = tuple(fg * ff[sg] for ff, fg, sg in zip(f.fractions, g.fractions, g.sources))
        return UnitMap(f"{f.name} >> {g.name}", f.dom, g.cod, sources, fractions)

    def compare(self, f: Morphism, g: Morphism) -> Comparison:
        """Sources exactly, fractions to 1e-12 (products of fractions round); exact when the
        fractions agree bit for bit (always, for symmetries)."""
        if not (isinstance(f, UnitMap) and isinstance(g, UnitMap)) or (f.dom, f.cod) != (g.dom, g.cod):
            return Comparison(False, math.inf, exact=True)
        if any(not np.array_equal(a, b) for a, b in zip(f.sources, g.sources)):
            return Comparison(False, 1.0, exact=True)
        residual = max(
            (float(np.max(np.abs(a - b), initial=0.0)) for a, b in zip(f.fractions, g.fractions)), default=0.0
        )
        return Comparison(residual <= 1e-12, residual, exact=residual == 0.0)

    # --- generation and enumeration -----------------------------------------------------
    def objects(self) -> SearchStrategy[ParamSpace]:  # type: ignore[override]
        """Small parameter spaces (two MLPs by default; ``ParamCategory(spaces=…)`` for others)."""
        from hypothesis import strategies as st

        return st.sampled_from([self.space(a) for a in self._default_archs])

    def related(self, dom: ParamSpace, cod: ParamSpace) -> bool:
        """Whether unit maps ``dom → cod`` exist: ``cod`` is ``dom``'s architecture with no group
        smaller and only widenable groups larger.

        >>> from catdyn.backends.torch.models.architectures import MLP
        >>> Param.related(Param.space(MLP((2, 3, 1))), Param.space(MLP((2, 5, 1))))
        True
        """
        groups, cod_groups = dom.arch.symmetry.groups, cod.arch.symmetry.groups
        if [g.name for g in groups] != [g.name for g in cod_groups]:
            return False
        if dom.arch.resized({g.name: h.size for g, h in zip(groups, cod_groups)}) != cod.arch:
            return False
        return all(h.size == g.size or (h.size > g.size and g.widenable) for g, h in zip(groups, cod_groups))

    def morphisms(self, dom: ParamSpace, cod: ParamSpace) -> SearchStrategy[UnitMap]:  # type: ignore[override]
        """Unit maps ``dom → cod``: random surjections of units (a permutation when the sizes
        agree) with random fractions; nothing when ``cod`` is not a widening of ``dom``."""
        from hypothesis import strategies as st

        if not self.related(dom, cod):
            return st.nothing()
        groups, cod_groups = dom.arch.symmetry.groups, cod.arch.symmetry.groups

        def factor(n: int, m: int) -> SearchStrategy[tuple[np.ndarray, np.ndarray]]:
            if m == n:
                return st.permutations(list(range(n))).map(
                    lambda p: (np.array(p, dtype=np.int64), np.ones(n))
                )
            base = st.tuples(
                st.permutations(list(range(m))),
                st.lists(st.integers(0, n - 1), min_size=m - n, max_size=m - n),
                st.lists(st.integers(1, 4), min_size=m, max_size=m),
            )

            def build(t: tuple[list[int], list[int], list[int]]) -> tuple[np.ndarray, np.ndarray]:
                order, extra, weights = t
                source = np.array(list(range(n)) + extra, dtype=np.int64)[order]
                w = np.array(weights, dtype=np.float64)
                totals = np.zeros(n)
                np.add.at(totals, source, w)
                return source, w / totals[source]

            return base.map(build)

        parts = st.tuples(*(factor(g.size, h.size) for g, h in zip(groups, cod_groups)))
        return parts.map(lambda ps: UnitMap("f", dom, cod, tuple(p[0] for p in ps), tuple(p[1] for p in ps)))

    def composable(self, length: int) -> SearchStrategy[tuple[Morphism, ...]]:
        """Chains of ``length`` unit maps through widenings by 0 or 1 unit per widenable group."""

        return self.objects().flatmap(lambda space: self.chains(space, length))

    def chains(self, space: ParamSpace, length: int) -> SearchStrategy[tuple[Morphism, ...]]:
        """Chains of ``length`` unit maps from ``space``, each widening every widenable group by 0
        or 1 unit (so symmetries, widenings and their mixtures all occur).

        >>> from catdyn.backends.torch.models.architectures import MLP
        >>> f, g = Param.chains(Param.space(MLP((2, 2, 1))), 2).example()
        >>> f.cod == g.dom
        True
        """
        from hypothesis import strategies as st

        widenable = [g.name for g in space.arch.symmetry.groups if g.widenable]
        steps = st.lists(
            st.lists(st.integers(0, 1), min_size=len(widenable), max_size=len(widenable)),
            min_size=length,
            max_size=length,
        )

        def spaces(incs: list[list[int]]) -> SearchStrategy[tuple[Morphism, ...]]:
            objs, arch = [space], space.arch
            for inc in incs:
                arch = arch.resized({n: arch.symmetry[n].size + k for n, k in zip(widenable, inc)})
                objs.append(self.space(arch))
            return st.tuples(*(self.morphisms(a, b) for a, b in itertools.pairwise(objs)))

        return steps.flatmap(spaces)

    def hom(self, dom: ParamSpace, cod: ParamSpace) -> Iterator[UnitMap] | None:  # type: ignore[override]
        """Every automorphism (symmetry) of a space whose group has at most 5040 elements; ``None``
        (too many to list) between different sizes of one architecture; nothing otherwise."""
        if dom != cod:
            return None if self.related(dom, cod) else iter(())
        group = dom.symmetry_group
        if group.order > _HOM_LIMIT:
            return None
        factors = [itertools.permutations(range(n)) for n in group.sizes]
        return (
            UnitMap(
                f"σ{i}",
                dom,
                dom,
                tuple(np.array(p, dtype=np.int64) for p in ps),
                tuple(np.ones(len(p)) for p in ps),
            )
            for i, ps in enumerate(itertools.product(*factors))
        )


Param = ParamCategory()
"""Parameter spaces and function-preserving maps (a single instance; strategies draw small MLPs)."""


def parameters(space: ParamSpace, dtype: torch.dtype = torch.float64) -> SearchStrategy[Params]:
    """A hypothesis strategy for elements of ``space``: every entry random, from a drawn seed.

    >>> from hypothesis import given, settings
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> A = Param.space(MLP((2, 3, 1)))
    >>> parameters(A).example()["fc0.weight"].shape
    torch.Size([3, 2])
    """
    from hypothesis import strategies as st

    return st.integers(0, 2**31 - 1).map(lambda seed: ParamSample(space, seed, dtype).params)


@dataclass(frozen=True)
class ParamSample:
    """An element of a space drawn from a seed (shown as ``θ(seed)`` in counterexamples).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> s = ParamSample(Param.space(MLP((2, 3, 1))), 7)
    >>> str(s), sorted(s.params)[0]
    ('θ[mlp(2-3-1)](seed=7)', 'fc0.bias')
    """

    space: ParamSpace
    seed: int
    dtype: torch.dtype = torch.float64

    @property
    def params(self) -> Params:
        """The parameter dict."""
        return self.space.random(torch.Generator().manual_seed(self.seed), self.dtype)

    def __str__(self) -> str:
        return f"θ[{self.space.arch.name}](seed={self.seed})"


def samples(space: ParamSpace, dtype: torch.dtype = torch.float64) -> SearchStrategy[ParamSample]:
    """A hypothesis strategy of :class:`ParamSample` (elements that print as their seed).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> isinstance(samples(Param.space(MLP((2, 3, 1)))).example(), ParamSample)
    True
    """
    from hypothesis import strategies as st

    return st.integers(0, 2**31 - 1).map(lambda seed: ParamSample(space, seed, dtype))
