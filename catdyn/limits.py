"""Cospans, cones over them, and pullbacks with their universal property.

A :class:`Cospan` is ``A --left--> C <--right-- B``. A :class:`Cone` over it is an object
``X`` with ``p: X → A`` and ``q: X → B`` such that ``p >> left == q >> right``. A
:class:`Pullback` is a cone (apex ``P`` with projections) through which every other cone
factors uniquely: :meth:`Pullback.factor` returns that mediating morphism ``u: X → P``
with ``u >> p == p_X`` and ``u >> q == q_X``. Whether a declared pullback really has this
property is a law the checker tests.

>>> from catdyn.categories.finset import FinSet
>>> A, B, C = FinSet.object("A", 3), FinSet.object("B", 2), FinSet.object("C", 2)
>>> f = FinSet.function("f", A, C, [0, 1, 1])
>>> g = FinSet.function("g", B, C, [1, 0])
>>> P = FinSet.pullback(Cospan(f, g))
>>> P.apex.size, P.cone.commutes().equal
(3, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catdyn.category import Category, Comparison, Morphism, Object
from catdyn.errors import ConeError


@dataclass(frozen=True)
class Cospan:
    """Two morphisms with a common codomain: ``left: A → C`` and ``right: B → C``."""

    left: Morphism
    right: Morphism

    def __post_init__(self) -> None:
        if self.left.category != self.right.category:
            raise ConeError(
                f"cospan {self.left.name}, {self.right.name} mixes categories "
                f"{self.left.category.name} and {self.right.category.name}",
                "Both legs of a cospan must live in one category",
            )
        if self.left.cod != self.right.cod:
            raise ConeError(
                f"{self.left.name}: {self.left.dom.name} → {self.left.cod.name} and "
                f"{self.right.name}: {self.right.dom.name} → {self.right.cod.name} do not form "
                f"a cospan: their codomains differ",
                "The two legs of a cospan must end at the same object",
            )

    @property
    def category(self) -> Category:
        return self.left.category

    @property
    def name(self) -> str:
        return f"{self.left.name} → {self.left.cod.name} ← {self.right.name}"


@dataclass(frozen=True)
class Cone:
    """An apex with two legs over a cospan: ``left: apex → A``, ``right: apex → B``."""

    cospan: Cospan
    left: Morphism
    right: Morphism

    def __post_init__(self) -> None:
        if self.left.dom != self.right.dom:
            raise ConeError(
                f"the legs {self.left.name} and {self.right.name} of a cone start at different "
                f"objects ({self.left.dom.name} and {self.right.dom.name})",
                "Both legs of a cone start at its apex",
            )
        if self.left.cod != self.cospan.left.dom or self.right.cod != self.cospan.right.dom:
            raise ConeError(
                f"the cone {self.left.name}: {self.left.dom.name} → {self.left.cod.name}, "
                f"{self.right.name}: {self.right.dom.name} → {self.right.cod.name} does not sit "
                f"over the cospan {self.cospan.name} (its legs must end at "
                f"{self.cospan.left.dom.name} and {self.cospan.right.dom.name})",
                "Check the order of the legs",
            )

    @property
    def apex(self) -> Object:
        return self.left.dom

    def commutes(self) -> Comparison:
        """Compare the two ways round the square: ``left >> f`` and ``right >> g``."""
        return self.cospan.category.compare(
            self.left >> self.cospan.left, self.right >> self.cospan.right
        )


class Pullback:
    """A cone over a cospan together with the map that factors every other cone through it.

    ``mediate(cone)`` must return ``u: cone.apex → apex``. :meth:`factor` checks the given
    cone commutes before asking for ``u``.
    """

    def __init__(self, cone: Cone, mediate: Callable[[Cone], Morphism]) -> None:
        self.cone = cone
        self._mediate = mediate

    @property
    def cospan(self) -> Cospan:
        return self.cone.cospan

    @property
    def apex(self) -> Object:
        return self.cone.apex

    @property
    def left(self) -> Morphism:
        """The projection to the left leg's domain."""
        return self.cone.left

    @property
    def right(self) -> Morphism:
        """The projection to the right leg's domain."""
        return self.cone.right

    def factor(self, cone: Cone) -> Morphism:
        """The mediating morphism ``u: cone.apex → apex`` of a commuting cone."""
        if cone.cospan.left != self.cospan.left or cone.cospan.right != self.cospan.right:
            raise ConeError(
                f"the cone with legs {cone.left.name}, {cone.right.name} is over "
                f"{cone.cospan.name}, not over this pullback's cospan {self.cospan.name}",
                "Factor only cones over the same cospan",
            )
        check = cone.commutes()
        if not check.equal:
            raise ConeError(
                f"the cone with legs {cone.left.name}, {cone.right.name} does not commute over "
                f"{self.cospan.name} (residual {check.residual:.3g}), so it does not factor "
                f"through the pullback",
                "Only commuting cones factor; check that both ways round the square agree",
            )
        return self._mediate(cone)

    def __repr__(self) -> str:
        return f"Pullback(apex={self.apex.name}, over {self.cospan.name})"
