"""Functors between categories and natural transformations between functors.

A :class:`Functor` is given by an object map and a morphism map (functions, or dicts for
finite data). Applying it checks that the image of ``f: A → B`` goes ``F(A) → F(B)`` and
raises a :class:`~catdyn.errors.FunctorError` naming the functor and the morphism if not.
Whether it preserves identities and composition is a *law*, checked by ``catdyn check``.

>>> from catdyn.categories.finset import FinSet
>>> A, B = FinSet.object("A", 2), FinSet.object("B", 2)
>>> swap = FinSet.function("swap", A, B, [1, 0])
>>> Id = Functor.identity(FinSet)
>>> Id(swap) == swap
True
>>> eta = NaturalTransformation("id", Id, Id, lambda X: FinSet.identity(X))
>>> eta(A) == FinSet.identity(A)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from catdyn.category import Category, Morphism, Object
from catdyn.errors import FunctorError, NaturalityError, UnknownObjectError

ObjectMap = Callable[[Object], Object] | Mapping[Object, Object]
MorphismMap = Callable[[Morphism], Morphism] | Mapping[Morphism, Morphism]


def _lookup(table: ObjectMap | MorphismMap, x: Any, owner: Any, kind: str) -> Any:
    if isinstance(table, Mapping):
        try:
            return table[x]
        except KeyError:
            raise UnknownObjectError.missing(x, owner, known=list(table), kind=kind) from None
    return table(x)


class Functor:
    """A functor ``source → target``.

    ``on_objects`` and ``on_morphisms`` are functions or dicts. A dict-given functor
    raises :class:`~catdyn.errors.UnknownObjectError` for a missing key.
    """

    def __init__(
        self,
        name: str,
        source: Category,
        target: Category,
        on_objects: ObjectMap,
        on_morphisms: MorphismMap,
    ) -> None:
        self.name = name
        self.source = source
        self.target = target
        self._on_objects = on_objects
        self._on_morphisms = on_morphisms

    @classmethod
    def identity(cls, category: Category) -> Functor:
        """The identity functor of a category."""
        return cls(f"Id_{category.name}", category, category, lambda x: x, lambda f: f)

    def on_object(self, obj: Object) -> Object:
        """The image of an object."""
        if obj.category != self.source:
            raise FunctorError.wrong_category(self, obj, self.source, obj.category)
        return _lookup(self._on_objects, obj, self, "object")

    def on_morphism(self, f: Morphism) -> Morphism:
        """The image of a morphism, checked to go between the images of its ends."""
        if f.category != self.source:
            raise FunctorError.wrong_category(self, f, self.source, f.category)
        image = _lookup(self._on_morphisms, f, self, "morphism")
        dom, cod = self.on_object(f.dom), self.on_object(f.cod)
        if not isinstance(image, Morphism) or image.dom != dom or image.cod != cod:
            if not isinstance(image, Morphism):
                raise FunctorError(
                    f"functor {self.name} sends {f.name} to {image!r}, which is not a morphism",
                    f"Return a morphism of {self.target.name}",
                )
            raise FunctorError.wrong_ends(self, f, image, dom, cod)
        return image

    def __call__(self, x: Object | Morphism) -> Any:
        if isinstance(x, Morphism):
            return self.on_morphism(x)
        if isinstance(x, Object):
            return self.on_object(x)
        raise FunctorError(
            f"functor {self.name} was applied to {x!r}, which is neither an object nor a morphism",
            f"Apply it to objects and morphisms of {self.source.name}",
        )

    def then(self, other: Functor) -> Functor:
        """The composite functor: first ``self``, then ``other``."""
        if other.source != self.target:
            raise FunctorError(
                f"cannot compose functors {self.name} >> {other.name}: {self.name} lands in "
                f"{self.target.name} but {other.name} starts from {other.source.name}",
                "Compose functors whose categories meet",
            )
        return Functor(
            f"{self.name} >> {other.name}",
            self.source,
            other.target,
            lambda x: other.on_object(self.on_object(x)),
            lambda f: other.on_morphism(self.on_morphism(f)),
        )

    def __rshift__(self, other: Functor) -> Functor:
        return self.then(other)

    def __repr__(self) -> str:
        return f"Functor({self.name!r}: {self.source.name} → {self.target.name})"


class NaturalTransformation:
    """A natural transformation ``source ⇒ target`` between parallel functors, given by its
    components (a function or a dict from objects of the source category).

    Naturality (``F(f) >> η_B == η_A >> G(f)`` for every ``f: A → B``) is a law for the
    checker; this class checks only that each component goes ``F(A) → G(A)``.
    """

    def __init__(
        self,
        name: str,
        source: Functor,
        target: Functor,
        components: Callable[[Object], Morphism] | Mapping[Object, Morphism],
    ) -> None:
        if source.source != target.source or source.target != target.target:
            raise NaturalityError(
                f"natural transformation {name} joins {source.name}: {source.source.name} → "
                f"{source.target.name} and {target.name}: {target.source.name} → "
                f"{target.target.name}, which are not parallel",
                "Both functors must have the same source and target categories",
            )
        self.name = name
        self.source = source
        self.target = target
        self._components = components

    def component(self, obj: Object) -> Morphism:
        """The component at ``obj``, checked to go ``F(obj) → G(obj)``."""
        eta = _lookup(self._components, obj, self, "object")
        dom, cod = self.source(obj), self.target(obj)
        if not isinstance(eta, Morphism) or eta.dom != dom or eta.cod != cod:
            got = f"{eta.dom.name} → {eta.cod.name}" if isinstance(eta, Morphism) else repr(eta)
            raise NaturalityError(
                f"component of {self.name} at {obj.name} goes {got} but must go "
                f"{dom.name} → {cod.name} ({self.source.name}({obj.name}) → "
                f"{self.target.name}({obj.name}))",
                "Give each component the images of its object under both functors as ends",
            )
        return eta

    def __call__(self, obj: Object) -> Morphism:
        return self.component(obj)

    def __repr__(self) -> str:
        return f"NaturalTransformation({self.name!r}: {self.source.name} ⇒ {self.target.name})"
