"""Suites: the laws a spec's things promise, as :class:`~catdyn.checker.law.Law` objects.

=================  ===========================================================================
thing              laws
=================  ===========================================================================
Category           left identity, right identity, associativity
Functor F          ``F(id_X) = id_F(X)``, ``F(f >> g) = F(f) >> F(g)``
NaturalTransf. η   ``F(f) >> η_B = η_A >> G(f)`` for every ``f: A → B``
Diagram            each declared equation (pointwise on elements for finite sets)
Pullback           the square commutes; every cone factors through the apex; uniquely
Cone               the cone commutes
=================  ===========================================================================

Each law carries every way its arguments can come: an enumeration (when the objects —
given with ``objects=`` or enumerable by the category — have small enough hom-sets), symbolic
arguments (matrices of symbols, when the category has ``generic``, as MatQ does), and a
hypothesis strategy built from the category's own strategies.

How cones are generated and uniqueness is tested, per category:

- **FinSet**: the commuting pairs ``{(a, b) : f(a) = g(b)}`` are found by nested loops (a
  reference independent of the apex under test); a cone from ``X`` is any choice of pairs for
  the elements of ``X``. *Uniqueness* is counted element by element — the factorisations of a
  cone from the one-point set at ``(a, b)`` are the apex elements projecting to ``(a, b)`` —
  and is enumerated over every pair: together with the commuting square this *proves* the
  universal property (``(p, q)`` is a bijection onto the pairs). ``factor`` itself is
  sampled on cones from sets of ``0 … n`` elements, ``n`` the largest of the apex, the number
  of commuting pairs and the size knob (8), after the boundary cones: the empty cone, the
  cone of every commuting pair, and the pullback's own cone (as large as its apex).
- **Mat**: cones are built from a basis of ``ker [f, −g]`` computed by sympy (MatQ) or numpy
  (MatR), independently of the apex; sampled cones have ``0 … max(dim apex, 4)`` columns,
  after the boundary cones (no column, the whole kernel basis, the pullback's own cone).
  Two factorisations differ by a vector of ``ker [p; q]``; a second factorisation is shown
  when that kernel is non-zero.
- **any other category** (e.g. Perm): cones and factorisations are found by enumerating
  hom-sets (``Category.hom``) from the apex, the cospan's objects and any enumerable objects.

>>> from catdyn.categories.finset import FinSet
>>> from catdyn.checker.law import check_laws
>>> from catdyn.limits import Cospan
>>> A, C = FinSet.object("A", 3), FinSet.object("C", 2)
>>> f = FinSet.function("f", A, C, [0, 1, 1])
>>> P = FinSet.pullback(Cospan(f, f))
>>> [(r.law, r.status) for r in check_laws(pullback_laws(P))]  # doctest: +NORMALIZE_WHITESPACE
[('square commutes', 'proved'), ('every cone factors', 'held'),
 ('factorisation is unique', 'proved')]
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from catdyn.category import Category, Morphism, Object, compose_all
from catdyn.checker.law import Law
from catdyn.checker.universal import colimit_laws, factorisation_laws, limit_laws
from catdyn.diagram import Diagram, Equation, path_name
from catdyn.errors import CategoryError
from catdyn.functor import Functor, NaturalTransformation
from catdyn.limits import Colimit, Cone, Limit, Pullback

MAX_ENUMERATION = 20_000
"""The most argument tuples a suite will enumerate before leaving a law to sampling."""

SYMBOLIC_DIMS: tuple[int, ...] = (1, 2, 3)
"""Dimensions of the generic (symbolic) matrices used when no objects are given."""


# --- argument sources -------------------------------------------------------------------------
def _hom_list(category: Category, a: Object, b: Object, cap: int) -> list[Morphism] | None:
    hom = category.hom(a, b)
    if hom is None:
        return None
    out = list(itertools.islice(hom, cap + 1))
    return None if len(out) > cap else out


def _object_list(category: Category, objects: Sequence[Object] | None) -> list[Object] | None:
    if objects is not None:
        return list(objects)
    found = category.enumerate_objects()
    return None if found is None else list(itertools.islice(found, 64))


def _chains_enumerated(
    category: Category, objects: Sequence[Object] | None, length: int, cap: int = MAX_ENUMERATION
) -> Callable[[], Iterator[tuple[Morphism, ...]] | None]:
    """Every chain of ``length`` composable morphisms between the objects, or ``None``."""

    def enumerate_chains() -> Iterator[tuple[Morphism, ...]] | None:
        objs = _object_list(category, objects)
        if objs is None:
            return None
        homs: dict[tuple[Object, Object], list[Morphism]] = {}
        for a in objs:
            for b in objs:
                h = _hom_list(category, a, b, cap)
                if h is None:
                    return None
                homs[(a, b)] = h
        total = 0
        for ends in itertools.product(objs, repeat=length + 1):
            n = 1
            for a, b in itertools.pairwise(ends):
                n *= len(homs[(a, b)])
            total += n
            if total > cap:
                return None

        def gen() -> Iterator[tuple[Morphism, ...]]:
            for ends in itertools.product(objs, repeat=length + 1):
                yield from itertools.product(*(homs[(a, b)] for a, b in itertools.pairwise(ends)))

        return gen()

    return enumerate_chains


def _chains_strategy(category: Category, objects: Sequence[Object] | None, length: int) -> Any:
    """Chains of ``length`` composable morphisms: the category's own ``composable`` when it
    overrides it (Perm does), else objects then morphisms drawn in one composite step with
    the morphism strategies cached per pair of ends (several times faster than a flatmap)."""
    from hypothesis import strategies as st

    if objects is None and type(category).composable is not Category.composable:
        return category.composable(length)
    ends = st.sampled_from(list(objects)) if objects is not None else category.objects()
    cache: dict[tuple[Object, Object], Any] = {}

    def morphisms(a: Object, b: Object) -> Any:
        if (a, b) not in cache:
            cache[(a, b)] = category.morphisms(a, b)
        return cache[(a, b)]

    @st.composite
    def chains(draw: Any) -> tuple[Morphism, ...]:
        objs = [draw(ends) for _ in range(length + 1)]
        return tuple(draw(morphisms(a, b)) for a, b in itertools.pairwise(objs))

    return chains()


def _symbolic_objects(
    category: Category, objects: Sequence[Object] | None, length: int
) -> list[Object] | None:
    if not hasattr(category, "generic"):
        return None
    if objects is not None:
        return list(objects)
    dims = SYMBOLIC_DIMS if length <= 2 else SYMBOLIC_DIMS[:2]
    return [category.object(f"V{n}", n) for n in dims]  # type: ignore[attr-defined]


def _chains_symbolic(
    category: Category, objects: Sequence[Object] | None, length: int
) -> Callable[[], Iterator[tuple[Morphism, ...]] | None] | None:
    """Chains of matrices of independent symbols over every tuple of objects."""
    if not hasattr(category, "generic"):
        return None
    names = "fghk"

    def gen() -> Iterator[tuple[Morphism, ...]] | None:
        objs = _symbolic_objects(category, objects, length)
        if objs is None:
            return None
        return (
            tuple(category.generic(names[i], a, b) for i, (a, b) in enumerate(itertools.pairwise(ends)))  # type: ignore[attr-defined]
            for ends in itertools.product(objs, repeat=length + 1)
        )

    return gen


def _objects_strategy(category: Category, objects: Sequence[Object] | None) -> Any:
    from hypothesis import strategies as st

    if objects is not None:
        return st.sampled_from(list(objects)).map(lambda x: (x,))
    return category.objects().map(lambda x: (x,))


def _objects_enumerated(category: Category, objects: Sequence[Object] | None) -> Callable[[], Any]:
    def gen() -> Iterator[tuple[Object]] | None:
        objs = _object_list(category, objects)
        return None if objs is None else ((x,) for x in objs)

    return gen


def _objects_symbolic(category: Category, objects: Sequence[Object] | None) -> Callable[[], Any] | None:
    if not hasattr(category, "generic"):
        return None

    def gen() -> Iterator[tuple[Object]] | None:
        objs = _symbolic_objects(category, objects, 1)
        return None if objs is None else ((x,) for x in objs)

    return gen


def _scope(category: Category, objects: Sequence[Object] | None) -> str:
    if objects is not None:
        return "over " + ", ".join(o.name for o in objects)
    return f"over {category.name}"


# --- category, functor, naturality ------------------------------------------------------------
def category_laws(
    category: Category, objects: Sequence[Object] | None = None, subject: str = ""
) -> list[Law]:
    """Identity and associativity laws of a category (over ``objects`` when given).

    >>> from catdyn.categories.perm import Perm
    >>> [law.name for law in category_laws(Perm)]
    ['left identity', 'right identity', 'associativity']
    """
    subject = subject or category.name
    scope = _scope(category, objects)

    def chain_law(
        name: str,
        n: int,
        lhs: Callable[..., Any],
        rhs: Callable[..., Any],
        names: tuple[str, ...],
        statement: str,
    ) -> Law:
        return Law(
            name,
            "category",
            lhs,
            rhs,
            arguments=_chains_strategy(category, objects, n),
            enumerate=_chains_enumerated(category, objects, n),
            symbolic=_chains_symbolic(category, objects, n),
            symbolic_covers_all=objects is not None,
            argnames=names,
            statement=f"{statement} {scope}",
            subject=subject,
        )

    return [
        chain_law(
            "left identity", 1, lambda f: category.identity(f.dom) >> f, lambda f: f, ("f",), "id_A >> f = f"
        ),
        chain_law(
            "right identity", 1, lambda f: f >> category.identity(f.cod), lambda f: f, ("f",), "f >> id_B = f"
        ),
        chain_law(
            "associativity",
            3,
            lambda f, g, h: (f >> g) >> h,
            lambda f, g, h: f >> (g >> h),
            ("f", "g", "h"),
            "(f >> g) >> h = f >> (g >> h)",
        ),
    ]


def functor_laws(functor: Functor, objects: Sequence[Object] | None = None, subject: str = "") -> list[Law]:
    """``F(id_X) = id_F(X)`` and ``F(f >> g) = F(f) >> F(g)`` (over ``objects`` when given).

    >>> from catdyn.categories.finset import FinSet
    >>> [law.statement for law in functor_laws(Functor.identity(FinSet))][1]
    'Id_FinSet(f >> g) = Id_FinSet(f) >> Id_FinSet(g) over FinSet'
    """
    F, C, D = functor, functor.source, functor.target
    subject = subject or F.name
    scope = _scope(C, objects)
    identity = Law(
        "preserves identities",
        "functor",
        lambda x: F(C.identity(x)),
        lambda x: D.identity(F(x)),
        arguments=_objects_strategy(C, objects),
        enumerate=_objects_enumerated(C, objects),
        symbolic=_objects_symbolic(C, objects),
        symbolic_covers_all=objects is not None,
        argnames=("X",),
        statement=f"{F.name}(id_X) = id_{F.name}(X) {scope}",
        subject=subject,
    )
    composition = Law(
        "preserves composition",
        "functor",
        lambda f, g: F(f >> g),
        lambda f, g: F(f) >> F(g),
        arguments=_chains_strategy(C, objects, 2),
        enumerate=_chains_enumerated(C, objects, 2),
        symbolic=_chains_symbolic(C, objects, 2),
        symbolic_covers_all=objects is not None,
        argnames=("f", "g"),
        statement=f"{F.name}(f >> g) = {F.name}(f) >> {F.name}(g) {scope}",
        subject=subject,
    )
    return [identity, composition]


def naturality_laws(
    eta: NaturalTransformation, objects: Sequence[Object] | None = None, subject: str = ""
) -> list[Law]:
    """``F(f) >> η_B = η_A >> G(f)`` for every ``f: A → B`` (over ``objects`` when given).

    >>> from catdyn.categories.finset import FinSet
    >>> Id = Functor.identity(FinSet)
    >>> eta = NaturalTransformation("1", Id, Id, FinSet.identity)
    >>> naturality_laws(eta)[0].statement
    'Id_FinSet(f) >> 1_B = 1_A >> Id_FinSet(f) over FinSet'
    """
    F, G, C = eta.source, eta.target, eta.source.source
    return [
        Law(
            "naturality",
            "naturality",
            lambda f: F(f) >> eta(f.cod),
            lambda f: eta(f.dom) >> G(f),
            arguments=_chains_strategy(C, objects, 1),
            enumerate=_chains_enumerated(C, objects, 1),
            symbolic=_chains_symbolic(C, objects, 1),
            symbolic_covers_all=objects is not None,
            argnames=("f",),
            statement=f"{F.name}(f) >> {eta.name}_B = {eta.name}_A >> {G.name}(f) {_scope(C, objects)}",
            subject=subject or eta.name,
        )
    ]


# --- diagrams and cones -----------------------------------------------------------------------
def _pointwise(obj: Object) -> Sequence[Any] | None:
    """The elements of an object of a concrete finite category (FinSet), else ``None``."""
    elements = getattr(obj, "elements", None)
    return elements if isinstance(elements, tuple) else None


def _equation_law(
    name: str, suite: str, lhs_path: Sequence[Morphism], rhs_path: Sequence[Morphism], subject: str
) -> Law:
    """``lhs_path`` and ``rhs_path`` compose to the same morphism: pointwise on the elements
    of the domain for finite sets (so a counterexample names the element), else as whole
    morphisms (exact, symbolic or with the category's tolerance)."""
    from hypothesis import strategies as st

    statement = f"{path_name(lhs_path)} = {path_name(rhs_path)}"
    left, right = compose_all(lhs_path), compose_all(rhs_path)
    elements = _pointwise(left.dom)
    if elements is not None and hasattr(left, "image_of"):
        return Law(
            name,
            suite,
            lambda x: left.image_of(x),
            lambda x: right.image_of(x),  # type: ignore[attr-defined]
            arguments=st.sampled_from(elements).map(lambda x: (x,)) if elements else None,
            enumerate=lambda: ((x,) for x in elements),
            argnames=(f"x ∈ {left.dom.name}",),
            statement=f"({statement})(x) for every x in {left.dom.name}",
            subject=subject,
        )
    return Law(
        name,
        suite,
        lambda: left,
        lambda: right,
        enumerate=lambda: [()],
        symbolic=lambda: [()],
        statement=statement,
        subject=subject,
    )


def diagram_laws(diagram: Diagram, subject: str = "") -> list[Law]:
    """One law per declared equation of the diagram.

    >>> from catdyn.categories.finset import FinSet
    >>> A = FinSet.object("A", 2)
    >>> s = FinSet.function("s", A, A, [1, 0])
    >>> d = Diagram("involution", FinSet, [s, FinSet.identity(A)], equations=[(["s", "s"], ["id_A"])])
    >>> diagram_laws(d)[0].statement
    '(s >> s = id_A)(x) for every x in A'
    """
    out = []
    for i, eq in enumerate(diagram.equations):
        assert isinstance(eq, Equation)
        out.append(
            _equation_law(f"equation {i + 1}: {eq.name}", "diagram", eq.lhs, eq.rhs, subject or diagram.name)
        )
    return out


def cone_laws(cone: Cone, subject: str = "") -> list[Law]:
    """The cone commutes over its cospan.

    >>> from catdyn.categories.finset import FinSet
    >>> from catdyn.limits import Cospan
    >>> A = FinSet.object("A", 2)
    >>> i = FinSet.identity(A)
    >>> cone_laws(Cone(Cospan(i, i), i, i))[0].name
    'cone commutes'
    """
    sp = cone.cospan
    return [
        _equation_law(
            "cone commutes",
            "pullback",
            [cone.left, sp.left],
            [cone.right, sp.right],
            subject or f"cone over {sp.name}",
        )
    ]


# --- pullbacks --------------------------------------------------------------------------------
class _Cones(ABC):
    """How to generate cones over a pullback's cospan and list factorisations through it.

    ``factor_cases``: every cone (a complete enumeration) or ``None``; ``unique_cases``: cones
    enough to decide existence and uniqueness of factorisations, or ``None``; ``strategy``:
    a hypothesis strategy of cones (1-tuples).
    """

    def __init__(self, pb: Pullback) -> None:
        self.pb = pb
        self.sp = pb.cospan

    def factor_cases(self) -> Callable[[], Iterable[tuple[Cone]] | None] | None:
        return None

    def unique_cases(self) -> Callable[[], Iterable[tuple[Cone]] | None] | None:
        return None

    def strategy(self) -> Any:
        return None

    def boundary(self) -> Callable[[], Iterable[tuple[Cone]]] | None:
        """Cones always checked before sampling: the empty cone, the pullback's own cone (as
        large as its apex) and the largest cone the category gives."""
        return None

    @abstractmethod
    def factorisations(self, cone: Cone) -> list[Morphism]:
        """Every morphism ``cone.apex → apex`` through which ``cone`` factors."""


class _FinSetCones(_Cones):
    def __init__(self, pb: Pullback) -> None:
        from catdyn.categories.finset import pullback_by_loops

        super().__init__(pb)
        self.pairs = pullback_by_loops(self.sp.left.table.tolist(), self.sp.right.table.tolist())  # type: ignore[attr-defined]

    def cone(self, chosen: Sequence[tuple[int, int]]) -> Cone:
        from catdyn.categories.finset import FinSet

        X = FinSet.object("X", len(chosen))
        A, B = self.sp.left.dom, self.sp.right.dom
        left = FinSet.function("x_A", X, A, [a for a, _ in chosen])  # type: ignore[arg-type]
        right = FinSet.function("x_B", X, B, [b for _, b in chosen])  # type: ignore[arg-type]
        return Cone(self.sp, left, right)

    def unique_cases(self) -> Callable[[], Iterable[tuple[Cone]]]:
        return lambda: ((self.cone([pair]),) for pair in self.pairs)

    def strategy(self) -> Any:
        """Cones from sets of ``0 … n`` elements, ``n`` the largest of the apex, the number of
        commuting pairs and the size knob: as large as the apex, and the empty cone."""
        from hypothesis import strategies as st

        if not self.pairs:
            return st.just((self.cone([]),))

        @st.composite
        def cones(draw: Any) -> tuple[Cone]:
            from catdyn.checker.sampling import bounds

            top = max(self.pb.apex.size, len(self.pairs), bounds().max_size)  # type: ignore[attr-defined]
            k = draw(st.one_of(st.integers(0, min(3, top)), st.integers(0, top)))
            chosen = draw(st.lists(st.sampled_from(self.pairs), min_size=k, max_size=k))
            return (self.cone(chosen),)

        return cones()

    def boundary(self) -> Callable[[], Iterable[tuple[Cone]]]:
        def gen() -> Iterator[tuple[Cone]]:
            yield (self.cone([]),)
            yield (self.cone(self.pairs),)
            yield (Cone(self.sp, self.pb.left, self.pb.right),)

        return gen

    def factorisations(self, cone: Cone) -> list[Morphism]:
        import numpy as np

        from catdyn.categories.finset import FinSet

        p, q = self.pb.left.table, self.pb.right.table  # type: ignore[attr-defined]
        a, b = cone.left.table, cone.right.table  # type: ignore[attr-defined]
        choices = [np.flatnonzero((p == a[x]) & (q == b[x])) for x in range(len(a))]
        if any(len(c) == 0 for c in choices):
            return []
        first = [int(c[0]) for c in choices]
        out = [FinSet.function("u1", cone.apex, self.pb.apex, first)]  # type: ignore[arg-type]
        for x, c in enumerate(choices):
            if len(c) > 1:
                second = list(first)
                second[x] = int(c[1])
                out.append(FinSet.function("u2", cone.apex, self.pb.apex, second))  # type: ignore[arg-type]
                break
        return out


class _MatCones(_Cones):
    def __init__(self, pb: Pullback) -> None:
        super().__init__(pb)
        self.cat: Any = self.sp.category
        self.exact = not hasattr(self.cat, "tolerance")
        self.kernel = self._null(self._stack_h(self.sp.left.matrix, -self._m(self.sp.right.matrix)))  # type: ignore[attr-defined]

    def _m(self, x: Any) -> Any:
        import numpy as np
        import sympy

        return sympy.Matrix(x) if self.exact else np.asarray(x, dtype=float)

    def _stack_h(self, a: Any, b: Any) -> Any:
        import numpy as np

        return self._m(a).row_join(self._m(b)) if self.exact else np.hstack([a, b])

    def _null(self, m: Any) -> list[Any]:
        """Basis vectors of the null space (sympy's nullspace, or numpy's SVD)."""
        import numpy as np

        if self.exact:
            return [v for v in m.nullspace()] if m.cols else []
        if m.shape[1] == 0:
            return []
        if m.shape[0] == 0:
            return [np.eye(m.shape[1])[:, [j]] for j in range(m.shape[1])]
        _, s, vt = np.linalg.svd(m)
        rank = int(np.count_nonzero(s > self.cat.tolerance(float(s[0]) if s.size else 0.0)))
        return [vt[i : i + 1].T for i in range(rank, vt.shape[0])]

    def cone(self, columns: Sequence[Any], name: str = "X") -> Cone:
        import numpy as np
        import sympy

        A, B = self.sp.left.dom, self.sp.right.dom
        X = self.cat.object(name, len(columns))
        if self.exact:
            m = sympy.Matrix.hstack(*columns) if columns else sympy.zeros(A.dim + B.dim, 0)  # type: ignore[attr-defined]
        else:
            m = np.hstack(columns) if columns else np.zeros((A.dim + B.dim, 0))  # type: ignore[attr-defined]
        top, bottom = m[: A.dim, :], m[A.dim :, :]  # type: ignore[attr-defined]
        return Cone(self.sp, self.cat.matrix("x_A", X, A, top), self.cat.matrix("x_B", X, B, bottom))

    def unique_cases(self) -> Callable[[], Iterable[tuple[Cone]]]:
        """The zero cone and one cone per basis vector of ``ker [f, −g]``: by linearity,
        factorisations exist for every cone iff they do for these, and are unique iff
        ``[p; q]`` is injective."""
        import numpy as np
        import sympy

        def gen() -> Iterator[tuple[Cone]]:
            zero = sympy.zeros(*self._shape()) if self.exact else np.zeros(self._shape())
            yield (self.cone([zero]),)
            for v in self.kernel:
                yield (self.cone([v]),)

        return gen

    def _shape(self) -> tuple[int, int]:
        return (self.sp.left.dom.dim + self.sp.right.dom.dim, 1)  # type: ignore[attr-defined]

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        k = len(self.kernel)
        coeff = st.integers(-3, 3) if self.exact else st.floats(-3, 3, allow_nan=False, allow_subnormal=False)

        def build(cols: list[list[Any]]) -> tuple[Cone]:
            import numpy as np
            import sympy

            columns = []
            for c in cols:
                v = sympy.zeros(*self._shape()) if self.exact else np.zeros(self._shape())
                for coef, basis in zip(c, self.kernel):
                    v = v + coef * basis
                columns.append(v)
            return (self.cone(columns),)

        @st.composite
        def cones(draw: Any) -> tuple[Cone]:
            from catdyn.checker.sampling import bounds

            top = max(self.pb.apex.dim, bounds().max_dim)  # type: ignore[attr-defined]
            n = draw(st.one_of(st.integers(0, min(3, top)), st.integers(0, top)))
            return build(draw(st.lists(st.lists(coeff, min_size=k, max_size=k), min_size=n, max_size=n)))

        return cones()

    def boundary(self) -> Callable[[], Iterable[tuple[Cone]]]:
        def gen() -> Iterator[tuple[Cone]]:
            yield (self.cone([]),)
            if self.kernel:
                yield (self.cone(list(self.kernel)),)
            yield (Cone(self.sp, self.pb.left, self.pb.right),)

        return gen

    def factorisations(self, cone: Cone) -> list[Morphism]:
        import numpy as np
        import sympy

        p, q = self.pb.left.matrix, self.pb.right.matrix  # type: ignore[attr-defined]
        a, b = cone.left.matrix, cone.right.matrix  # type: ignore[attr-defined]
        X, P = cone.apex, self.pb.apex
        if self.exact:
            stacked = sympy.Matrix(p).col_join(sympy.Matrix(q))
            target = sympy.Matrix(a).col_join(sympy.Matrix(b))
            if stacked.cols == 0 or target.cols == 0:  # sympy finds no solution for an empty side
                u = sympy.zeros(stacked.cols, target.cols)
                if any(x != 0 for x in target):
                    return []
            else:
                try:
                    sol, params = stacked.gauss_jordan_solve(target)
                except ValueError:  # no solution: the cone does not factor
                    return []
                u = sol.subs({t: 0 for t in params})
        else:
            stacked, target = np.vstack([p, q]), np.vstack([a, b])
            u = np.linalg.lstsq(stacked, target, rcond=None)[0] if stacked.size else np.zeros((P.dim, X.dim))  # type: ignore[attr-defined]
            scale = float(np.max(np.abs(target))) if target.size else 0.0
            if (
                target.size
                and float(np.max(np.abs(stacked @ u - target))) > 10 * self.cat.tolerance(scale) + 1e-9
            ):
                return []
        first = self.cat.matrix("u", X, P, u)
        ker = self._null(stacked)
        if not ker or X.dim == 0:  # type: ignore[attr-defined]
            return [first]
        if self.exact:
            other = sympy.Matrix(u) + ker[0] * sympy.Matrix([[1] + [0] * (X.dim - 1)])  # type: ignore[attr-defined]
        else:
            e1 = np.zeros((1, X.dim))  # type: ignore[attr-defined]
            e1[0, 0] = 1.0
            other = np.asarray(u) + ker[0] @ e1
        return [first, self.cat.matrix("u + k", X, P, other)]


class _EnumeratedCones(_Cones):
    """Cones and factorisations by enumerating hom-sets (any category with ``hom``)."""

    def _apexes(self) -> list[Object]:
        cat = self.sp.category
        seen: list[Object] = []
        extra = cat.enumerate_objects()
        candidates = [self.pb.apex, self.sp.left.dom, self.sp.right.dom, self.sp.left.cod]
        if extra is not None:
            candidates += list(itertools.islice(extra, 16))
        for x in candidates:
            if x not in seen:
                seen.append(x)
        return seen

    def _all(self) -> list[tuple[Cone]] | None:
        if not hasattr(self, "_found"):
            self._found = self._search()
        return self._found

    def _search(self) -> list[tuple[Cone]] | None:
        cat = self.sp.category
        found = []
        budget = MAX_ENUMERATION
        for X in self._apexes():
            to_a = _hom_list(cat, X, self.sp.left.dom, budget)
            to_b = _hom_list(cat, X, self.sp.right.dom, budget)
            if to_a is None or to_b is None or len(to_a) * len(to_b) > budget:
                return None
            budget -= len(to_a) * len(to_b)
            for a in to_a:
                for b in to_b:
                    if cat.compare(a >> self.sp.left, b >> self.sp.right).equal:
                        found.append((Cone(self.sp, a, b),))
        return found

    def factor_cases(self) -> Callable[[], Iterable[tuple[Cone]] | None] | None:
        if self.sp.category.enumerate_objects() is None:
            return None  # cones from other objects exist: sample the ones found instead
        return self._all

    unique_cases = factor_cases

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        found = self._all()
        return st.sampled_from(found) if found else None

    def factorisations(self, cone: Cone) -> list[Morphism]:
        cat = self.sp.category
        hom = _hom_list(cat, cone.apex, self.pb.apex, MAX_ENUMERATION)
        if hom is None:
            raise CategoryError(
                f"cannot enumerate {cat.name}({cone.apex.name}, {self.pb.apex.name}) to decide whether "
                f"factorisations through {self.pb.apex.name} are unique",
                "Give the category a hom() enumeration for small objects, or check the pullback over listed objects",
            )
        out = []
        for u in hom:
            if (
                cat.compare(u >> self.pb.left, cone.left).equal
                and cat.compare(u >> self.pb.right, cone.right).equal
            ):
                out.append(u)
                if len(out) == 2:
                    break
        return out


def _cones_for(pb: Pullback) -> _Cones:
    from catdyn.categories.finset import FinSetCategory

    cat = pb.cospan.category
    if isinstance(cat, FinSetCategory):
        return _FinSetCones(pb)
    try:
        from catdyn.categories.mat import MatCategory
    except ImportError:  # pragma: no cover
        MatCategory = ()  # type: ignore[assignment,misc]
    if isinstance(cat, MatCategory):
        return _MatCones(pb)
    return _EnumeratedCones(pb)


def pullback_laws(pb: Pullback, subject: str = "") -> list[Law]:
    """The square commutes; every cone factors through the apex; and uniquely.

    See the module docstring for how cones are generated in each category.
    """
    sp = pb.cospan
    subject = subject or f"pullback {pb.apex.name}"
    commutes = _equation_law("square commutes", "pullback", [pb.left, sp.left], [pb.right, sp.right], subject)
    cones = _cones_for(pb)
    p, q = pb.left, pb.right

    def factored(cone: Cone) -> tuple[Morphism, Morphism]:
        u = pb.factor(cone)
        return u >> p, u >> q

    legs = f"u >> {p.name} = cone.left and u >> {q.name} = cone.right"
    return [
        commutes,
        *factorisation_laws(
            "pullback",
            subject,
            factored,
            lambda cone: (cone.left, cone.right),
            cones.factorisations,
            getattr(cones, "exact", True),
            cone="cone",
            factors_statement=f"u = factor(cone) has {legs}",
            unique_statement=f"exactly one u: X → {pb.apex.name} with {legs}",
            sampled={"arguments": cones.strategy(), "enumerate": cones.factor_cases(), "boundary": cones.boundary()},
            deciding={"arguments": cones.strategy(), "enumerate": cones.unique_cases()},
        ),
    ]


# --- dispatch ---------------------------------------------------------------------------------
def laws_for(thing: Any, name: str = "") -> list[Law] | None:
    """The laws a checkable thing promises, or ``None`` if it is not checkable.

    >>> from catdyn.categories.finset import FinSet
    >>> [law.suite for law in laws_for(FinSet, "FinSet")]
    ['category', 'category', 'category']
    >>> laws_for(3) is None
    True
    """
    if isinstance(thing, Law):
        return [thing if thing.subject else thing.at(thing.where, name)]
    if isinstance(thing, (list, tuple)) and thing and all(isinstance(x, Law) for x in thing):
        return [x if x.subject else x.at(x.where, name) for x in thing]
    if isinstance(thing, Category):
        return category_laws(thing, subject=name or thing.name)
    if isinstance(thing, NaturalTransformation):
        return naturality_laws(thing, subject=name or thing.name)
    if isinstance(thing, Functor):
        return functor_laws(thing, subject=name or thing.name)
    if isinstance(thing, Diagram):
        return diagram_laws(thing, subject=name or thing.name)
    if isinstance(thing, Pullback):
        return pullback_laws(thing, subject=name)
    if isinstance(thing, Cone):
        return cone_laws(thing, subject=name)
    if isinstance(thing, (Limit, Colimit)):
        return limit_laws(thing, name) if isinstance(thing, Limit) else colimit_laws(thing, name)
    return None
