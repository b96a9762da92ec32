"""Diagrams: a graph of objects and morphisms of one category, with declared equations
between paths.

The graph is a :class:`networkx.MultiDiGraph` (objects as nodes, morphisms as keyed
edges). An :class:`Equation` says two parallel paths compose to the same morphism; the
checker verifies it. :meth:`Diagram.paths` enumerates paths between two objects, and
:meth:`Diagram.parallel_pairs` every pair of distinct parallel paths (what "the diagram
commutes" quantifies over).

>>> from catdyn.categories.finset import FinSet
>>> A, B, C = (FinSet.object(n, 2) for n in "ABC")
>>> f = FinSet.function("f", A, B, [1, 0])
>>> g = FinSet.function("g", B, C, [1, 0])
>>> h = FinSet.function("h", A, C, [0, 1])
>>> d = Diagram("triangle", FinSet, [f, g, h], equations=[(["f", "g"], ["h"])])
>>> [m.name for m in d.equations[0].lhs]
['f', 'g']
>>> len(d.paths(A, C))
2
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from catdyn.category import Category, Morphism, Object, compose_all
from catdyn.errors import CompositionError, NameClashError, UnknownObjectError

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

PathLike = Sequence[Morphism | str] | Morphism | str


@dataclass(frozen=True)
class Equation:
    """Two parallel, non-empty paths declared to compose to the same morphism."""

    name: str
    lhs: tuple[Morphism, ...]
    rhs: tuple[Morphism, ...]

    @property
    def dom(self) -> Object:
        return self.lhs[0].dom

    @property
    def cod(self) -> Object:
        return self.lhs[-1].cod

    def sides(self) -> tuple[Morphism, Morphism]:
        """Both sides composed."""
        return compose_all(self.lhs), compose_all(self.rhs)


def path_name(path: Sequence[Morphism]) -> str:
    """``f >> g >> h`` for a path of morphisms."""
    return " >> ".join(m.name for m in path)


class Diagram:
    """A named diagram in one category: objects, morphisms between them and equations.

    ``morphisms`` bring their ends with them; ``objects`` adds isolated ones. Equations are
    pairs of paths, each a list of morphisms or of their names in this diagram.
    """

    def __init__(
        self,
        name: str,
        category: Category,
        morphisms: Iterable[Morphism] = (),
        objects: Iterable[Object] = (),
        equations: Iterable[tuple[PathLike, PathLike]] = (),
    ) -> None:
        self.name = name
        self.category = category
        self._objects: dict[str, Object] = {}
        self._morphisms: dict[str, Morphism] = {}
        for obj in objects:
            self._add_object(obj)
        for m in morphisms:
            if m.category != category:
                raise CompositionError(
                    f"diagram {name} is in {category.name} but {m.name} lives in {m.category.name}",
                    "Put only morphisms of the diagram's category in it",
                )
            if m.name in self._morphisms and self._morphisms[m.name] != m:
                raise NameClashError.clash("morphism", m.name, f"diagram {name}", self._morphisms[m.name], m)
            self._add_object(m.dom)
            self._add_object(m.cod)
            self._morphisms[m.name] = m
        eqs = []
        for i, (lhs, rhs) in enumerate(equations):
            left, right = self._path(lhs), self._path(rhs)
            label = f"{path_name(left)} = {path_name(right)}"
            if left[0].dom != right[0].dom or left[-1].cod != right[-1].cod:
                raise CompositionError(
                    f"equation {i} of diagram {name} ({label}) relates paths that are not parallel: "
                    f"{left[0].dom.name} → {left[-1].cod.name} and "
                    f"{right[0].dom.name} → {right[-1].cod.name}",
                    "Both sides of an equation must start and end at the same objects",
                )
            eqs.append(Equation(label, left, right))
        self.equations: tuple[Equation, ...] = tuple(eqs)

    def _add_object(self, obj: Object) -> None:
        known = self._objects.get(obj.name)
        if known is not None and known != obj:
            raise NameClashError.clash("object", obj.name, f"diagram {self.name}", known, obj)
        self._objects[obj.name] = obj

    def _path(self, path: PathLike) -> tuple[Morphism, ...]:
        items = [path] if isinstance(path, (Morphism, str)) else list(path)
        if not items:
            raise CompositionError(
                f"an equation of diagram {self.name} has an empty side",
                "Write the identity morphism of the object as a one-morphism path instead",
            )
        resolved = []
        for item in items:
            if isinstance(item, str):
                if item not in self._morphisms:
                    raise UnknownObjectError.missing(item, self, self._morphisms.values(), "morphism")
                item = self._morphisms[item]
            elif item.name not in self._morphisms:
                raise UnknownObjectError.missing(item, self, self._morphisms.values(), "morphism")
            elif self._morphisms[item.name] != item:
                # same name, different data: the equation would check a morphism not in the diagram
                raise NameClashError.clash("morphism", item.name, f"diagram {self.name}", self._morphisms[item.name], item)
            resolved.append(item)
        compose_all(resolved)  # raises a CompositionError naming the pair that does not meet
        return tuple(resolved)

    @property
    def objects(self) -> tuple[Object, ...]:
        return tuple(self._objects.values())

    @property
    def morphisms(self) -> tuple[Morphism, ...]:
        return tuple(self._morphisms.values())

    def object(self, name: str) -> Object:
        """The object with this name."""
        if name not in self._objects:
            raise UnknownObjectError.missing(name, self, self._objects.values())
        return self._objects[name]

    def morphism(self, name: str) -> Morphism:
        """The morphism with this name."""
        if name not in self._morphisms:
            raise UnknownObjectError.missing(name, self, self._morphisms.values(), "morphism")
        return self._morphisms[name]

    def graph(self) -> nx.MultiDiGraph:
        """The diagram as a networkx multigraph (nodes: object names; edges keyed by
        morphism name, with the morphism under ``"morphism"``)."""
        import networkx as nx

        g = nx.MultiDiGraph(name=self.name)
        for obj in self._objects.values():
            g.add_node(obj.name, object=obj)
        for m in self._morphisms.values():
            g.add_edge(m.dom.name, m.cod.name, key=m.name, morphism=m)
        return g

    def paths(self, src: Object, dst: Object, max_length: int | None = None) -> list[tuple[Morphism, ...]]:
        """All non-empty paths ``src → dst`` of at most ``max_length`` morphisms (default:
        the number of morphisms, enough for every path of an acyclic diagram)."""
        for obj in (src, dst):
            if obj.name not in self._objects:
                raise UnknownObjectError.missing(obj, self, self._objects.values())
        limit = len(self._morphisms) if max_length is None else max_length
        out: list[tuple[Morphism, ...]] = []
        outgoing: dict[Object, list[Morphism]] = {}
        for m in self._morphisms.values():
            outgoing.setdefault(m.dom, []).append(m)

        def walk(at: Object, prefix: tuple[Morphism, ...]) -> None:
            if len(prefix) >= limit:
                return
            for m in outgoing.get(at, []):
                path = (*prefix, m)
                if m.cod == dst:
                    out.append(path)
                walk(m.cod, path)

        walk(src, ())
        return out

    def parallel_pairs(self, max_length: int | None = None) -> list[tuple[tuple[Morphism, ...], tuple[Morphism, ...]]]:
        """Every unordered pair of distinct parallel paths (what "commutes" quantifies over)."""
        pairs = []
        for a in self._objects.values():
            for b in self._objects.values():
                ps = self.paths(a, b, max_length)
                pairs.extend((ps[i], ps[j]) for i in range(len(ps)) for j in range(i + 1, len(ps)))
        return pairs

    def __repr__(self) -> str:
        return (
            f"Diagram({self.name!r} in {self.category.name}: {len(self._objects)} objects, "
            f"{len(self._morphisms)} morphisms, {len(self.equations)} equations)"
        )
