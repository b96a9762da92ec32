"""Cospans, cones over them, and pullbacks with their universal property; limits and
colimits of any finite diagram.

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

Every finite limit and colimit: :class:`Limit` (a :class:`DiagramCone` with its mediating
morphism) and :class:`Colimit` (a :class:`DiagramCocone`), computed by the diagram's category
(``Category.limit`` / ``Category.colimit``), and the named shapes built on them:
:func:`product`, :func:`coproduct`, :func:`equaliser`, :func:`coequaliser`,
:func:`pullback_of`, :func:`pushout`.

>>> E = equaliser(f, FinSet.function("h", A, C, [0, 0, 1]))
>>> E.apex.size, E.leg("A").table.tolist()
(2, [0, 2])

A diagram holds each object once, so shapes over a repeated object need a renamed copy:

>>> product(A, A)
Traceback (most recent call last):
...
catdyn.errors.ConeError: the product over objects ['A', 'A'] repeats an object, and a diagram holds each object once. Make a renamed copy of the repeated object (and of the maps into or out of it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from catdyn.category import Category, Comparison, Morphism, Object
from catdyn.diagram import Diagram
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


# --- limits and colimits of finite diagrams ---------------------------------------------------
def _check_legs(diagram: Diagram, tip: Object, legs: Mapping[str, Morphism], kind: str, outward: bool) -> None:
    """Every object of the diagram has exactly one leg, between the tip and that object."""
    names = {o.name for o in diagram.objects}
    missing, extra = sorted(names - set(legs)), sorted(set(legs) - names)
    if missing or extra:
        raise ConeError(
            f"the {kind} over diagram {diagram.name} has legs for {sorted(legs)} but the diagram's "
            f"objects are {sorted(names)} (missing {missing}, not in the diagram {extra})",
            "Give one leg per object of the diagram, keyed by the object's name",
        )
    for name, leg in legs.items():
        obj = diagram.object(name)
        start, end = (tip, obj) if outward else (obj, tip)
        if leg.dom != start or leg.cod != end:
            raise ConeError(
                f"the leg {leg.name}: {leg.dom.name} → {leg.cod.name} of the {kind} over diagram "
                f"{diagram.name} should go {start.name} → {end.name}",
                f"A {kind}'s legs all {'start' if outward else 'end'} at its tip ({tip.name})",
            )


@dataclass(frozen=True, repr=False)
class DiagramCone:
    """A cone over a finite diagram: an apex and one leg ``apex → X`` per object ``X``
    (keyed by object name), commuting when ``legs[m.dom] >> m == legs[m.cod]`` for every
    morphism ``m`` of the diagram."""

    diagram: Diagram
    apex: Object
    legs: Mapping[str, Morphism]

    def __post_init__(self) -> None:
        _check_legs(self.diagram, self.apex, self.legs, "cone", outward=True)

    def __repr__(self) -> str:
        return _show_legs("cone from", self.apex, self.legs)

    def leg(self, obj: Object | str) -> Morphism:
        """The leg to an object (or its name)."""
        return self.legs[obj if isinstance(obj, str) else obj.name]

    def sides(self) -> list[tuple[str, Morphism, Morphism]]:
        """For each morphism ``m`` of the diagram: its name, ``legs[dom] >> m`` and ``legs[cod]``."""
        return [(m.name, self.legs[m.dom.name] >> m, self.legs[m.cod.name]) for m in self.diagram.morphisms]

    def commutes(self) -> Comparison:
        """Whether every triangle commutes (the worst residual among them)."""
        return _all_equal(self.diagram.category, self.sides())


@dataclass(frozen=True, repr=False)
class DiagramCocone:
    """A cocone under a finite diagram: a tip and one leg ``X → tip`` per object ``X``,
    commuting when ``m >> legs[m.cod] == legs[m.dom]`` for every morphism ``m``."""

    diagram: Diagram
    apex: Object
    legs: Mapping[str, Morphism]

    def __post_init__(self) -> None:
        _check_legs(self.diagram, self.apex, self.legs, "cocone", outward=False)

    def __repr__(self) -> str:
        return _show_legs("cocone into", self.apex, self.legs)

    def leg(self, obj: Object | str) -> Morphism:
        """The leg from an object (or its name)."""
        return self.legs[obj if isinstance(obj, str) else obj.name]

    def sides(self) -> list[tuple[str, Morphism, Morphism]]:
        """For each morphism ``m``: its name, ``m >> legs[cod]`` and ``legs[dom]``."""
        return [(m.name, m >> self.legs[m.cod.name], self.legs[m.dom.name]) for m in self.diagram.morphisms]

    def commutes(self) -> Comparison:
        """Whether every triangle commutes (the worst residual among them)."""
        return _all_equal(self.diagram.category, self.sides())


def _show_legs(kind: str, tip: Object, legs: Mapping[str, Morphism]) -> str:
    """``cone from X: x_A: X → A [0, 2]; …`` with each leg's data, briefly."""
    parts = []
    for leg in legs.values():
        data = getattr(leg, "table", None)
        data = getattr(leg, "matrix", None) if data is None else data
        shown = data.tolist() if hasattr(data, "tolist") else data
        parts.append(f"{leg.name}: {leg.dom.name} → {leg.cod.name} {shown}")
    return f"{kind} {tip.name}: " + "; ".join(parts)


def _all_equal(category: Category, sides: list[tuple[str, Morphism, Morphism]]) -> Comparison:
    parts = [category.compare(a, b) for _, a, b in sides]
    return Comparison(
        all(p.equal for p in parts), max((p.residual for p in parts), default=0.0), all(p.exact for p in parts)
    )


def _same_diagram(a: Diagram, b: Diagram) -> bool:
    return a is b or (set(a.morphisms) == set(b.morphisms) and set(a.objects) == set(b.objects))


class Limit:
    """A cone over a finite diagram through which every other cone factors uniquely.

    ``kind`` names the shape (``"product"``, ``"equaliser"``, ``"pullback"``, ``"limit"``);
    :meth:`factor` returns the mediating morphism ``u: X → apex`` of a commuting cone, with
    ``u >> legs[X] == cone.legs[X]`` for every object. Whether a declared limit really has this
    property is checked by :func:`catdyn.checker.universal.limit_laws`.

    >>> from catdyn.categories.finset import FinSet
    >>> A, B = FinSet.object("A", 2), FinSet.object("B", 3)
    >>> P = product(A, B)
    >>> P.kind, P.apex.size, P.leg("B").table.tolist()
    ('product', 6, [0, 1, 2, 0, 1, 2])
    """

    def __init__(self, cone: DiagramCone, mediate: Callable[[DiagramCone], Morphism], kind: str = "limit") -> None:
        self.cone = cone
        self._mediate = mediate
        self.kind = kind

    @property
    def diagram(self) -> Diagram:
        return self.cone.diagram

    @property
    def apex(self) -> Object:
        return self.cone.apex

    @property
    def legs(self) -> Mapping[str, Morphism]:
        return self.cone.legs

    def leg(self, obj: Object | str) -> Morphism:
        """The projection to an object of the diagram (or its name)."""
        return self.cone.leg(obj)

    def factor(self, cone: DiagramCone) -> Morphism:
        """The mediating morphism ``u: cone.apex → apex`` of a commuting cone."""
        if not _same_diagram(cone.diagram, self.diagram):
            raise ConeError(
                f"the cone from {cone.apex.name} is over diagram {cone.diagram.name}, not over "
                f"{self.diagram.name}",
                "Factor only cones over the limit's own diagram",
            )
        check = cone.commutes()
        if not check.equal:
            raise ConeError(
                f"the cone from {cone.apex.name} does not commute over diagram {self.diagram.name} "
                f"(residual {check.residual:.3g}), so it does not factor through the {self.kind}",
                "Only commuting cones factor",
            )
        return self._mediate(cone)

    def __repr__(self) -> str:
        return f"Limit({self.kind}, apex={self.apex.name}, over {self.diagram.name})"


class Colimit:
    """A cocone under a finite diagram through which every other cocone factors uniquely:
    :meth:`factor` returns ``u: apex → Y`` with ``legs[X] >> u == cocone.legs[X]``.

    >>> from catdyn.categories.finset import FinSet
    >>> A, B = FinSet.object("A", 3), FinSet.object("B", 3)
    >>> s = FinSet.function("s", A, B, [1, 0, 2])
    >>> Q = coequaliser(s, FinSet.function("i", A, B, [0, 1, 2]))
    >>> Q.kind, Q.apex.size, Q.leg("B").table.tolist()
    ('coequaliser', 2, [0, 0, 1])
    """

    def __init__(
        self, cocone: DiagramCocone, mediate: Callable[[DiagramCocone], Morphism], kind: str = "colimit"
    ) -> None:
        self.cocone = cocone
        self._mediate = mediate
        self.kind = kind

    @property
    def diagram(self) -> Diagram:
        return self.cocone.diagram

    @property
    def apex(self) -> Object:
        return self.cocone.apex

    @property
    def legs(self) -> Mapping[str, Morphism]:
        return self.cocone.legs

    def leg(self, obj: Object | str) -> Morphism:
        """The injection from an object of the diagram (or its name)."""
        return self.cocone.leg(obj)

    def factor(self, cocone: DiagramCocone) -> Morphism:
        """The mediating morphism ``u: apex → cocone.apex`` of a commuting cocone."""
        if not _same_diagram(cocone.diagram, self.diagram):
            raise ConeError(
                f"the cocone into {cocone.apex.name} is under diagram {cocone.diagram.name}, not "
                f"under {self.diagram.name}",
                "Factor only cocones under the colimit's own diagram",
            )
        check = cocone.commutes()
        if not check.equal:
            raise ConeError(
                f"the cocone into {cocone.apex.name} does not commute under diagram "
                f"{self.diagram.name} (residual {check.residual:.3g}), so it does not factor through "
                f"the {self.kind}",
                "Only commuting cocones factor",
            )
        return self._mediate(cocone)

    def __repr__(self) -> str:
        return f"Colimit({self.kind}, apex={self.apex.name}, under {self.diagram.name})"


# --- the shapes, each through the category's limit / colimit ----------------------------------
def _distinct(objects: Sequence[Object], what: str) -> Category:
    """The objects' category, after checking that no object repeats: a diagram's objects are
    distinct by name, so ``A × A`` or the equaliser of two endomorphisms needs a renamed copy."""
    if not objects:
        raise ConeError(f"a {what} of no objects needs a category", "Use the category's terminal or initial object")
    names = [o.name for o in objects]
    if len(set(names)) != len(names):
        raise ConeError(
            f"the {what} over objects {names} repeats an object, and a diagram holds each object once",
            "Make a renamed copy of the repeated object (and of the maps into or out of it)",
        )
    return objects[0].category


def limit(diagram: Diagram, kind: str = "limit") -> Limit:
    """The limit of a finite diagram, computed by its category (``Category.limit``)."""
    return diagram.category.limit(diagram, kind)


def colimit(diagram: Diagram, kind: str = "colimit") -> Colimit:
    """The colimit of a finite diagram, computed by its category (``Category.colimit``)."""
    return diagram.category.colimit(diagram, kind)


def product(*objects: Object) -> Limit:
    """The product of distinct objects: the limit of the discrete diagram on them."""
    cat = _distinct(objects, "product")
    names = "×".join(o.name for o in objects)
    return limit(Diagram(names, cat, objects=objects), "product")


def coproduct(*objects: Object) -> Colimit:
    """The coproduct of distinct objects: the colimit of the discrete diagram on them.

    >>> from catdyn.categories.finset import FinSet
    >>> S = coproduct(FinSet.object("A", 2), FinSet.object("B", 1))
    >>> S.apex.size, S.leg("B").table.tolist()
    (3, [2])
    """
    cat = _distinct(objects, "coproduct")
    return colimit(Diagram("+".join(o.name for o in objects), cat, objects=objects), "coproduct")


def _pair(f: Morphism, g: Morphism, what: str) -> Diagram:
    if f.dom != g.dom or f.cod != g.cod:
        raise ConeError(
            f"{f.name}: {f.dom.name} → {f.cod.name} and {g.name}: {g.dom.name} → {g.cod.name} are not "
            f"parallel, so they have no {what}",
            "Give two morphisms with the same domain and the same codomain",
        )
    _distinct([f.dom, f.cod], what)
    return Diagram(f"{f.name} ⇉ {g.name}", f.category, [f, g])


def equaliser(f: Morphism, g: Morphism) -> Limit:
    """The equaliser of two parallel morphisms: the limit of ``f, g: A ⇉ B``."""
    return limit(_pair(f, g, "equaliser"), "equaliser")


def coequaliser(f: Morphism, g: Morphism) -> Colimit:
    """The coequaliser of two parallel morphisms: the colimit of ``f, g: A ⇉ B``."""
    return colimit(_pair(f, g, "coequaliser"), "coequaliser")


def pullback_of(f: Morphism, g: Morphism) -> Limit:
    """The pullback of a cospan ``f: A → C ← B :g`` as the limit of that diagram.

    >>> from catdyn.categories.finset import FinSet
    >>> A, C = FinSet.object("A", 3), FinSet.object("C", 2)
    >>> f = FinSet.function("f", A, C, [0, 1, 1])
    >>> B = FinSet.object("B", 2)
    >>> pullback_of(f, FinSet.function("g", B, C, [1, 0])).apex.size
    3
    """
    Cospan(f, g)  # checks the ends
    _distinct([f.dom, g.dom, f.cod], "pullback")
    return limit(Diagram(f"{f.name} → {f.cod.name} ← {g.name}", f.category, [f, g]), "pullback")


def pushout(f: Morphism, g: Morphism) -> Colimit:
    """The pushout of a span ``f: C → A, g: C → B`` as the colimit of that diagram."""
    if f.dom != g.dom:
        raise ConeError(
            f"{f.name}: {f.dom.name} → {f.cod.name} and {g.name}: {g.dom.name} → {g.cod.name} do not "
            f"form a span: their domains differ",
            "The two legs of a span start at the same object",
        )
    _distinct([f.dom, f.cod, g.cod], "pushout")
    return colimit(Diagram(f"{f.name} ← {f.dom.name} → {g.name}", f.category, [f, g]), "pushout")
