"""Universal properties: the laws of a :class:`~catdyn.limits.Limit` and a
:class:`~catdyn.limits.Colimit` of a finite diagram.

For a limit (dually, a colimit) three laws, each against a reference computed here by a
method independent of the construction under test:

- **cone commutes**: ``legs[dom] >> m == legs[cod]`` for every morphism ``m`` (one case);
- **every cone factors**: for cones drawn from the reference (cones from sets of 0–3 elements,
  or spaces of dimension 0–3, and the limit's own cone, as large as the apex),
  ``u = factor(cone)`` has ``u >> legs[X] == cone.legs[X]`` for every object ``X``: sampled;
- **factorisation is unique**: over a set of cones that decides it — enumerated, so proved for
  exact data.

How the reference is found, per category:

- **FinSet limit**: the compatible tuples by nested loops over the product of the objects
  (capped at :data:`MAX_TUPLES`). The cones from the one-point set are the tuples; a tuple must
  be hit by exactly one apex element. With the commuting cone this proves that the legs are a
  bijection onto the compatible tuples, which is the universal property.
- **FinSet colimit**: the classes of the disjoint union under ``x ~ m(x)`` by naive quick-find.
  The deciding cocones go into a two-element set: the indicator of each class, and the zero
  cocone. Exactly one factorisation of each means the legs are jointly surjective and no two
  classes are merged.
- **Mat**: the constraint matrix ``[m x_dom − x_cod]`` (or, for a colimit, its dual), its null
  space by sympy's ``nullspace`` (MatQ) or numpy's SVD (MatR). Cones are combinations of the
  basis; factorisations are solutions of the stacked legs, and a second one is shown when the
  stacked legs have a kernel. By linearity the zero cone and one cone per basis vector decide.

Planted violations (too large an apex, a merged class, a leg that does not commute) are in
``specs/broken/`` and the tests.

>>> from catdyn.categories.finset import FinSet
>>> from catdyn.checker.law import check_laws
>>> from catdyn.limits import coequaliser
>>> A, B = FinSet.object("A", 4), FinSet.object("B", 4)
>>> s = FinSet.function("s", A, B, [1, 0, 3, 2])
>>> Q = coequaliser(s, FinSet.function("i", A, B, [0, 1, 2, 3]))
>>> [(r.law, r.status) for r in check_laws(colimit_laws(Q))]  # doctest: +NORMALIZE_WHITESPACE
[('cocone commutes', 'proved'), ('every cocone factors', 'held'),
 ('factorisation is unique', 'proved')]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from catdyn.category import Comparison, Morphism
from catdyn.checker.law import Law
from catdyn.errors import CategoryError
from catdyn.limits import Colimit, DiagramCocone, DiagramCone, Limit

MAX_TUPLES = 200_000
"""The largest product of object sizes the FinSet reference enumerates by nested loops."""


def _exactly_one(exact: bool) -> Callable[[Any, Any], Comparison]:
    def compare(found: Any, _expected: Any) -> Comparison:
        return Comparison(len(found) == 1, float(abs(len(found) - 1)), exact=exact)

    return compare


def _commutes_law(name: str, suite: str, sides: list[tuple[str, Morphism, Morphism]], subject: str, how: str) -> Law:
    return Law(
        name,
        suite,
        lambda: tuple(a for _, a, _ in sides),
        lambda: tuple(b for _, _, b in sides),
        enumerate=lambda: [()],
        statement=f"{how} for every morphism m of the diagram ({', '.join(n for n, _, _ in sides) or 'none'})",
        subject=subject,
    )


def _category_kind(cat: Any) -> str:
    if hasattr(cat, "to_terminal") and hasattr(cat, "function"):
        return "finset"
    if hasattr(cat, "zero_space") and hasattr(cat, "_kernel"):
        return "mat"
    raise CategoryError(
        f"the universal-property suite has no reference for {cat.name}",
        "Check limits in FinSet, MatQ or MatR, or state the laws yourself",
    )


# --- the universal property: one construction and its dual ------------------------------------
def factorisation_laws(
    suite: str,
    subject: str,
    factored: Callable[[Any], tuple[Morphism, ...]],
    cone_legs: Callable[[Any], tuple[Morphism, ...]],
    factorisations: Callable[[Any], Any],
    exact: bool,
    *,
    cone: str,
    factors_statement: str,
    unique_statement: str,
    sampled: dict[str, Any],
    deciding: dict[str, Any],
) -> list[Law]:
    """The two laws of a universal property, for any kind of cone (a limit's, a colimit's,
    a pullback's): **every cone factors** (``factored(c)``, the legs rebuilt through the
    mediating map, equals ``cone_legs(c)``; its cases given by ``sampled``) and
    **factorisation is unique** (``factorisations(c)`` holds exactly one map; its cases given
    by ``deciding``). ``cone`` names the argument (``cone``, ``cocone``)."""
    factors = Law(
        f"every {cone} factors",
        suite,
        factored,
        cone_legs,
        argnames=(cone,),
        statement=factors_statement,
        subject=subject,
        **sampled,
    )
    unique = Law(
        "factorisation is unique",
        suite,
        factorisations,
        lambda _cone: "exactly one factorisation",
        compare=_exactly_one(exact),
        argnames=(cone,),
        statement=unique_statement,
        subject=subject,
        **deciding,
    )
    return [factors, unique]


def _universal_laws(u: Limit | Colimit, ref: Any, dual: bool, subject: str) -> list[Law]:
    """The three laws of a limit, or (``dual``) of a colimit, whose words and composition
    order are the limit's read backwards."""
    suite, cone = ("colimit", "cocone") if dual else ("limit", "cone")
    subject = subject or f"{u.kind} {u.apex.name}"
    objects = list(u.diagram.objects)

    def through(leg: Morphism, m: Morphism) -> Morphism:
        return leg >> m if dual else m >> leg

    def factored(c: DiagramCone | DiagramCocone) -> tuple[Morphism, ...]:
        m = u.factor(c)  # type: ignore[arg-type]
        return tuple(through(u.legs[o.name], m) for o in objects)

    law = "legs[X] >> u" if dual else "u >> legs[X]"
    mediating = f"{u.apex.name} → Y" if dual else f"X → {u.apex.name}"
    commutes = _commutes_law(
        f"{cone} commutes",
        suite,
        (u.cocone if dual else u.cone).sides(),  # type: ignore[union-attr]
        subject,
        "m >> legs[cod] = legs[dom]" if dual else "legs[dom] >> m = legs[cod]",
    )
    return [
        commutes,
        *factorisation_laws(
            suite,
            subject,
            factored,
            lambda c: tuple(c.legs[o.name] for o in objects),
            ref.factorisations,
            ref.exact,
            cone=cone,
            factors_statement=f"u = factor({cone}) has {law} = {cone}.legs[X] for every object X of {u.diagram.name}",
            unique_statement=f"exactly one u: {mediating} with {law} = {cone}.legs[X] for every X",
            sampled={"arguments": ref.strategy()},
            deciding={"enumerate": ref.deciding},
        ),
    ]


def limit_laws(lim: Limit, subject: str = "") -> list[Law]:
    """The cone commutes; every cone factors through the apex; and uniquely.

    >>> from catdyn.categories.mat import MatQ
    >>> from catdyn.checker.law import check_laws
    >>> from catdyn.limits import product
    >>> P = product(MatQ.object("A", 1), MatQ.object("B", 2))
    >>> [r.status for r in check_laws(limit_laws(P))]
    ['proved', 'held', 'proved']
    """
    ref = _FinSetLimitRef(lim) if _category_kind(lim.diagram.category) == "finset" else _MatRef(lim, dual=False)
    return _universal_laws(lim, ref, dual=False, subject=subject)


def colimit_laws(colim: Colimit, subject: str = "") -> list[Law]:
    """The cocone commutes; every cocone factors through the apex; and uniquely.

    >>> from catdyn.categories.mat import MatR
    >>> from catdyn.checker.law import check_laws
    >>> from catdyn.limits import coproduct
    >>> S = coproduct(MatR.object("A", 2), MatR.object("B", 1))
    >>> [r.status for r in check_laws(colimit_laws(S))]  # no morphism: nothing to commute
    ['proved', 'held', 'held']
    """
    kind = _category_kind(colim.diagram.category)
    ref = _FinSetColimitRef(colim) if kind == "finset" else _MatRef(colim, dual=True)
    return _universal_laws(colim, ref, dual=True, subject=subject)


# --- FinSet references -------------------------------------------------------------------------
def compatible_tuples(objects: Sequence[Any], morphisms: Sequence[Any]) -> list[tuple[int, ...]]:
    """Every tuple ``(x_X)`` with ``m(x_dom) = x_cod`` for all ``m``, by nested loops over the
    product (the brute-force reference for a FinSet limit).

    >>> from catdyn.categories.finset import FinSet
    >>> A, B = FinSet.object("A", 2), FinSet.object("B", 2)
    >>> compatible_tuples([A, B], [FinSet.function("f", A, B, [1, 1])])
    [(0, 1), (1, 1)]
    """
    total = 1
    for o in objects:
        total *= o.size
    if total > MAX_TUPLES:
        raise CategoryError(
            f"the product of {[o.name for o in objects]} has {total:,} tuples, too many to enumerate "
            f"as the reference for a limit",
            f"Check limits of diagrams whose product has at most {MAX_TUPLES:,} tuples",
        )
    where = {o.name: i for i, o in enumerate(objects)}
    rules = [(where[m.dom.name], where[m.cod.name], m.table.tolist()) for m in morphisms]
    return [
        t
        for t in itertools.product(*(range(o.size) for o in objects))
        if all(table[t[i]] == t[j] for i, j, table in rules)
    ]


def equivalence_classes(objects: Sequence[Any], morphisms: Sequence[Any]) -> list[list[tuple[str, int]]]:
    """The classes of ``∐ X`` under ``x ~ m(x)``, by naive quick-find, in order of first element
    (the brute-force reference for a FinSet colimit).

    >>> from catdyn.categories.finset import FinSet
    >>> A = FinSet.object("A", 3)
    >>> equivalence_classes([A], [FinSet.function("f", A, A, [1, 0, 2])])
    [[('A', 0), ('A', 1)], [('A', 2)]]
    """
    elements = [(o.name, x) for o in objects for x in range(o.size)]
    label = {e: i for i, e in enumerate(elements)}
    for m in morphisms:
        for x in range(m.dom.size):
            a, b = label[(m.dom.name, x)], label[(m.cod.name, int(m.table[x]))]
            if a != b:
                keep, drop = min(a, b), max(a, b)
                label = {e: keep if v == drop else v for e, v in label.items()}
    classes: dict[int, list[tuple[str, int]]] = {}
    for e in elements:
        classes.setdefault(label[e], []).append(e)
    return list(classes.values())


class _FinSetLimitRef:
    exact = True

    def __init__(self, lim: Limit) -> None:
        self.lim = lim
        self.objects = list(lim.diagram.objects)
        self.tuples = compatible_tuples(self.objects, list(lim.diagram.morphisms))

    def cone(self, chosen: Sequence[tuple[int, ...]]) -> DiagramCone:
        from catdyn.categories.finset import FinSet

        X = FinSet.object("X", len(chosen))
        legs = {o.name: FinSet.function(f"x_{o.name}", X, o, [t[i] for t in chosen]) for i, o in enumerate(self.objects)}
        return DiagramCone(self.lim.diagram, X, legs)

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        own = st.just((self.lim.cone,))
        if not self.tuples:
            return st.one_of(st.just((self.cone([]),)), own)
        drawn = st.lists(st.sampled_from(self.tuples), min_size=0, max_size=3).map(lambda c: (self.cone(c),))
        return st.one_of(drawn, own)

    def deciding(self) -> Iterable[tuple[DiagramCone]]:
        return ((self.cone([t]),) for t in self.tuples)

    def factorisations(self, cone: DiagramCone) -> list[Morphism]:
        """Every apex element whose legs give the (one-point) cone's tuple, as maps ``X → apex``
        (at most two shown); for larger cones the first choice per element."""
        import numpy as np

        from catdyn.categories.finset import FinSet

        legs = [self.lim.legs[o.name].table for o in self.objects]  # type: ignore[attr-defined]
        want = [cone.legs[o.name].table for o in self.objects]  # type: ignore[attr-defined]
        n_apex = self.lim.apex.size  # type: ignore[attr-defined]
        out: list[Morphism] = []
        choices = []
        for x in range(cone.apex.size):  # type: ignore[attr-defined]
            hit = np.ones(n_apex, dtype=bool)
            for leg, w in zip(legs, want):
                hit &= leg == w[x]
            choices.append(np.flatnonzero(hit))
        if any(len(c) == 0 for c in choices):
            return out
        first = [int(c[0]) for c in choices]
        out.append(FinSet.function("u1", cone.apex, self.lim.apex, first))  # type: ignore[arg-type]
        for x, c in enumerate(choices):
            if len(c) > 1:
                second = list(first)
                second[x] = int(c[1])
                out.append(FinSet.function("u2", cone.apex, self.lim.apex, second))  # type: ignore[arg-type]
                break
        return out


class _FinSetColimitRef:
    exact = True

    def __init__(self, colim: Colimit) -> None:
        self.colim = colim
        self.objects = list(colim.diagram.objects)
        self.classes = equivalence_classes(self.objects, list(colim.diagram.morphisms))

    def cocone(self, size: int, value_of_class: Sequence[int]) -> DiagramCocone:
        from catdyn.categories.finset import FinSet

        Y = FinSet.object("Y", size)
        tables = {o.name: [0] * o.size for o in self.objects}
        for c, members in zip(value_of_class, self.classes):
            for name, x in members:
                tables[name][x] = c
        legs = {o.name: FinSet.function(f"y_{o.name}", o, Y, tables[o.name]) for o in self.objects}
        return DiagramCocone(self.colim.diagram, Y, legs)

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        own = st.just((self.colim.cocone,))
        k = len(self.classes)
        if k == 0:
            return st.one_of(st.just((self.cocone(0, []),)), own)
        drawn = st.integers(1, 3).flatmap(
            lambda n: st.lists(st.integers(0, n - 1), min_size=k, max_size=k).map(lambda v: (self.cocone(n, v),))
        )
        return st.one_of(drawn, own)

    def deciding(self) -> Iterable[tuple[DiagramCocone]]:
        k = len(self.classes)
        yield (self.cocone(2, [0] * k),)
        for c in range(k):
            yield (self.cocone(2, [int(i == c) for i in range(k)]),)

    def factorisations(self, cocone: DiagramCocone) -> list[Morphism]:
        """Maps ``u: apex → Y`` with ``legs[X] >> u = cocone.legs[X]``: none when the cocone
        asks one apex element to go two ways, two when some apex element is hit by no leg."""
        from catdyn.categories.finset import FinSet

        n_apex, n_y = self.colim.apex.size, cocone.apex.size  # type: ignore[attr-defined]
        u: list[int | None] = [None] * n_apex
        for o in self.objects:
            leg, want = self.colim.legs[o.name].table, cocone.legs[o.name].table  # type: ignore[attr-defined]
            for x in range(o.size):  # type: ignore[attr-defined]
                p, y = int(leg[x]), int(want[x])
                if u[p] is None:
                    u[p] = y
                elif u[p] != y:
                    return []
        free = [p for p, v in enumerate(u) if v is None]
        if free and n_y == 0:
            return []
        first = [0 if v is None else v for v in u]
        out = [FinSet.function("u1", self.colim.apex, cocone.apex, first)]  # type: ignore[arg-type]
        if free and n_y > 1:
            second = list(first)
            second[free[0]] = 1
            out.append(FinSet.function("u2", self.colim.apex, cocone.apex, second))  # type: ignore[arg-type]
        return out


# --- Mat reference (a limit, or a colimit read through transposes) -----------------------------
class _MatRef:
    """Cones (``dual=False``) or cocones (``dual=True``) from the null space of the constraint
    matrix, built here from the diagram's morphisms."""

    def __init__(self, universal: Limit | Colimit, dual: bool) -> None:
        import numpy as np
        import sympy

        self.u = universal
        self.dual = dual
        self.cat: Any = universal.diagram.category
        self.exact = not hasattr(self.cat, "tolerance")
        self.objects = list(universal.diagram.objects)
        self.dims = [o.dim for o in self.objects]  # type: ignore[attr-defined]
        self.at = [sum(self.dims[:i]) for i in range(len(self.dims))]
        M = self._constraints()
        self.kernel = self._null(M)  # vectors of ⊕V_i (as columns)
        legs = [self._np_or_sym(universal.legs[o.name].matrix) for o in self.objects]  # type: ignore[attr-defined]
        if dual:  # stacked legs transposed: (⊕V_i) × apex
            self.stacked = sympy.Matrix.vstack(*(leg.T for leg in legs)) if self.exact else np.vstack([leg.T for leg in legs])
        else:
            self.stacked = sympy.Matrix.vstack(*legs) if self.exact else np.vstack(legs)
        if not self.objects:
            self.stacked = sympy.zeros(0, universal.apex.dim) if self.exact else np.zeros((0, universal.apex.dim))  # type: ignore[attr-defined]

    def _np_or_sym(self, m: Any) -> Any:
        import numpy as np
        import sympy

        return sympy.Matrix(m) if self.exact else np.asarray(m, dtype=np.float64)

    def _constraints(self) -> Any:
        """Rows ``m x_dom − x_cod`` (limit) or, dually, rows ``y_dom − mᵀ y_cod`` (colimit: a
        cocone ``L`` has ``Lᵀ`` in the null space of these)."""
        import numpy as np
        import sympy

        n = sum(self.dims)
        where = {o.name: i for i, o in enumerate(self.objects)}
        rows = []
        for m in self.u.diagram.morphisms:
            i, j = where[m.dom.name], where[m.cod.name]
            A = self._np_or_sym(m.matrix)  # type: ignore[attr-defined]
            if not self.dual:  # m x_i − x_j, shape (dim cod) × n
                block = sympy.zeros(A.shape[0], n) if self.exact else np.zeros((A.shape[0], n))
                block[:, self.at[i] : self.at[i] + self.dims[i]] += A
                block[:, self.at[j] : self.at[j] + self.dims[j]] -= sympy.eye(self.dims[j]) if self.exact else np.eye(self.dims[j])
            else:  # y_i − Aᵀ y_j, shape (dim dom) × n
                block = sympy.zeros(A.shape[1], n) if self.exact else np.zeros((A.shape[1], n))
                block[:, self.at[i] : self.at[i] + self.dims[i]] += sympy.eye(self.dims[i]) if self.exact else np.eye(self.dims[i])
                block[:, self.at[j] : self.at[j] + self.dims[j]] -= A.T
            rows.append(block)
        if not rows:
            return sympy.zeros(0, n) if self.exact else np.zeros((0, n))
        return sympy.Matrix.vstack(*rows) if self.exact else np.vstack(rows)

    def _null(self, m: Any) -> list[Any]:
        import numpy as np

        if self.exact:
            if m.cols == 0:
                return []
            if m.rows == 0:
                import sympy

                return [sympy.eye(m.cols)[:, j] for j in range(m.cols)]
            return list(m.nullspace())
        if m.shape[1] == 0:
            return []
        if m.shape[0] == 0:
            return [np.eye(m.shape[1])[:, [j]] for j in range(m.shape[1])]
        _, s, vt = np.linalg.svd(m)
        rank = int(np.count_nonzero(s > self.cat.tolerance(float(s[0]) if s.size else 0.0)))
        return [vt[i : i + 1].T for i in range(rank, vt.shape[0])]

    def build(self, columns: Sequence[Any], name: str = "X") -> DiagramCone | DiagramCocone:
        import numpy as np
        import sympy

        n = sum(self.dims)
        X = self.cat.object(name, len(columns))
        if self.exact:
            m = sympy.Matrix.hstack(*columns) if columns else sympy.zeros(n, 0)
        else:
            m = np.hstack(columns) if columns else np.zeros((n, 0))
        legs = {}
        for o, r0, d in zip(self.objects, self.at, self.dims):
            block = m[r0 : r0 + d, :]
            if self.dual:
                legs[o.name] = self.cat.matrix(f"y_{o.name}", o, X, block.T)
            else:
                legs[o.name] = self.cat.matrix(f"x_{o.name}", X, o, block)
        return DiagramCocone(self.u.diagram, X, legs) if self.dual else DiagramCone(self.u.diagram, X, legs)

    def _zero(self) -> Any:
        import numpy as np
        import sympy

        return sympy.zeros(sum(self.dims), 1) if self.exact else np.zeros((sum(self.dims), 1))

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        k = len(self.kernel)
        coeff = st.integers(-3, 3) if self.exact else st.floats(-3, 3, allow_nan=False, allow_subnormal=False)
        own = st.just((self.u.cone if not self.dual else self.u.cocone,))  # type: ignore[union-attr]

        def combine(cols: list[list[Any]]) -> tuple[Any]:
            columns = []
            for c in cols:
                v = self._zero()
                for coef, basis in zip(c, self.kernel):
                    v = v + coef * basis
                columns.append(v)
            return (self.build(columns),)

        return st.one_of(st.lists(st.lists(coeff, min_size=k, max_size=k), min_size=0, max_size=3).map(combine), own)

    def deciding(self) -> Iterable[tuple[Any]]:
        yield (self.build([self._zero()]),)
        for v in self.kernel:
            yield (self.build([v]),)

    def factorisations(self, tip: DiagramCone | DiagramCocone) -> list[Morphism]:
        """Solutions ``w`` of ``stacked · w = target`` (``w = u``, or ``uᵀ`` for a cocone); a
        second one when the stacked legs have a kernel."""
        import numpy as np
        import sympy

        legs = [self._np_or_sym(tip.legs[o.name].matrix) for o in self.objects]  # type: ignore[attr-defined]
        cols = tip.apex.dim  # type: ignore[attr-defined]
        blocks = [leg.T for leg in legs] if self.dual else legs
        if self.exact:
            target = sympy.Matrix.vstack(*blocks) if blocks else sympy.zeros(0, cols)
        else:
            target = np.vstack(blocks) if blocks else np.zeros((0, cols))
        S, P = self.stacked, self.u.apex
        w = self._solve(S, target, P.dim, cols)  # type: ignore[attr-defined]
        if w is None:
            return []
        ker = self._null(S)

        def as_morphism(x: Any, name: str) -> Morphism:
            if self.dual:
                return self.cat.matrix(name, P, tip.apex, x.T)
            return self.cat.matrix(name, tip.apex, P, x)

        out = [as_morphism(w, "u")]
        if ker and cols:
            e1 = sympy.zeros(1, cols) if self.exact else np.zeros((1, cols))
            e1[0, 0] = 1
            out.append(as_morphism(w + ker[0] * e1 if self.exact else w + ker[0] @ e1, "u + k"))
        return out

    def _solve(self, S: Any, target: Any, n: int, cols: int) -> Any:
        import numpy as np
        import sympy

        if self.exact:
            if S.cols == 0:
                return sympy.zeros(0, cols) if all(x == 0 for x in target) else None
            try:
                sol, params = S.gauss_jordan_solve(target)
            except ValueError:  # no solution
                return None
            return sol.subs({t: 0 for t in params})
        if S.size == 0:
            return np.zeros((n, cols)) if not target.size or np.max(np.abs(target)) <= self.cat.tolerance(0.0) else None
        w = np.linalg.lstsq(S, target, rcond=None)[0]
        scale = float(np.max(np.abs(target))) if target.size else 0.0
        if target.size and float(np.max(np.abs(S @ w - target))) > 10 * self.cat.tolerance(scale) + 1e-9:
            return None
        return w
