"""Perm: symmetric groups and finite products of them, as a groupoid.

An object is a product ``S_{n1} × … × S_{nk}`` (written ``S(n1,…,nk)``) — for a network, one
factor per hidden layer, channel group or head group whose units may be permuted. Its only
morphisms are its own elements: tuples of permutations, one per factor. Every morphism is
invertible, so this is the *symmetry groupoid* that acts on parameters in the torch
backend.

Convention: a permutation ``σ`` is an integer array with ``σ[i]`` the position unit ``i``
is sent to. ``f >> g`` sends ``i`` to ``g[f[i]]``. Its matrix ``P`` has ``P[σ[i], i] = 1``,
so ``P @ e_i = e_{σ[i]}`` and permuting the coordinates of a column vector ``v`` by ``σ``
gives ``P @ v``.

>>> G = Perm.group(3, 2)
>>> G.name
'S(3,2)'
>>> s = Perm.element(G, [1, 2, 0], [1, 0], name="s")
>>> (s >> s.inverse()) == Perm.identity(G)
True
>>> [p.tolist() for p in (s >> s).perms]
[[2, 0, 1], [0, 1]]
>>> Perm.matrix(s, 0).tolist()
[[0, 0, 1], [1, 0, 0], [0, 1, 0]]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from catdyn.category import Category, Morphism, Object
from catdyn.errors import ShapeError

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

_HOM_ENUMERATION_LIMIT = 5040

MAX_SAMPLED_FACTOR = 6
"""The largest factor ``S_n`` sampling draws, whatever the size knob says."""


@dataclass(frozen=True, eq=False, repr=False)
class SymmetryGroup(Object):
    """The product ``S_{n1} × … × S_{nk}`` of symmetric groups (an object of Perm)."""

    name: str
    sizes: tuple[int, ...]

    def __post_init__(self) -> None:
        sizes = tuple(int(n) for n in self.sizes)
        if any(n < 0 for n in sizes):
            raise ShapeError(
                f"symmetry group {self.name} has a negative size in {sizes}",
                "Each factor S_n needs n ≥ 0",
            )
        object.__setattr__(self, "sizes", sizes)

    @property
    def category(self) -> PermCategory:
        return Perm

    @property
    def order(self) -> int:
        """The number of elements, ``n1! · … · nk!``."""
        return math.prod(math.factorial(n) for n in self.sizes)

    def _key(self) -> Hashable:
        return (self.name, self.sizes)


@dataclass(frozen=True, eq=False, repr=False)
class Permutation(Morphism):
    """An element of a symmetry group: one permutation array per factor."""

    name: str
    dom: SymmetryGroup
    cod: SymmetryGroup
    perms: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        if self.dom != self.cod:
            raise ShapeError(
                f"permutation {self.name} goes {self.dom.name} → {self.cod.name}, but Perm has "
                f"only automorphisms",
                "A permutation's domain and codomain are the same group",
            )
        perms = tuple(np.asarray(p) for p in self.perms)
        if len(perms) != len(self.dom.sizes):
            raise ShapeError(
                f"permutation {self.name} has {len(perms)} factor(s) but {self.dom.name} has "
                f"{len(self.dom.sizes)}",
                "Give one permutation per factor of the group",
            )
        checked = []
        for k, (p, n) in enumerate(zip(perms, self.dom.sizes)):
            if p.ndim != 1 or len(p) != n or (n and not np.issubdtype(p.dtype, np.integer)):
                raise ShapeError(
                    f"factor {k} of permutation {self.name} must be {n} integers (a permutation "
                    f"of 0 … {n - 1} for S_{n} in {self.dom.name}), got shape {p.shape}",
                    "Give each factor as a list of positions",
                )
            p = p.astype(np.int64, copy=True)
            if n and not np.array_equal(np.sort(p), np.arange(n)):
                raise ShapeError(
                    f"factor {k} of {self.name} is not a permutation of 0 … {n - 1}: {p.tolist()}",
                    "Each position must appear exactly once",
                )
            p.setflags(write=False)
            checked.append(p)
        object.__setattr__(self, "perms", tuple(checked))

    @property
    def category(self) -> PermCategory:
        return Perm

    def _data_key(self) -> Hashable:
        return tuple(p.tobytes() for p in self.perms)

    def inverse(self) -> Permutation:
        """The inverse element (``σ >> σ.inverse()`` is the identity)."""
        return Permutation(f"{self.name}⁻¹", self.dom, self.cod, tuple(np.argsort(p) for p in self.perms))


class PermCategory(Category):
    """The groupoid of finite products of symmetric groups (use the instance ``Perm``)."""

    name = "Perm"

    def group(self, *sizes: int, name: str | None = None) -> SymmetryGroup:
        """The group ``S(n1,…,nk)``; its default name lists the sizes."""
        label = name if name is not None else "S(" + ",".join(str(int(n)) for n in sizes) + ")"
        return SymmetryGroup(label, tuple(sizes))

    def element(self, group: SymmetryGroup, *perms: Sequence[int] | np.ndarray, name: str = "σ") -> Permutation:
        """An element of ``group`` from one permutation per factor."""
        return Permutation(name, group, group, tuple(np.asarray(p) for p in perms))

    def random(self, group: SymmetryGroup, rng: np.random.Generator, name: str = "σ") -> Permutation:
        """A uniformly random element.

        >>> G = Perm.group(4)
        >>> Perm.random(G, np.random.default_rng(0)).dom == G
        True
        """
        return Permutation(name, group, group, tuple(rng.permutation(n) for n in group.sizes))

    def product(self, f: Permutation, g: Permutation) -> Permutation:
        """The element ``(f, g)`` of the product group ``dom f × dom g``.

        >>> a = Perm.element(Perm.group(2), [1, 0])
        >>> Perm.product(a, a).dom.name
        'S(2,2)'
        """
        group = self.group(*(f.dom.sizes + g.dom.sizes))
        return Permutation(f"({f.name}, {g.name})", group, group, f.perms + g.perms)

    @staticmethod
    def matrix(sigma: Permutation, factor: int = 0) -> np.ndarray:
        """The permutation matrix of one factor: ``P[σ[i], i] = 1``."""
        p = sigma.perms[factor]
        out = np.zeros((len(p), len(p)), dtype=np.int64)
        out[p, np.arange(len(p))] = 1
        return out

    # --- structure ----------------------------------------------------------------------
    def identity(self, obj: SymmetryGroup) -> Permutation:  # type: ignore[override]
        return Permutation(f"id_{obj.name}", obj, obj, tuple(np.arange(n) for n in obj.sizes))

    def compose(self, f: Permutation, g: Permutation) -> Permutation:  # type: ignore[override]
        return Permutation(f"{f.name} >> {g.name}", f.dom, g.cod, tuple(q[p] for p, q in zip(f.perms, g.perms)))

    # --- generation and enumeration -----------------------------------------------------
    def objects(self, max_factors: int = 2, max_size: int | None = None) -> SearchStrategy[SymmetryGroup]:  # type: ignore[override]
        """Groups of one or ``max_factors`` factors ``S_n``, ``n`` from 0 (the trivial group)
        to ``max_size`` — by default the size knob of the check in progress, capped at
        :data:`MAX_SAMPLED_FACTOR` (a factor of 6 already has 720 elements)."""
        from hypothesis import strategies as st

        if max_size is not None:
            sizes = st.lists(st.integers(0, max_size), min_size=1, max_size=max_factors)
            return sizes.map(lambda ns: self.group(*ns))

        @st.composite
        def groups(draw: Any) -> SymmetryGroup:
            from catdyn.checker.sampling import bounds

            top = min(bounds().max_size, MAX_SAMPLED_FACTOR)
            return self.group(*draw(st.lists(st.integers(0, top), min_size=1, max_size=max_factors)))

        return groups()

    def sample_features(self, x: Any) -> dict[str, Any]:
        """What the checker reports about drawn groups: their names (``S(3,2)``).

        >>> Perm.sample_features(Perm.group(3, 2))
        {'groups': 'S(3,2)'}
        """
        return {"groups": x.name} if isinstance(x, SymmetryGroup) else {}

    def morphisms(self, dom: SymmetryGroup, cod: SymmetryGroup) -> SearchStrategy[Permutation]:  # type: ignore[override]
        from hypothesis import strategies as st

        if dom != cod:
            return st.nothing()
        factors = st.tuples(*(st.permutations(list(range(n))) for n in dom.sizes))
        return factors.map(lambda ps: Permutation("σ", dom, dom, tuple(np.asarray(p, dtype=np.int64) for p in ps)))

    def composable(self, length: int) -> SearchStrategy[tuple[Morphism, ...]]:
        """Chains of elements of one group (the only composable chains in a groupoid of groups)."""
        from hypothesis import strategies as st

        return self.objects().flatmap(lambda g: st.tuples(*([self.morphisms(g, g)] * length)))

    def hom(self, dom: SymmetryGroup, cod: SymmetryGroup) -> Iterator[Permutation] | None:  # type: ignore[override]
        """Every element of the group when it has at most 5040, nothing between different groups."""
        if dom != cod:
            return iter(())
        if dom.order > _HOM_ENUMERATION_LIMIT:
            return None
        factors = [itertools.permutations(range(n)) for n in dom.sizes]
        return (
            Permutation(f"σ{i}", dom, dom, tuple(np.asarray(p, dtype=np.int64) for p in ps))
            for i, ps in enumerate(itertools.product(*factors))
        )


Perm = PermCategory()
"""The symmetry groupoid (a single instance)."""
